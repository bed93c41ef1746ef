// SPDX-License-Identifier: Apache-2.0
#include "process/system.hpp"

#include "process/command.hpp"
#include "process/output_sink.hpp"
#include "process/reaper.hpp"
#include "process/spawn.hpp"
#include "process/stop.hpp"

#include "lib/unique_fd.hpp"

#include <smtrain/error.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
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

/// A connected TCP socket to `host`:`port` (blocking again once connected),
/// or an empty one when nothing accepts within `timeout`.
detail::UniqueFd connect_to(const std::string& host, int port, std::chrono::milliseconds timeout) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return {};
    struct FreeAddresses {
        void operator()(addrinfo* a) const { freeaddrinfo(a); }
    };
    std::unique_ptr<addrinfo, FreeAddresses> addresses(found);
    for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
        detail::UniqueFd fd(
            socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
        if (fd.get() < 0) continue;
        bool connected = connect(fd.get(), a->ai_addr, a->ai_addrlen) == 0;
        if (!connected && errno == EINPROGRESS) {
            pollfd p{fd.get(), POLLOUT, 0};
            if (poll(&p, 1, static_cast<int>(timeout.count())) == 1) {
                int error = 0;
                socklen_t length = sizeof error;
                connected = getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
            }
        }
        if (connected) return fd;
    }
    return {};
}

/// What the peer on `fd` sends until it closes, at most 4 KiB, read until `deadline`.
std::string read_text(int fd, std::chrono::steady_clock::time_point deadline) {
    std::string text;
    char buffer[4096];
    while (text.size() < 4096) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd p{fd, POLLIN, 0};
        if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) != 1) break;
        const ssize_t n = read(fd, buffer, std::min(sizeof buffer, 4096 - text.size()));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        text.append(buffer, static_cast<std::size_t>(n));
    }
    return text;
}

