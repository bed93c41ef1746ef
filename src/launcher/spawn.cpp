// SPDX-License-Identifier: Apache-2.0
#include "spawn.hpp"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <linux/close_range.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <utility>

namespace smtrain::launcher {
namespace {

/// Marks every descriptor from 3 up close-on-exec, so the program gets only
/// stdin, stdout and stderr, as the toolkit's subprocess (close_fds=True) does.
/// sm-train's S3 threads may hold descriptors that libcurl opens without
/// O_CLOEXEC (its wake-up socketpair) when the fork happens.
/// Async-signal-safe: raw syscalls only. `max_fd` is computed before fork.
void cloexec_from_3(int max_fd) {
    if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
    for (int fd = 3; fd < max_fd; ++fd) fcntl(fd, F_SETFD, FD_CLOEXEC);  // kernels before 5.11
}

/// A pipe whose ends close on exec. Closes what it still owns.
struct Pipe {
    int read_end = -1, write_end = -1;
    Pipe() = default;
    explicit Pipe(const std::filesystem::path& program) {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) != 0) throw SpawnError(program, "pipe", errno);
        read_end = fds[0];
        write_end = fds[1];
    }
    Pipe(const Pipe&) = delete;
    Pipe& operator=(const Pipe&) = delete;
    Pipe(Pipe&& other) noexcept { *this = std::move(other); }
    Pipe& operator=(Pipe&& other) noexcept {
        std::swap(read_end, other.read_end);
        std::swap(write_end, other.write_end);
        return *this;
    }
    ~Pipe() {
        if (read_end >= 0) close(read_end);
        if (write_end >= 0) close(write_end);
    }
    int release_read() { return std::exchange(read_end, -1); }
};

/// What the child reports when it cannot exec: the step and its errno.
struct ChildFailure {
    int step;  // index into kSteps
    int error_number;
};
constexpr std::array<const char*, 5> kSteps = {"execve", "chdir", "dup2", "setpgid", "execve /bin/sh"};

[[noreturn]] void child_fail(int report_fd, int step) {
    ChildFailure failure{step, errno};
    // A short write to a pipe of this size is atomic; nothing else can be done on failure.
    [[maybe_unused]] ssize_t n = write(report_fd, &failure, sizeof failure);
    _exit(failure.error_number == ENOENT || failure.error_number == ENOTDIR ? 127 : 126);
}

/// Everything execve needs, as C arrays that outlive fork().
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
    std::vector<std::string> argv_storage = spec.argv;
    if (argv_storage.empty()) argv_storage.push_back(spec.program.string());
    std::vector<std::string> env_storage = spec.env;
    ExecArgs exec;
    exec.program = spec.program.string();
    for (auto& a : argv_storage) exec.argv.push_back(a.data());
    exec.argv.push_back(nullptr);
    for (auto& e : env_storage) exec.envp.push_back(e.data());
    exec.envp.push_back(nullptr);
    // `/bin/sh program args...`: what execvp does for a file without a shebang.
    std::string sh = "/bin/sh";
    exec.sh_argv.push_back(sh.data());
    exec.sh_argv.push_back(exec.program.data());
    for (std::size_t i = 1; i < argv_storage.size(); ++i) exec.sh_argv.push_back(argv_storage[i].data());
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

    Pipe report(spec.program);
    Pipe out, err;
    if (spec.capture_stdout) out = Pipe(spec.program);
    if (spec.capture_stderr) err = Pipe(spec.program);

    // Block everything around fork so no handler of ours runs in the child.
    sigset_t all, before;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &before);

    pid_t pid = fork();
    if (pid == 0) {
        // ---- child: async-signal-safe calls only ----
        if (spec.new_process_group) {
            if (setpgid(0, 0) != 0) child_fail(report.write_end, 3);
            // Take the terminal's foreground (as tini does) so Ctrl-C and
            // terminal reads reach the program; no terminal is fine.
            if (isatty(STDIN_FILENO)) tcsetpgrp(STDIN_FILENO, getpgrp());
        }
        struct sigaction dfl {};
        dfl.sa_handler = SIG_DFL;
        for (int s = 1; s < NSIG; ++s) {
            if (s != SIGKILL && s != SIGSTOP) sigaction(s, &dfl, nullptr);
        }
        if (spec.capture_stdout && dup2(out.write_end, STDOUT_FILENO) < 0) child_fail(report.write_end, 2);
        if (spec.capture_stderr && dup2(err.write_end, STDERR_FILENO) < 0) child_fail(report.write_end, 2);
        if (!cwd.empty() && chdir(cwd.c_str()) != 0) child_fail(report.write_end, 1);
        cloexec_from_3(max_fd);
        sigprocmask(SIG_SETMASK, &child_mask, nullptr);
        execve(exec.program.c_str(), exec.argv.data(), exec.envp.data());
        if (errno == ENOEXEC && spec.sh_fallback_on_enoexec) {
            execve(sh.c_str(), exec.sh_argv.data(), exec.envp.data());
            child_fail(report.write_end, 4);
        }
        child_fail(report.write_end, 0);
    }
    int fork_errno = errno;
    sigprocmask(SIG_SETMASK, &before, nullptr);
    if (pid < 0) throw SpawnError(spec.program, "fork", fork_errno);

    close(std::exchange(report.write_end, -1));
    if (spec.capture_stdout) close(std::exchange(out.write_end, -1));
    if (spec.capture_stderr) close(std::exchange(err.write_end, -1));

    // EOF means execve succeeded (the pipe closed on exec); data means it failed.
    ChildFailure failure{};
    ssize_t n;
    do {
        n = read(report.read_end, &failure, sizeof failure);
    } while (n < 0 && errno == EINTR);
    if (n == static_cast<ssize_t>(sizeof failure)) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        throw SpawnError(spec.program, kSteps.at(static_cast<std::size_t>(failure.step)),
                         failure.error_number);
    }

    SpawnedProcess child;
    child.pid = pid;
    if (spec.capture_stdout) child.stdout_fd = out.release_read();
    if (spec.capture_stderr) child.stderr_fd = err.release_read();
    for (int fd : {child.stdout_fd, child.stderr_fd}) {
        if (fd >= 0) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    }
    return child;
}

std::filesystem::path find_in_path(const std::string& name, const std::string& path_list) {
    if (name.empty()) return {};
    if (name.find('/') != std::string::npos) return name;
    std::size_t start = 0;
    while (true) {
        std::size_t end = path_list.find(':', start);
        std::string dir = path_list.substr(start, end == std::string::npos ? std::string::npos : end - start);
        std::filesystem::path candidate =
            (dir.empty() ? std::filesystem::path(".") : std::filesystem::path(dir)) / name;
        struct stat st {};
        if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
            access(candidate.c_str(), X_OK) == 0) {
            return candidate;
        }
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return {};
}

}  // namespace smtrain::launcher
