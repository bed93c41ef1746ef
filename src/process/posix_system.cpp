// SPDX-License-Identifier: Apache-2.0
#include "system.hpp"

#include "command.hpp"
#include "reaper.hpp"
#include "spawn.hpp"
#include "stop.hpp"

#include "../lib/unique_fd.hpp"

#include <smtrain/error.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <thread>

namespace smtrain::process {

namespace {

using namespace std::chrono_literals;

std::string errno_text(int error) { return std::strerror(error); }

/// A daemon or a short command: sm-train's environment, argv[0] on its PATH,
/// stdin from /dev/null, its own process group (the signals sm-train forwards
/// to the program's group are not for it).
SpawnSpec helper_spec(const std::vector<std::string>& argv, int dev_null) {
    const Environ own = current_environ();  // sm-train's own environment
    SpawnSpec spec;
    spec.program = find_in_path(argv.at(0), own);
    if (spec.program.empty()) spec.program = argv.at(0);  // execve names the ENOENT
    spec.argv = argv;
    spec.env = to_envp(own);
    spec.stdin_fd = dev_null;
    return spec;
}

detail::UniqueFd open_dev_null() { return detail::UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC)); }

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
    explicit PosixSystem(const StopRequest* stop) : stop_(stop) {}

    pid_t start_daemon(const std::vector<std::string>& argv) override {
        const detail::UniqueFd dev_null = open_dev_null();
        return spawn(helper_spec(argv, dev_null.get())).pid;
    }

    void stop_daemon(pid_t pid) override {
        if (pid <= 0) return;
        kill(pid, SIGTERM);
        if (!Reaper::wait_until(pid, std::chrono::steady_clock::now() + 5s)) {
            kill(pid, SIGKILL);
            Reaper::wait_until(pid, std::chrono::steady_clock::now() + 5s);
        }
    }

    int run_short(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) override {
        const detail::UniqueFd dev_null = open_dev_null();
        SpawnSpec spec = helper_spec(argv, dev_null.get());
        // Its output is a diagnostic, never the program's: keep stdout for the program.
        spec.stdout_fd = STDERR_FILENO;
        const pid_t pid = spawn(spec).pid;  // SpawnError when it cannot start: the caller decides
        if (auto status = Reaper::wait_until(pid, std::chrono::steady_clock::now() + timeout))
            return exit_code_of(*status);
        kill(-pid, SIGKILL);
        const auto status = Reaper::wait_until(pid, std::chrono::steady_clock::now() + 5s);
        return status ? exit_code_of(*status) : 128 + SIGKILL;
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
        if (stop_) return stop_->requested() ? stop_->signal() : 0;
        sigset_t stop;
        sigemptyset(&stop);
        for (int signo : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) sigaddset(&stop, signo);
        const timespec zero{0, 0};
        const int signo = sigtimedwait(&stop, nullptr, &zero);
        return signo > 0 ? signo : 0;
    }

    std::chrono::steady_clock::time_point now() override { return std::chrono::steady_clock::now(); }
    void sleep_for(std::chrono::milliseconds duration) override {
        if (stop_) {
            stop_->sleep_for(duration);
        } else {
            std::this_thread::sleep_for(duration);
        }
    }

private:
    const StopRequest* stop_;
};

}  // namespace

std::unique_ptr<System> make_posix_system(const StopRequest* stop) {
    return std::make_unique<PosixSystem>(stop);
}

System& posix_system() {
    static PosixSystem system(nullptr);
    return system;
}

}  // namespace smtrain::process