/// A TCP socket listening on `port` of every address: IPv6 and IPv4 together,
/// or IPv4 alone where the kernel has no IPv6. Empty when neither can be had.
detail::UniqueFd listen_on(int port) {
    const int on = 1, off = 0;
    detail::UniqueFd v6(socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (v6.get() >= 0) {
        setsockopt(v6.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        setsockopt(v6.get(), IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);  // IPv4 too
        sockaddr_in6 address{};
        address.sin6_family = AF_INET6;
        address.sin6_addr = in6addr_any;
        address.sin6_port = htons(static_cast<uint16_t>(port));
        if (bind(v6.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
            listen(v6.get(), 64) == 0)
            return v6;
    }
    detail::UniqueFd v4(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (v4.get() < 0) return {};
    setsockopt(v4.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_ANY);
    address.sin_port = htons(static_cast<uint16_t>(port));
    if (bind(v4.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        listen(v4.get(), 64) != 0)
        return {};
    return v4;
}

/// A daemon's stderr: passed on to sm-train's stderr as it comes by a thread of
/// its own (a daemon must never block on a full pipe while the supervisor runs
/// the program), its last 4 KiB kept for the reason when it dies.
class DaemonLog {
public:
    explicit DaemonLog(int read_fd) : fd_(read_fd), relay_([this] { relay(); }) {}
    ~DaemonLog() {
        stop_ = true;
        relay_.join();
    }
    DaemonLog(const DaemonLog&) = delete;
    DaemonLog& operator=(const DaemonLog&) = delete;

    /// The tail, once the daemon's stderr is closed or `deadline` has passed.
    std::string tail(std::chrono::steady_clock::time_point deadline) {
        while (!eof_ && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        const std::lock_guard lock(mutex_);
        return tail_;
    }

private:
    static constexpr std::size_t kTail = 4096;

    void relay() {
        char buffer[4096];
        for (;;) {
            pollfd p{fd_.get(), POLLIN, 0};
            // The stop flag is checked every 100 ms: a daemon's own children (sshd's
            // sessions) may keep the pipe open after the daemon is gone.
            const int ready = poll(&p, 1, 100);
            if (ready == 0) {
                if (stop_) break;
                continue;
            }
            const ssize_t n = read(fd_.get(), buffer, sizeof buffer);
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (n <= 0) break;
            const std::string_view chunk(buffer, static_cast<std::size_t>(n));
            stderr_sink().write(chunk);
            const std::lock_guard lock(mutex_);
            tail_.append(chunk);
            if (tail_.size() > kTail) tail_.erase(0, tail_.size() - kTail);
        }
        eof_ = true;
    }

    detail::UniqueFd fd_;
    std::mutex mutex_;
    std::string tail_;
    std::atomic<bool> eof_{false};
    std::atomic<bool> stop_{false};
    std::thread relay_;  // last: it starts once the members it uses exist
};

/// The state and the parent of a process (/proc/PID/stat); state '\0' when it is gone.
struct ProcStat {
    char state = '\0';
    pid_t parent = 0;
};

ProcStat proc_stat(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    if (!std::getline(stat, text)) return {};
    // The state follows the command name, which is in parentheses and may contain anything.
    const auto close = text.rfind(')');
    if (close == std::string::npos || close + 2 >= text.size()) return {};
    ProcStat result;
    result.state = text[close + 2];
    result.parent = static_cast<pid_t>(std::strtol(text.c_str() + close + 3, nullptr, 10));
    return result;
}

char process_state(pid_t pid) { return proc_stat(pid).state; }

/// Whether `root` is among the ancestors of `pid`.
bool descends_from(pid_t pid, pid_t root) {
    // Bounded: a chain read while processes come and go may be inconsistent.
    for (int depth = 0; depth < 256 && pid > 1; ++depth) {
        pid = proc_stat(pid).parent;
        if (pid == root) return true;
    }
    return false;
}

class PosixSystem final : public System {
public:
    explicit PosixSystem(const StopRequest* stop) : stop_(stop) {}

    pid_t start_daemon(const std::vector<std::string>& argv) override {
        const detail::UniqueFd dev_null = open_dev_null();
        SpawnSpec spec = helper_spec(argv, dev_null.get());
        spec.capture_stderr = true;
        const SpawnedProcess started = spawn(spec);
        const std::lock_guard lock(mutex_);
        daemons_[started.pid] = std::make_unique<DaemonLog>(started.stderr_fd);
        return started.pid;
    }

    void stop_daemon(pid_t pid) override {
        if (pid <= 0) return;
        std::unique_ptr<DaemonLog> log = take_log(pid);
        if (ended_.erase(pid) == 0) {  // not already reaped by daemon_exited()
            kill(pid, SIGTERM);
            if (!Reaper::wait_until(pid, std::chrono::steady_clock::now() + 5s)) {
                kill(pid, SIGKILL);
                Reaper::wait_until(pid, std::chrono::steady_clock::now() + 5s);
            }
        }
        log.reset();  // joins the relay (within 100 ms, whoever still holds the pipe)
    }

    std::optional<DaemonExit> daemon_exited(pid_t pid) override {
        if (ended_.count(pid) != 0) return ended_[pid];
        const std::optional<int> status = Reaper::take(pid);
        if (!status) return std::nullopt;
        DaemonExit exit{exit_code_of(*status), {}};
        if (std::unique_ptr<DaemonLog> log = take_log(pid))
            exit.stderr_tail = log->tail(std::chrono::steady_clock::now() + 500ms);
        ended_[pid] = exit;
        return exit;
    }

    void make_directory(const std::filesystem::path& path, unsigned mode) override {
        std::error_code ec;
        if (std::filesystem::is_directory(path, ec)) return;
        std::filesystem::create_directories(path, ec);
        if (ec) throw Error("cannot create " + path.string() + ": " + ec.message());
        if (chmod(path.c_str(), static_cast<mode_t>(mode)) != 0)
            throw Error("cannot chmod " + path.string() + ": " + errno_text(errno));
    }

    void announce(int port, std::string_view text, std::chrono::milliseconds duration) override {
        announce_to_readers(port, text, duration, 0);
    }

    /// `readers` 0: no limit.
    void announce_to_readers(int port, std::string_view text, std::chrono::milliseconds duration,
                             std::size_t readers) override {
        std::size_t answered = 0;
        const auto deadline = std::chrono::steady_clock::now() + duration;
        detail::UniqueFd listener = listen_on(port);
        if (listener.get() < 0) return;
        // Without a StopRequest, a pending stop signal is left for its reader (taking it here would lose it).
        while (!(stop_ && stop_->requested())) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) break;
            pollfd p{listener.get(), POLLIN, 0};
            // At most 100 ms per wait, so that a stop ends the announcement at once.
            if (poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 100))) != 1) continue;
            const detail::UniqueFd peer(
                accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
            if (peer.get() < 0) continue;
            // A reader that takes nothing must not hold the others up: one try, no wait.
            const ssize_t n = send(peer.get(), text.data(), text.size(), MSG_NOSIGNAL);
            if (n == static_cast<ssize_t>(text.size()) && ++answered == readers) break;
        }
    }

    std::optional<std::string> read_announcement(const std::string& host, int port,
                                                 std::chrono::milliseconds timeout) override {
        const detail::UniqueFd fd = connect_to(host, port, timeout);
        if (fd.get() < 0) return std::nullopt;
        std::string text = read_text(fd.get(), std::chrono::steady_clock::now() + timeout);
        if (text.empty()) return std::nullopt;
        return text;
    }

    bool send_notice(const std::string& host, int port, std::string_view text,
                     std::chrono::milliseconds timeout) override {
        const detail::UniqueFd fd = connect_to(host, port, timeout);
        if (fd.get() < 0) return false;
        text = text.substr(0, 4096);  // a fresh socket's send buffer takes it whole
        return send(fd.get(), text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size());
    }

    void receive_notices(int port, const std::function<void(std::string)>& heard,
                         const std::atomic<bool>& done) override {
        detail::UniqueFd listener = listen_on(port);
        if (listener.get() < 0) return;
        while (!done.load() && !(stop_ && stop_->requested())) {
            pollfd p{listener.get(), POLLIN, 0};
            // One wake-up a second while the program runs; the owner that sets
            // `done` can end the wait at once with a connection of its own.
            if (poll(&p, 1, 1000) != 1) continue;
            const detail::UniqueFd peer(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
            if (peer.get() < 0) continue;
            // The sender writes its notice and closes: read to the end, bounded.
            std::string text = read_text(peer.get(), std::chrono::steady_clock::now() + 500ms);
            if (!text.empty()) heard(std::move(text));
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
        return connect_to(host, port, timeout).get() >= 0;
    }

    std::vector<pid_t> find_own_descendants(const std::vector<std::string>& names) override {
        const pid_t self = getpid();
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
                if (name == wanted && process_alive(static_cast<pid_t>(pid)) &&
                    descends_from(static_cast<pid_t>(pid), self))
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

    void remove_file(const std::filesystem::path& path) override {
        if (unlink(path.c_str()) != 0 && errno != ENOENT) {
            throw Error("cannot remove " + path.string() + ": " + errno_text(errno));
        }
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
    std::unique_ptr<DaemonLog> take_log(pid_t pid) {
        const std::lock_guard lock(mutex_);
        const auto it = daemons_.find(pid);
        if (it == daemons_.end()) return nullptr;
        std::unique_ptr<DaemonLog> log = std::move(it->second);
        daemons_.erase(it);
        return log;
    }

    const StopRequest* stop_;
    std::mutex mutex_;
    std::map<pid_t, std::unique_ptr<DaemonLog>> daemons_;
    std::map<pid_t, DaemonExit> ended_;  ///< daemons reaped by daemon_exited()
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
