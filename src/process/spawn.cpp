// SPDX-License-Identifier: Apache-2.0
#include "process/spawn.hpp"

#include "process/reaper.hpp"

#include "lib/small_file.hpp"
#include "lib/unique_fd.hpp"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

namespace smtrain::process {
namespace {

/// Marks every descriptor from 3 up close-on-exec, so the program gets only
/// stdin, stdout and stderr, as the toolkit's subprocess (close_fds=True) does.
/// sm-train's S3 threads may hold descriptors that libcurl opens without
/// O_CLOEXEC (its wake-up socketpair) when the fork happens.
/// Async-signal-safe: raw syscalls only, on the child's own descriptor table
/// (no CLONE_FILES). `max_fd` is computed before the child starts.
__attribute__((no_sanitize("address", "undefined"))) void cloexec_from_3(int max_fd) {
    if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
    for (int fd = 3; fd < max_fd; ++fd) fcntl(fd, F_SETFD, FD_CLOEXEC);  // kernels before 5.11
}

/// A pipe whose ends close on exec. Closes what it still owns.
struct Pipe {
    detail::UniqueFd read_end, write_end;
    Pipe() = default;
    explicit Pipe(const std::filesystem::path& program) {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) != 0) throw SpawnError(program, "pipe", errno);
        read_end.reset(fds[0]);
        write_end.reset(fds[1]);
    }
};

constexpr std::array<const char*, 10> kSteps = {"execve",         "chdir",
                                                "dup2",           "setpgid",
                                                "execve /bin/sh", "setns",
                                                "unshare",        "mount --make-rprivate /",
                                                "sethostname",    "mount --bind /etc/hosts"};

/// Everything the child reads, prepared before it starts, and the two fields
/// it writes when it cannot exec.
///
/// The child is started with clone(CLONE_VM | CLONE_VFORK) on a stack of its
/// own, as glibc's and musl's posix_spawn do: it shares our memory and we are
/// suspended until it has called execve (the kernel then gives it a fresh
/// address space) or _exit. That costs no page-table copy and no
/// copy-on-write faults, which fork() of a 4 MiB binary does, and it makes
/// the exec-failure pipe unnecessary: the child leaves its errno here.
/// Rules that keep this safe:
///  - the child only makes async-signal-safe system calls (setpgid, isatty,
///    tcsetpgrp, sigaction, dup2, chdir, sigprocmask, execve, _exit) and
///    writes nothing of ours but `failed_step` / `error_number` (and errno,
///    which it shares with our thread: the parent reads it only when clone()
///    itself failed, before the child existed);
///  - every signal is blocked while it runs (no handler of ours can run on
///    its stack), and it resets every disposition that is not SIG_DFL here
///    (see `not_default`) before it unblocks anything. Without CLONE_SIGHAND
///    it has its own copy of the disposition table, so that reset does not
///    touch ours;
///  - it never returns: child_main ends in execve or _exit.
struct ChildArgs {
    const char* program;
    char* const* argv;
    char* const* envp;
    char* const* sh_argv;
    const char* cwd;       // nullptr: stay
    int stdin_fd;          // -1: inherit
    int stdout_fd;         // -1: inherit
    int stderr_fd;         // -1: inherit
    int netns_fd;          // -1: stay in our network namespace
    const char* hostname;  // with netns_fd
    std::size_t hostname_length;
    const char* hosts_file;  // with netns_fd
    bool new_process_group;
    bool sh_fallback_on_enoexec;
    int max_fd;  // bound of the CLOEXEC loop on kernels without close_range
    sigset_t mask;
    sigset_t not_default;  // the dispositions the child sets to SIG_DFL
    // Written by the child on failure, read by the parent once clone() returns.
    int failed_step = -1;  // index into kSteps
    int error_number = 0;
};

[[noreturn]] void child_fail(ChildArgs& args, int step) {
    args.error_number = errno;
    args.failed_step = step;
    _exit(args.error_number == ENOENT || args.error_number == ENOTDIR ? 127 : 126);
}

