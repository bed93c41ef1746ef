// SPDX-License-Identifier: Apache-2.0
#include "system.hpp"

#include <smtrain/error.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <thread>

extern char** environ;

namespace smtrain::runners {

namespace {

using namespace std::chrono_literals;

// argv/envp arrays for posix_spawn, owning nothing: the strings outlive the call.
std::vector<char*> c_strings(const std::vector<std::string>& strings) {
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

std::string errno_text(int error) { return std::strerror(error); }

// Spawn attributes that undo whatever sm-train did to its own signals (blocked
// for sigwait, handlers for forwarding), so that the child starts clean.
struct SpawnAttributes {
    posix_spawnattr_t attr{};
    explicit SpawnAttributes(bool own_process_group) {
        posix_spawnattr_init(&attr);
        sigset_t none, all;
        sigemptyset(&none);
        sigfillset(&all);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setsigdefault(&attr, &all);
        short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
        if (own_process_group) {
            // A daemon of our own must not receive the signals sm-train forwards to the program's group.
            flags |= POSIX_SPAWN_SETPGROUP;
            posix_spawnattr_setpgroup(&attr, 0);
        }
        posix_spawnattr_setflags(&attr, flags);
    }
    ~SpawnAttributes() { posix_spawnattr_destroy(&attr); }
    SpawnAttributes(const SpawnAttributes&) = delete;
    SpawnAttributes& operator=(const SpawnAttributes&) = delete;
};

struct FileActions {
    posix_spawn_file_actions_t actions{};
    FileActions() { posix_spawn_file_actions_init(&actions); }
    ~FileActions() { posix_spawn_file_actions_destroy(&actions); }
    FileActions(const FileActions&) = delete;
    FileActions& operator=(const FileActions&) = delete;
};

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 1;
}

// waitpid with a deadline; nullopt when the process is still running then.
// ECHILD (a PID-1 reaper got there first) counts as "ended, status unknown".
std::optional<int> wait_until(pid_t pid, std::chrono::steady_clock::time_point deadline) {
    for (;;) {
        int status = 0;
        const pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) return decode_status(status);
        if (r < 0 && errno != EINTR) return 1;
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(10ms);
    }
}

char process_state(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    if (!std::getline(stat, text)) return '\0';
    // The state follows the command name, which is in parentheses and may contain anything.
    const auto close = text.rfind(')');
    if (close == std::string::npos || close + 2 >= text.size()) return '\0';
    return text[close + 2];
}

class PosixSystem final : public System {
public:
    pid_t start_daemon(const std::vector<std::string>& argv) override {
        SpawnAttributes attributes(true);
        FileActions files;
        posix_spawn_file_actions_addopen(&files.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        auto args = c_strings(argv);
        pid_t pid = 0;
        const int error = posix_spawnp(&pid, args[0], &files.actions, &attributes.attr, args.data(), environ);
        if (error != 0) throw Error("cannot start " + argv[0] + ": " + errno_text(error));
        return pid;
    }

    void stop_daemon(pid_t pid) override {
        if (pid <= 0) return;
        kill(pid, SIGTERM);
        if (!wait_until(pid, std::chrono::steady_clock::now() + 5s)) {
            kill(pid, SIGKILL);
            wait_until(pid, std::chrono::steady_clock::now() + 5s);
        }
    }

    int run_short(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) override {
        SpawnAttributes attributes(true);
        FileActions files;
        posix_spawn_file_actions_addopen(&files.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        // Its output is a diagnostic, never the program's: keep stdout for the program.
        posix_spawn_file_actions_adddup2(&files.actions, STDERR_FILENO, STDOUT_FILENO);
        auto args = c_strings(argv);
        pid_t pid = 0;
        if (posix_spawnp(&pid, args[0], &files.actions, &attributes.attr, args.data(), environ) != 0)
            return 127;
        if (auto status = wait_until(pid, std::chrono::steady_clock::now() + timeout)) return *status;
        kill(pid, SIGKILL);
        const auto status = wait_until(pid, std::chrono::steady_clock::now() + 5s);
        return status.value_or(128 + SIGKILL);
    }

    bool can_connect(const std::string& host, int port, std::chrono::milliseconds timeout) override {
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* found = nullptr;
        if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return false;
        struct FreeAddresses {
            void operator()(addrinfo* a) const { freeaddrinfo(a); }
        };
        std::unique_ptr<addrinfo, FreeAddresses> addresses(found);
        for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
            const int fd =
                socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
            if (fd < 0) continue;
            bool connected = connect(fd, a->ai_addr, a->ai_addrlen) == 0;
            if (!connected && errno == EINPROGRESS) {
                pollfd p{fd, POLLOUT, 0};
                if (poll(&p, 1, static_cast<int>(timeout.count())) == 1) {
                    int error = 0;
                    socklen_t length = sizeof error;
                    connected = getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
                }
            }
            close(fd);
            if (connected) return true;
        }
        return false;
    }

    std::vector<pid_t> find_processes(const std::vector<std::string>& names) override {
        std::vector<pid_t> pids;
        struct CloseDir {
            void operator()(DIR* d) const { closedir(d); }
        };
        std::unique_ptr<DIR, CloseDir> proc(opendir("/proc"));
        if (!proc) return pids;
        while (const dirent* entry = readdir(proc.get())) {
            char* end = nullptr;
            const long pid = std::strtol(entry->d_name, &end, 10);
            if (pid <= 0 || *end != '\0') continue;
            std::ifstream comm(std::string("/proc/") + entry->d_name + "/comm");
            std::string name;
            if (!std::getline(comm, name)) continue;
            for (const auto& wanted : names) {
                if (name == wanted && process_alive(static_cast<pid_t>(pid)))
                    pids.push_back(static_cast<pid_t>(pid));
            }
        }
        return pids;
    }

    bool process_alive(pid_t pid) override {
        if (kill(pid, 0) != 0 && errno == ESRCH) return false;
        const char state = process_state(pid);
        return state != '\0' && state != 'Z' && state != 'X';
    }

    bool file_exists(const std::filesystem::path& path) override {
        std::error_code ec;
        return std::filesystem::exists(path, ec);
    }

    void append_file(const std::filesystem::path& path, std::string_view text) override {
        const int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) throw Error("cannot open " + path.string() + ": " + errno_text(errno));
        std::size_t written = 0;
        while (written < text.size()) {
            const ssize_t n = write(fd, text.data() + written, text.size() - written);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                const int error = errno;
                close(fd);
                throw Error("cannot write " + path.string() + ": " + errno_text(error));
            }
            written += static_cast<std::size_t>(n);
        }
        close(fd);
    }

