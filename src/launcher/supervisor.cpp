// SPDX-License-Identifier: Apache-2.0
#include "supervisor.hpp"

#include "signals.hpp"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <optional>

namespace smtrain::launcher {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kReadBuffer = 1 << 20;

/// Writes all of `data` to `fd`; on a broken or failing sink, disables it
/// (sets fd to -1) so the program keeps running and the capture keeps working.
void write_all(int& fd, std::string_view data) {
    while (fd >= 0 && !data.empty()) {
        ssize_t n = write(fd, data.data(), data.size());
        if (n > 0) {
            data.remove_prefix(static_cast<std::size_t>(n));
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            // Our stderr is non-blocking (shared with another process): wait until it drains.
            pollfd p{fd, POLLOUT, 0};
            poll(&p, 1, 1000);
        } else {
            fd = -1;  // EPIPE, EBADF, ENOSPC...: stop passing through, keep supervising
        }
    }
}

/// Splits a stream into lines for a LineRewriter; lines longer than the
/// limit are passed on unchanged in pieces rather than held without bound.
class LinePump {
public:
    static constexpr std::size_t kMaxPending = 64 * 1024;

    void feed(std::string_view data, const LineRewriter& rewrite, int& sink) {
        while (!data.empty()) {
            std::size_t nl = data.find('\n');
            if (nl == std::string_view::npos) {
                pending_.append(data);
                if (pending_.size() >= kMaxPending) {
                    write_all(sink, pending_);
                    pending_.clear();
                }
                return;
            }
            pending_.append(data.substr(0, nl));
            std::string out = rewrite(pending_);
            out.push_back('\n');
            write_all(sink, out);
            pending_.clear();
            data.remove_prefix(nl + 1);
        }
    }
    void finish(const LineRewriter& rewrite, int& sink) {
        if (!pending_.empty()) write_all(sink, rewrite(pending_));
        pending_.clear();
    }

private:
    std::string pending_;
};

/// One captured stream of the program.
struct Stream {
    int fd = -1;
    int sink = -1;
    LineRewriter rewrite;
    LinePump pump;
    StderrCapture* capture = nullptr;

    bool open() const { return fd >= 0; }