// Not instrumented: the child runs on a stack ASan does not know, in our
// memory, and must not touch the sanitizer's state (or anything of ours).
__attribute__((no_sanitize("address", "undefined"))) int child_main(void* raw) {
    ChildArgs& args = *static_cast<ChildArgs*>(raw);
    // stdin first: whether it is a terminal decides tcsetpgrp below.
    if (args.stdin_fd >= 0 && dup2(args.stdin_fd, STDIN_FILENO) < 0) child_fail(args, 2);
    if (args.netns_fd >= 0) {
        if (setns(args.netns_fd, CLONE_NEWNET) != 0) child_fail(args, 5);
        if (unshare(CLONE_NEWNS | CLONE_NEWUTS) != 0) child_fail(args, 6);
        if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) child_fail(args, 7);
        if (sethostname(args.hostname, args.hostname_length) != 0) child_fail(args, 8);
        if (mount(args.hosts_file, "/etc/hosts", nullptr, MS_BIND, nullptr) != 0) child_fail(args, 9);
    }
    if (args.new_process_group) {
        if (setpgid(0, 0) != 0) child_fail(args, 3);
        // Take the terminal's foreground (as tini does) so Ctrl-C and
        // terminal reads reach the program; no terminal is fine.
        if (isatty(STDIN_FILENO)) tcsetpgrp(STDIN_FILENO, getpgrp());
    }
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; ++s) {
        if (s != SIGKILL && s != SIGSTOP && sigismember(&args.not_default, s) == 1)
            sigaction(s, &dfl, nullptr);
    }
    if (args.stdout_fd >= 0 && dup2(args.stdout_fd, STDOUT_FILENO) < 0) child_fail(args, 2);
    if (args.stderr_fd >= 0 && dup2(args.stderr_fd, STDERR_FILENO) < 0) child_fail(args, 2);
    if (args.cwd && chdir(args.cwd) != 0) child_fail(args, 1);
    cloexec_from_3(args.max_fd);
    sigprocmask(SIG_SETMASK, &args.mask, nullptr);
    execve(args.program, args.argv, args.envp);
    if (errno == ENOEXEC && args.sh_fallback_on_enoexec) {
        execve(args.sh_argv[0], args.sh_argv, args.envp);
        child_fail(args, 4);
    }
    child_fail(args, 0);
}

/// The value of a `Sig...:` line of /proc/self/status (a hexadecimal mask,
/// bit N-1 for signal N), or nullopt when the line is not there.
std::optional<std::uint64_t> status_mask(std::string_view status, std::string_view key) {
    const std::size_t at = status.find(key);
    if (at == std::string_view::npos) return std::nullopt;
    std::uint64_t mask = 0;
    const char* const begin = status.data() + at + key.size();
    const char* const end = status.data() + status.size();
    const auto [next, error] = std::from_chars(begin, end, mask, 16);
    if (error != std::errc() || next == begin) return std::nullopt;
    return mask;
}

/// The signals whose disposition is not SIG_DFL in this process: those it
/// ignores or catches (/proc/self/status, SigIgn and SigCgt), read in one
/// read instead of a sigaction per signal (62 system calls in the child,
/// most of what it did before execve). sm-train itself installs no handler
/// and ignores no signal; what is there came from its parent (an ignored
/// SIGHUP under nohup) or a sanitizer's handlers. SIGPIPE is always in:
/// libcurl ignores it around its transfers in S3 threads, which may run
/// while we read. When the file cannot be read: every signal, as before.
sigset_t not_default_dispositions() {
    sigset_t set;
    sigfillset(&set);
    const std::optional<std::string> status = detail::read_small_file("/proc/self/status");
    if (!status) return set;
    const auto ignored = status_mask(*status, "\nSigIgn:\t");
    const auto caught = status_mask(*status, "\nSigCgt:\t");
    if (!ignored || !caught) return set;
    sigemptyset(&set);
    for (int s = 1; s < NSIG && s <= 64; ++s) {
        if (((*ignored | *caught) >> (s - 1)) & 1U) sigaddset(&set, s);
    }
    sigaddset(&set, SIGPIPE);
    return set;
}

/// The child's stack: mapped, not touched until used (a few pages in practice).
/// Sanitizer builds get more room for their interceptors.
#if defined(__SANITIZE_ADDRESS__)
constexpr std::size_t kChildStack = 1 << 20;
#else
constexpr std::size_t kChildStack = 256 * 1024;
#endif

struct ChildStack {
    void* base = MAP_FAILED;
    ChildStack() {
        base = mmap(nullptr, kChildStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1,
                    0);
    }
    ChildStack(const ChildStack&) = delete;
    ChildStack& operator=(const ChildStack&) = delete;
    ~ChildStack() {
        if (base != MAP_FAILED) munmap(base, kChildStack);
    }
    void* top() const { return static_cast<char*>(base) + kChildStack; }  // x86-64 and arm64 grow down
};

/// Everything execve needs, as C arrays that outlive the child's start.
struct ExecArgs {
    std::vector<char*> argv, envp, sh_argv;
    std::string program;
};

}  // namespace

SpawnError::SpawnError(const std::filesystem::path& program, std::string step, int error_number)
    : Error("cannot run " + program.string() + ": " + step + ": " + strerror(error_number),
            error_number == ENOENT || error_number == ENOTDIR ? ExitCode::NotFound : ExitCode::NotExecutable),
      step_(std::move(step)),
      error_number_(error_number) {}

