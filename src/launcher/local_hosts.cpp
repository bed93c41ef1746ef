// SPDX-License-Identifier: Apache-2.0
#include "local_hosts.hpp"

#include "stop.hpp"

#include <smtrain/error.hpp>

#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

extern char** environ;  // ip runs in sm-train's own environment

namespace smtrain::launcher {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void unavailable(const std::string& what) { throw Error(what, ExitCode::Unavailable); }

fs::path find_ip(const Environ& environ) {
    std::string path = lookup(environ, "PATH").value_or("/usr/bin:/bin");
    path += ":/usr/sbin:/sbin";
    std::stringstream dirs(path);
    for (std::string dir; std::getline(dirs, dir, ':');) {
        if (dir.empty()) continue;
        const fs::path candidate = fs::path(dir) / "ip";
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return {};
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    std::string text = s.str();
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

/// Runs `ip ARGS...` (argv, no shell); Error(Unavailable) with its stderr when it fails.
class IpTool {
public:
    IpTool(fs::path ip, fs::path errors) : ip_(std::move(ip)), errors_(std::move(errors)) {}

    bool run(const std::vector<std::string>& args, bool quiet = false) const {
        std::vector<std::string> argv{ip_.string()};
        argv.insert(argv.end(), args.begin(), args.end());
        std::vector<char*> c_argv;
        for (auto& a : argv) c_argv.push_back(a.data());
        c_argv.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 2, errors_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        pid_t pid = 0;
        const int rc = ::posix_spawn(&pid, c_argv[0], &actions, nullptr, c_argv.data(), ::environ);
        posix_spawn_file_actions_destroy(&actions);
        int status = 0;
        const bool ok =
            rc == 0 && ::waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (!ok && !quiet) {
            std::string command = "ip";
            for (const auto& a : args) command += " " + a;
            unavailable("sm-train local: `" + command + "` failed: " + read_text(errors_));
        }
        return ok;
    }

private:
    fs::path ip_, errors_;
};

/// The namespaces of one run, removed (with the veths and the bridge in them) when it goes.
class Namespaces {
public:
    explicit Namespaces(const IpTool& ip) : ip_(ip) {}
    ~Namespaces() {
        for (auto it = names_.rbegin(); it != names_.rend(); ++it) ip_.run({"netns", "del", *it}, true);
    }
    Namespaces(const Namespaces&) = delete;
    Namespaces& operator=(const Namespaces&) = delete;

    void add(const std::string& name) {
        ip_.run({"netns", "add", name});
        names_.push_back(name);
    }

private:
    const IpTool& ip_;
    std::vector<std::string> names_;
};

struct Child {
    pid_t pid = -1;
    int status = 0;
    bool done = false;
};

int exit_code(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 1;
}

}  // namespace

void check_local_hosts_possible(std::size_t count) {
    const std::string what = "sm-train local --hosts " + std::to_string(count) + ": ";
#ifndef __linux__
    unavailable(what + "several hosts need Linux network namespaces");
#else
    if (::geteuid() != 0) {
        unavailable(what +
                    "several hosts run in network namespaces, which need root (CAP_SYS_ADMIN and "
                    "CAP_NET_ADMIN); sm-train runs as uid " +
                    std::to_string(::geteuid()));
    }
    if (find_ip(current_environ()).empty()) {
        unavailable(what + "several hosts need `ip` (Debian: iproute2) on PATH to make network namespaces");
    }
#endif
}

std::vector<int> run_local_hosts(const std::vector<LocalHost>& hosts, const fs::path& work,
                                 const Lifecycle& lifecycle, const Environ& environ) {
    const SignalBlock& signals = lifecycle.signals;
    check_local_hosts_possible(hosts.size());
    const IpTool ip(find_ip(environ), work / "ip.stderr");
    // Unique per run: several `sm-train local` may run at once.
    const std::string id = "smtl-" + std::to_string(::getpid());
    Namespaces namespaces(ip);
    const std::string hub = id + "-hub";
    namespaces.add(hub);
    ip.run({"-n", hub, "link", "add", "br0", "type", "bridge"});
    ip.run({"-n", hub, "link", "set", "br0", "up"});

    std::string hosts_file = "127.0.0.1 localhost\n::1 localhost\n";
    std::vector<std::string> netns;
    for (std::size_t k = 0; k < hosts.size(); ++k) {
        const std::string ns = id + "-" + std::to_string(k + 1);
        const std::string veth = "v" + std::to_string(k + 1);
        const std::string address = "10.250.0." + std::to_string(k + 1);
        namespaces.add(ns);
        netns.push_back(ns);
        ip.run({"-n", hub, "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns});
        ip.run({"-n", hub, "link", "set", veth, "master", "br0"});
        ip.run({"-n", hub, "link", "set", veth, "up"});
        ip.run({"-n", ns, "addr", "add", address + "/24", "dev", "eth0"});
        ip.run({"-n", ns, "link", "set", "eth0", "up"});
        ip.run({"-n", ns, "link", "set", "lo", "up"});
        hosts_file += address + " " + hosts[k].name + "\n";
    }
    const fs::path hosts_path = work / "hosts";
    std::ofstream(hosts_path) << hosts_file;

    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec) unavailable("sm-train local: cannot find sm-train itself (/proc/self/exe): " + ec.message());

    // Everything the children need, made before fork(): after it, only
    // async-signal-safe calls until execve.
    std::vector<Child> children(hosts.size());
    for (std::size_t k = 0; k < hosts.size(); ++k) {
        const fs::path ns_file = fs::path("/run/netns") / netns[k];
        const int ns_fd = ::open(ns_file.c_str(), O_RDONLY | O_CLOEXEC);
        if (ns_fd < 0)
            unavailable("sm-train local: cannot open " + ns_file.string() + ": " + std::strerror(errno));
        int log_fd = -1;
        if (!hosts[k].log.empty()) {
            log_fd = ::open(hosts[k].log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        }
        Environ env = environ;
        env.erase("SM_STUDIO_LOCAL_MODE");
        env["SAGEMAKER_BASE_DIR"] = hosts[k].base.string();
        std::vector<std::string> env_strings;
        for (const auto& [name, value] : env) env_strings.push_back(name + "=" + value);
        std::vector<char*> envp;
        for (auto& e : env_strings) envp.push_back(e.data());
        envp.push_back(nullptr);
        std::string exe = self.string(), train = "train";
        char* argv[] = {exe.data(), train.data(), nullptr};
        const std::string& name = hosts[k].name;
        const sigset_t* original = &signals.original_mask();

        const pid_t pid = ::fork();
        if (pid == 0) {
            if (log_fd >= 0) {
                ::dup2(log_fd, 1);
                ::dup2(log_fd, 2);
            }
            const char* step = "setns";
            if (::setns(ns_fd, CLONE_NEWNET) != 0) goto failed;
            step = "unshare";
            if (::unshare(CLONE_NEWNS | CLONE_NEWUTS) != 0) goto failed;
            step = "mount --make-rprivate /";
            if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) goto failed;
            step = "sethostname";
            if (::sethostname(name.data(), name.size()) != 0) goto failed;
            step = "mount --bind /etc/hosts";
            if (::mount(hosts_path.c_str(), "/etc/hosts", nullptr, MS_BIND, nullptr) != 0) goto failed;
            ::sigprocmask(SIG_SETMASK, original, nullptr);
            ::execve(argv[0], argv, envp.data());
            step = "execve";
        failed:
            // The result is of no use: the child exits 127 either way.
            ssize_t ignored = ::write(2, "sm-train local: ", 16);
            ignored = ::write(2, step, std::strlen(step));
            ignored = ::write(2, " failed\n", 8);
            (void)ignored;
            ::_exit(127);
        }
        ::close(ns_fd);
        if (log_fd >= 0) ::close(log_fd);
        if (pid < 0) {
            for (auto& child : children) {
                if (child.pid > 0) ::kill(child.pid, SIGKILL);
            }
            unavailable(std::string("sm-train local: fork failed: ") + std::strerror(errno));
        }
        children[k].pid = pid;
    }

    // Wait for every host; a stop signal goes to each (each sm-train passes it on).
    // This loop takes the stop signals itself, so the stop listener must not.
    const StopListener::Paused paused(lifecycle.listener);
    std::size_t running = children.size();
    while (running > 0) {
        timespec tick{0, 100 * 1000 * 1000};
        siginfo_t info{};
        const int signo = ::sigtimedwait(&signals.blocked(), &info, &tick);
        if (signo > 0 && is_stop_signal(signo)) {
            for (const auto& child : children) {
                if (!child.done) ::kill(child.pid, signo);
            }
        }
        for (auto& child : children) {
            if (child.done) continue;
            if (::waitpid(child.pid, &child.status, WNOHANG) == child.pid) {
                child.done = true;
                --running;
            }
        }
    }
    std::vector<int> codes;
    for (const auto& child : children) codes.push_back(exit_code(child.status));
    return codes;
}

}  // namespace smtrain::launcher