    /// Reads what is available; false at EOF (the stream is closed then).
    bool pump_available(char* buffer, std::size_t size) {
        while (fd >= 0) {
            ssize_t n = read(fd, buffer, size);
            if (n > 0) {
                std::string_view data(buffer, static_cast<std::size_t>(n));
                if (rewrite) {
                    pump.feed(data, rewrite, sink);
                } else {
                    write_all(sink, data);
                }
                if (capture) capture->feed(data);
                if (static_cast<std::size_t>(n) < size) return true;  // drained for now
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
            close_stream();  // EOF or a read error
            return false;
        }
        return false;
    }

    void close_stream() {
        if (fd < 0) return;
        close(fd);
        fd = -1;
        if (rewrite) pump.finish(rewrite, sink);
        if (capture) capture->finish();
    }
};

int exit_code_of(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return (128 + WTERMSIG(status)) % 256;
    return 1;
}

}  // namespace

bool become_subreaper() {
    if (getpid() == 1) return true;
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
}

RunResult supervise(SpawnSpec spec, const SignalBlock& signals, const SupervisorOptions& options) {
    RunResult result;
    spec.capture_stderr = true;
    spec.capture_stdout = static_cast<bool>(options.stdout_rewriter);
    if (!spec.child_mask) spec.child_mask = &signals.original_mask();

    int sfd = signalfd(-1, &signals.blocked(), SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0) throw Error(std::string("signalfd: ") + strerror(errno), ExitCode::Internal);
    struct FdCloser {
        int fd;
        ~FdCloser() { close(fd); }
    } sfd_closer{sfd};

    SpawnedProcess child = spawn(spec);
    const pid_t pid = child.pid;

    Stream err{child.stderr_fd, options.stderr_sink, options.stderr_rewriter, {}, &result.stderr_capture};
    Stream out{child.stdout_fd, options.stdout_sink, options.stdout_rewriter, {}, nullptr};

    bool main_exited = false;
    std::optional<Clock::time_point> kill_deadline;
    // Larger pipes and reads mean fewer wake-ups for a program that logs a lot.
    // Not zero-filled: a page is only touched when a read fills it, so a
    // program that writes little costs little.
    std::unique_ptr<char[]> buffer(new char[kReadBuffer]);
    for (int fd : {child.stderr_fd, child.stdout_fd}) {
        if (fd >= 0) fcntl(fd, F_SETPIPE_SZ, static_cast<int>(kReadBuffer));  // best effort
    }

    auto send = [&](int signo) {
        // The whole group, so helpers the program started hear it too; fall
        // back to the program alone if it moved itself out of its group.
        if (spec.new_process_group && kill(-pid, signo) == 0) return;
        kill(pid, signo);
    };

    auto reap = [&] {
        while (true) {
            int status = 0;
            pid_t reaped = waitpid(-1, &status, WNOHANG);
            if (reaped <= 0) break;  // 0: none ready; -1/ECHILD: no children left
            if (reaped == pid) {
                main_exited = true;
                result.wait_status = status;
                result.exit_code = exit_code_of(status);
                result.term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
            }
        }
    };

    auto handle_signals = [&] {
        signalfd_siginfo info;
        while (read(sfd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
            int signo = static_cast<int>(info.ssi_signo);
            if (signo == SIGCHLD) {
                reap();
                continue;
            }
            bool forwarded = false;
            for (int f : kForwardedSignals) forwarded = forwarded || f == signo;
            if (!forwarded || main_exited) continue;  // SIGPIPE from a closed stderr, SIGWINCH, ...
            send(signo);
            if (is_stop_signal(signo) && !kill_deadline) {
                result.forwarded_stop_signal = signo;
                result.stop_signal_at = Clock::now();
                kill_deadline = Clock::now() + options.grace_period;
            }
        }
    };

    while (!main_exited) {
        std::array<pollfd, 3> fds{};
        nfds_t count = 0;
        fds[count++] = {sfd, POLLIN, 0};
        int err_index = -1, out_index = -1;
        if (err.open()) {
            err_index = static_cast<int>(count);
            fds[count++] = {err.fd, POLLIN, 0};
        }
        if (out.open()) {
            out_index = static_cast<int>(count);
            fds[count++] = {out.fd, POLLIN, 0};
        }
        int timeout = -1;
        if (kill_deadline && !result.killed_after_grace) {
            auto left = std::chrono::ceil<std::chrono::milliseconds>(*kill_deadline - Clock::now()).count();
            timeout = static_cast<int>(std::clamp<long long>(left, 0, 60'000));
        }
        int ready = poll(fds.data(), count, timeout);
        if (ready < 0 && errno != EINTR)
            throw Error(std::string("poll: ") + strerror(errno), ExitCode::Internal);
        if (ready > 0) {
            if (fds[0].revents) handle_signals();
            if (err_index >= 0 && fds[static_cast<std::size_t>(err_index)].revents)
                err.pump_available(buffer.get(), kReadBuffer);
            if (out_index >= 0 && fds[static_cast<std::size_t>(out_index)].revents)
                out.pump_available(buffer.get(), kReadBuffer);
        }
        if (!main_exited && kill_deadline && !result.killed_after_grace && Clock::now() >= *kill_deadline) {
            // The program ignored the stop request: leave the reason on disk
            // first, then stop everything it started.
            if (options.on_grace_expired) options.on_grace_expired(result.stderr_capture);
            send(SIGKILL);
            result.killed_after_grace = true;
        }
    }

    // What the program wrote before it exited is already in the pipes: take
    // it, but do not wait for EOF, which a leftover daemon could hold off forever.
    err.pump_available(buffer.get(), kReadBuffer);
    out.pump_available(buffer.get(), kReadBuffer);
    err.close_stream();
    out.close_stream();
    reap();
    return result;
}

}  // namespace smtrain::launcher