SpawnedProcess spawn(const SpawnSpec& spec) {
    // Prepare every byte the child needs before fork: it may only call
    // async-signal-safe functions afterwards (no allocation).
    // execve's arrays point into spec's own strings (execve writes none of
    // them: its char* const* is C's, not a licence), so the environment is
    // not copied once more for a job that already holds it twice.
    ExecArgs exec;
    exec.program = spec.program.string();
    auto c_string = [](const std::string& text) { return const_cast<char*>(text.c_str()); };
    if (spec.argv.empty()) {
        exec.argv.push_back(exec.program.data());
    } else {
        exec.argv.reserve(spec.argv.size() + 1);
        for (const auto& a : spec.argv) exec.argv.push_back(c_string(a));
    }
    exec.argv.push_back(nullptr);
    exec.envp.reserve(spec.env.size() + 1);
    for (const auto& e : spec.env) exec.envp.push_back(c_string(e));
    exec.envp.push_back(nullptr);
    // `/bin/sh program args...`: what execvp does for a file without a shebang.
    std::string sh = "/bin/sh";
    exec.sh_argv.push_back(sh.data());
    exec.sh_argv.push_back(exec.program.data());
    for (std::size_t i = 1; i < spec.argv.size(); ++i) exec.sh_argv.push_back(c_string(spec.argv[i]));
    exec.sh_argv.push_back(nullptr);
    std::string cwd = spec.cwd.string();
    rlimit files{};
    const int max_fd = getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < (1u << 20)
                           ? static_cast<int>(files.rlim_cur)
                           : 1 << 20;

    sigset_t child_mask;
    if (spec.child_mask) {
        child_mask = *spec.child_mask;
    } else {
        sigemptyset(&child_mask);
    }

    Pipe out, err;
    if (spec.capture_stdout) out = Pipe(spec.program);
    if (spec.capture_stderr) err = Pipe(spec.program);

    ChildArgs args{};
    args.program = exec.program.c_str();
    args.argv = exec.argv.data();
    args.envp = exec.envp.data();
    args.sh_argv = exec.sh_argv.data();
    args.cwd = cwd.empty() ? nullptr : cwd.c_str();
    args.stdin_fd = spec.stdin_fd;
    args.stdout_fd = spec.capture_stdout ? out.write_end.get() : spec.stdout_fd;
    args.stderr_fd = spec.capture_stderr ? err.write_end.get() : spec.stderr_fd;
    const std::string hosts_file = spec.isolation ? spec.isolation->hosts_file.string() : std::string();
    args.netns_fd = spec.isolation ? spec.isolation->netns_fd : -1;
    args.hostname = spec.isolation ? spec.isolation->hostname.data() : nullptr;
    args.hostname_length = spec.isolation ? spec.isolation->hostname.size() : 0;
    args.hosts_file = hosts_file.c_str();
    args.new_process_group = spec.new_process_group;
    args.sh_fallback_on_enoexec = spec.sh_fallback_on_enoexec;
    args.max_fd = max_fd;
    args.mask = child_mask;
    args.not_default = not_default_dispositions();

    ChildStack stack;
    if (stack.base == MAP_FAILED) throw SpawnError(spec.program, "fork", errno);

    // Block everything around the start so no handler of ours runs in the child.
    sigset_t all, before;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &before);
    pid_t pid = -1;
    int clone_errno = 0;
    {
        // Watched from its first instant: no collect() elsewhere reaps it unseen.
        const auto held = Reaper::hold();
        // Returns once the child has exec'd or exited (CLONE_VFORK).
        pid = clone(child_main, stack.top(), CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
        clone_errno = errno;
        if (pid > 0) Reaper::watch(pid, held);
    }
    sigprocmask(SIG_SETMASK, &before, nullptr);
    if (pid < 0) throw SpawnError(spec.program, "fork", clone_errno);

    out.write_end.reset();  // the child has its copy
    err.write_end.reset();

    if (args.failed_step >= 0) {
        // It has called _exit: its status is there at once (the bound is a safety net).
        Reaper::wait_until(pid, std::chrono::steady_clock::now() + std::chrono::seconds(5));
        // A program relative to its working directory ("./train.sh") is named in full.
        throw SpawnError(
            spec.program.is_relative() ? (spec.cwd / spec.program).lexically_normal() : spec.program,
            kSteps.at(static_cast<std::size_t>(args.failed_step)), args.error_number);
    }

    SpawnedProcess child;
    child.pid = pid;
    if (spec.capture_stdout) child.stdout_fd = out.read_end.release();
    if (spec.capture_stderr) child.stderr_fd = err.read_end.release();
    for (int fd : {child.stdout_fd, child.stderr_fd}) {
        if (fd >= 0) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    }
    return child;
}

}  // namespace smtrain::process