    int take_stop_signal() override {
        sigset_t stop;
        sigemptyset(&stop);
        for (int signo : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) sigaddset(&stop, signo);
        const timespec zero{0, 0};
        const int signo = sigtimedwait(&stop, nullptr, &zero);
        return signo > 0 ? signo : 0;
    }

    std::chrono::steady_clock::time_point now() override { return std::chrono::steady_clock::now(); }
    void sleep_for(std::chrono::milliseconds duration) override { std::this_thread::sleep_for(duration); }
};

void write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        const ssize_t n = write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // nowhere to write: drop the output rather than stop the program
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

// Copies one pipe to `out`, line by line through `filter`; returns false at EOF.
struct LinePump {
    int in;
    int out;
    std::string pending;
    bool pump(const LineFilter& filter) {
        char buffer[65536];
        const ssize_t n = read(in, buffer, sizeof buffer);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
        if (n <= 0) {
            if (!pending.empty()) write_all(out, filter(pending));
            pending.clear();
            return false;
        }
        pending.append(buffer, static_cast<std::size_t>(n));
        std::size_t start = 0;
        for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n', start)) {
            write_all(out, filter(std::string_view(pending).substr(start, nl - start)) + '\n');
            start = nl + 1;
        }
        pending.erase(0, start);
        return true;
    }
};

}  // namespace

System& posix_system() {
    static PosixSystem system;
    return system;
}

int run_program(const Launch& launch, const LineFilter& filter, const Environ& environment,
                const std::filesystem::path& cwd) {
    Environ merged = environment;
    for (const auto& [name, value] : launch.env) merged[name] = value;
    std::vector<std::string> env_strings;
    env_strings.reserve(merged.size());
    for (const auto& [name, value] : merged) env_strings.push_back(name + "=" + value);

    int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
    SpawnAttributes attributes(false);
    FileActions files;
    if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&files.actions, cwd.c_str());
    if (filter) {
        if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
            throw Error("cannot create a pipe: " + errno_text(errno));
        }
        posix_spawn_file_actions_adddup2(&files.actions, out_pipe[1], STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&files.actions, err_pipe[1], STDERR_FILENO);
    }
    auto args = c_strings(launch.argv);
    auto envp = c_strings(env_strings);
    pid_t pid = 0;
    // posix_spawnp searches PATH of sm-train's environment, not of the child's.
    const int error = posix_spawnp(&pid, args[0], &files.actions, &attributes.attr, args.data(), envp.data());
    if (filter) {
        close(out_pipe[1]);
        close(err_pipe[1]);
    }
    if (error != 0) {
        if (filter) {
            close(out_pipe[0]);
            close(err_pipe[0]);
        }
        throw Error("cannot run " + launch.argv[0] + ": " + errno_text(error),
                    error == ENOENT ? ExitCode::NotFound : ExitCode::NotExecutable);
    }
    if (filter) {
        LinePump pumps[2] = {{out_pipe[0], STDOUT_FILENO, {}}, {err_pipe[0], STDERR_FILENO, {}}};
        bool open[2] = {true, true};
        while (open[0] || open[1]) {
            pollfd fds[2] = {{pumps[0].in, POLLIN, 0}, {pumps[1].in, POLLIN, 0}};
            for (int i = 0; i < 2; ++i) fds[i].fd = open[i] ? pumps[i].in : -1;
            if (poll(fds, 2, -1) < 0 && errno != EINTR) break;
            for (int i = 0; i < 2; ++i) {
                if (open[i] && fds[i].revents != 0) open[i] = pumps[i].pump(filter);
            }
        }
        close(out_pipe[0]);
        close(err_pipe[0]);
    }
    for (;;) {
        int status = 0;
        const pid_t r = waitpid(pid, &status, 0);
        if (r == pid) return decode_status(status);
        if (r < 0 && errno != EINTR) return 1;
    }
}

}  // namespace smtrain::runners
