// SPDX-License-Identifier: Apache-2.0
#include "supervisor.hpp"

#include "signals.hpp"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
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

/// Waits until `fd` can take more bytes (our stderr may be non-blocking, shared with another process).
void wait_writable(int fd) {
    pollfd p{fd, POLLOUT, 0};
    poll(&p, 1, 1000);
}

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
            wait_writable(fd);
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

/// A pipe of our own that holds a second reference to the bytes passed on,
/// for the capture. Closes its ends.
struct ScratchPipe {
    int read_end = -1;
    int write_end = -1;

    ScratchPipe() = default;
    ScratchPipe(const ScratchPipe&) = delete;
    ScratchPipe& operator=(const ScratchPipe&) = delete;
    ~ScratchPipe() { close_ends(); }

    bool open() const { return read_end >= 0; }
    void close_ends() {
        for (int* fd : {&read_end, &write_end}) {
            if (*fd >= 0) close(*fd);
            *fd = -1;
        }
    }
};

bool is_pipe(int fd) {
    struct stat st;
    return fd >= 0 && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

/// One captured stream of the program.
struct Stream {
    int fd = -1;
    int sink = -1;
    LineRewriter rewrite;
    LinePump pump;
    StderrCapture* capture = nullptr;
    ScratchPipe scratch;  // open while the stream is passed on with tee/splice

    bool open() const { return fd >= 0; }

    /// When both ends are pipes and nothing rewrites the lines, the bytes need
    /// not be copied into our memory and out again: splice(2) moves the kernel's
    /// pages from the program's pipe into a scratch pipe of ours, tee(2) puts a
    /// reference to them into the sink, and the capture reads its one copy from
    /// the scratch pipe. One copy instead of two, no page allocations, and the
    /// program's pipe (which its writes keep busy) is locked once per round.
    /// Best effort: false keeps read + write.
    bool pass_on_without_copies() {
        if (rewrite || !capture || !is_pipe(fd) || !is_pipe(sink)) return false;
        int ends[2];
        if (pipe2(ends, O_CLOEXEC | O_NONBLOCK) != 0) return false;
        scratch.read_end = ends[0];
        scratch.write_end = ends[1];
        // One splice must take everything the program's pipe holds (so that a
        // round drains it, as one read does), so the scratch pipe needs at least
        // as many slots as that pipe.
        int wanted = fcntl(fd, F_GETPIPE_SZ);
        if (wanted <= 0 || static_cast<std::size_t>(wanted) > kReadBuffer ||
            fcntl(scratch.write_end, F_SETPIPE_SZ, wanted) < wanted) {
            scratch.close_ends();
            return false;
        }
        return true;
    }

    /// Reads what is available; false at EOF (the stream is closed then).
    bool pump_available(char* buffer, std::size_t size) {
        if (scratch.open()) return splice_available(buffer, size);
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

    /// pump_available through the scratch pipe (pass_on_without_copies).
    bool splice_available(char* buffer, std::size_t size) {
        ssize_t n;
        do {
            n = splice(fd, nullptr, scratch.write_end, nullptr, size, SPLICE_F_NONBLOCK);
        } while (n < 0 && errno == EINTR);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
        if (n == 0) {
            close_stream();  // EOF: no writer left and nothing in the pipe
            return false;
        }
        if (n < 0) {  // not expected between two pipes: read + write from now on
            scratch.close_ends();
            return pump_available(buffer, size);
        }
        const std::size_t moved = static_cast<std::size_t>(n);
        std::size_t got = 0;
        while (got < moved) {
            std::size_t chunk = moved - got;
            if (sink >= 0) {
                ssize_t t = tee(scratch.read_end, sink, chunk, SPLICE_F_NONBLOCK);
                if (t < 0 && errno == EINTR) continue;
                if (t < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                    wait_writable(sink);
                    continue;
                }
                if (t > 0) {
                    chunk = static_cast<std::size_t>(t);
                } else {
                    sink = -1;  // EPIPE, ...: stop passing through, keep supervising
                }
            }
            // The capture's copy, which also takes the bytes out of the scratch pipe
            // (tee only duplicates them).
            std::size_t want = got + chunk;
            while (got < want) {
                ssize_t r = read(scratch.read_end, buffer + got, want - got);
                if (r > 0) {
                    got += static_cast<std::size_t>(r);
                } else if (r < 0 && errno == EINTR) {
                    continue;
                } else {
                    // Cannot happen, the bytes are there; never spin on it.
                    capture->feed(std::string_view(buffer, got));
                    scratch.close_ends();
                    return true;
                }
            }
        }
        capture->feed(std::string_view(buffer, got));
        if (sink < 0) scratch.close_ends();  // nothing to pass on: plain reads from now on
        // The scratch pipe has as many slots as the program's, so the splice took
        // all there was: drained for now.
        return true;
    }

    void close_stream() {
        if (fd < 0) return;
        close(fd);
        fd = -1;
        scratch.close_ends();
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

    Stream err{child.stderr_fd, options.stderr_sink, options.stderr_rewriter, {}, &result.stderr_capture, {}};
    Stream out{child.stdout_fd, options.stdout_sink, options.stdout_rewriter, {}, nullptr, {}};

    bool main_exited = false;
    std::optional<Clock::time_point> kill_deadline;
    // Larger pipes and reads mean fewer wake-ups for a program that logs a lot.
    // Not zero-filled: a page is only touched when a read fills it, so a
    // program that writes little costs little.
    std::unique_ptr<char[]> buffer(new char[kReadBuffer]);
    for (int fd : {child.stderr_fd, child.stdout_fd}) {
        if (fd >= 0) fcntl(fd, F_SETPIPE_SZ, static_cast<int>(kReadBuffer));  // best effort
    }
    err.pass_on_without_copies();
    // Our own stderr too, when it is a pipe with less room: each time it fills
    // up we wait for its reader, and the reader is woken for every few pages.
    // Only ever grown (shrinking would fail or take room from whoever set it).
    if (is_pipe(err.sink) && fcntl(err.sink, F_GETPIPE_SZ) < static_cast<int>(kReadBuffer))
        fcntl(err.sink, F_SETPIPE_SZ, static_cast<int>(kReadBuffer));  // best effort

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
