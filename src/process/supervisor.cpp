// SPDX-License-Identifier: Apache-2.0
#include "supervisor.hpp"

#include "reaper.hpp"
#include "signals.hpp"
#include "stop.hpp"

#include "../lib/unique_fd.hpp"

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

namespace smtrain::process {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kReadBuffer = 1 << 20;

/// Splits a stream into lines for a LineRewriter; lines longer than the
/// limit are passed on unchanged in pieces rather than held without bound.
class LinePump {
public:
    static constexpr std::size_t kMaxPending = 64 * 1024;

    void feed(std::string_view data, const LineRewriter& rewrite, OutputSink* sink) {
        while (!data.empty()) {
            std::size_t nl = data.find('\n');
            if (nl == std::string_view::npos) {
                pending_.append(data);
                if (pending_.size() >= kMaxPending) {
                    if (sink) sink->write(pending_);
                    pending_.clear();
                }
                return;
            }
            pending_.append(data.substr(0, nl));
            std::string out = rewrite(pending_);
            out.push_back('\n');
            if (sink) sink->write(out);
            pending_.clear();
            data.remove_prefix(nl + 1);
        }
    }
    void finish(const LineRewriter& rewrite, OutputSink* sink) {
        if (!pending_.empty() && sink) sink->write(rewrite(pending_));
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
    OutputSink* sink = nullptr;  ///< nullptr: not passed on
    LineRewriter rewrite;
    LinePump pump;
    StderrCapture* capture = nullptr;
    HangWatchdog* watchdog = nullptr;  ///< sees every byte, as the capture does
    ScratchPipe scratch;               // open while the stream is passed on with tee/splice

    bool open() const { return fd >= 0; }

    /// Whether to read the program's pipe now: not while a slow sink's queue is
    /// full (the program waits, as on a slow stderr of its own), unless the sink
    /// has stalled or the job is stopping (then what does not fit is dropped).
    bool should_read(bool stopping) const {
        if (!open()) return false;
        if (!sink || stopping || sink->accepts(kReadBuffer)) return true;
        return sink->stalled_for() >= OutputSink::kStallLimit;
    }

    /// When both ends are pipes and nothing rewrites the lines, the bytes need
    /// not be copied into our memory and out again: splice(2) moves the kernel's
    /// pages from the program's pipe into a scratch pipe of ours, tee(2) puts a
    /// reference to them into the sink, and the capture reads its one copy from
    /// the scratch pipe. One copy instead of two, no page allocations, and the
    /// program's pipe (which its writes keep busy) is locked once per round.
    /// Best effort: false keeps read + write.
    bool pass_on_without_copies() {
        if (rewrite || !capture || !sink || !is_pipe(fd) || !is_pipe(sink->fd())) return false;
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
                // The capture first: it must see everything, whatever the sink drops.
                if (capture) capture->feed(data);
                if (watchdog) watchdog->observe(data);
                if (rewrite) {
                    pump.feed(data, rewrite, sink);
                } else if (sink) {
                    sink->write(data);
                }
                if (static_cast<std::size_t>(n) < size) return true;  // drained for now
                if (sink && !sink->accepts(size)) return true;        // the sink's turn first
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
        // One tee, never a wait: what the sink does not take now goes to its
        // queue (or is dropped) after the capture has its copy. Queued bytes
        // come first, so tee only when nothing is queued.
        std::size_t teed = 0;
        if (sink && !sink->has_queued()) {
            ssize_t t;
            do {
                t = tee(scratch.read_end, sink->fd(), moved, SPLICE_F_NONBLOCK);
            } while (t < 0 && errno == EINTR);
            if (t > 0) teed = static_cast<std::size_t>(t);
        }
        // The capture's copy, which also takes the bytes out of the scratch pipe
        // (tee only duplicates them).
        std::size_t got = 0;
        while (got < moved) {
            ssize_t r = read(scratch.read_end, buffer + got, moved - got);
            if (r > 0) {
                got += static_cast<std::size_t>(r);
            } else if (r < 0 && errno == EINTR) {
                continue;
            } else {
                // Cannot happen, the bytes are there; never spin on it.
                scratch.close_ends();
                break;
            }
        }
        capture->feed(std::string_view(buffer, got));
        if (watchdog) watchdog->observe(std::string_view(buffer, got));
        if (sink && teed < got) sink->write(std::string_view(buffer + teed, got - teed));
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

}  // namespace

bool become_subreaper() {
    if (getpid() == 1) return true;
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
}

RunResult supervise(SpawnSpec spec, const SignalBlock& signals, const SupervisorOptions& options) {
    RunResult result;
    spec.capture_stderr = true;
    spec.capture_stdout = static_cast<bool>(options.stdout_rewriter) || options.watchdog.on();
    if (!spec.child_mask) spec.child_mask = &signals.original_mask();

    // From here to the return the stop signals are ours: the listener that
    // takes them between programs steps aside (they stay pending meanwhile).
    StopListener::Paused paused(options.listener);
    const detail::UniqueFd signal_fd(signalfd(-1, &signals.blocked(), SFD_CLOEXEC | SFD_NONBLOCK));
    if (!signal_fd.valid()) throw Error(std::string("signalfd: ") + strerror(errno), ExitCode::Internal);
    const int sfd = signal_fd.get();

    SpawnedProcess child = spawn(spec);
    const pid_t pid = child.pid;
    if (options.on_started) options.on_started(pid);
    std::optional<HangWatchdog> watchdog;
    if (options.watchdog.on()) watchdog.emplace(options.watchdog, Clock::now());

    // fd 1 and 2 are shared with the logger; any other sink is the caller's.
    auto sink_for = [](int fd, std::optional<OutputSink>& own, const char* name) -> OutputSink* {
        if (fd < 0) return nullptr;
        if (fd == 1) return &stdout_sink();
        if (fd == 2) return &stderr_sink();
        own.emplace(fd, name);
        return &*own;
    };
    std::optional<OutputSink> own_err, own_out;
    OutputSink* err_sink = sink_for(options.stderr_sink, own_err, "stderr");
    OutputSink* out_sink = sink_for(options.stdout_sink, own_out, "stdout");
    HangWatchdog* seen_by = watchdog ? &*watchdog : nullptr;
    Stream err{child.stderr_fd, err_sink, options.stderr_rewriter, {}, &result.stderr_capture, seen_by, {}};
    Stream out{child.stdout_fd, out_sink, options.stdout_rewriter, {}, nullptr, seen_by, {}};

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
    if (err_sink && is_pipe(err_sink->fd()) &&
        fcntl(err_sink->fd(), F_GETPIPE_SZ) < static_cast<int>(kReadBuffer))
        fcntl(err_sink->fd(), F_SETPIPE_SZ, static_cast<int>(kReadBuffer));  // best effort

    auto send = [&](int signo) {
        // The whole group, so helpers the program started hear it too; fall
        // back to the program alone if it moved itself out of its group.
        if (spec.new_process_group && kill(-pid, signo) == 0) return;
        kill(pid, signo);
    };

    // Orphans are reaped too (we are PID 1 or a subreaper); other children
    // started with spawn() (a daemon of the runner) keep their status for their owner.
    auto reap = [&] {
        if (main_exited) {
            Reaper::collect();
            return;
        }
        if (const auto status = Reaper::take(pid)) {
            main_exited = true;
            result.wait_status = *status;
            result.exit_code = exit_code_of(*status);
            result.term_signal = WIFSIGNALED(*status) ? WTERMSIG(*status) : 0;
        }
    };

    auto start_grace = [&](int signo) {
        if (kill_deadline) return;
        result.forwarded_stop_signal = signo;
        result.stop_signal_at = Clock::now();
        kill_deadline = Clock::now() + options.grace_period;
    };
    // A stop taken by the listener just before it stepped aside: the program
    // hears it as if it had come now.
    if (options.stop && options.stop->requested()) {
        send(options.stop->signal());
        start_grace(options.stop->signal());
    }

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
            if (result.hang) send(SIGCONT);  // a launcher paused for the stacks must hear it
            if (is_stop_signal(signo)) {
                if (options.stop) options.stop->request(signo);
                start_grace(signo);
            }
        }
    };

    while (!main_exited) {
        std::array<pollfd, 5> fds{};
        nfds_t count = 0;
        fds[count++] = {sfd, POLLIN, 0};
        int err_index = -1, out_index = -1;
        // A sink with bytes queued is written when its reader makes room; a
        // stalled one is simply never ready, and nothing else waits for it.
        std::size_t sinks_from = count;
        for (OutputSink* sink : {err_sink, out_sink}) {
            if (sink && sink->has_queued() && sink->fd() >= 0) fds[count++] = {sink->fd(), POLLOUT, 0};
        }
        std::size_t sinks_to = count;
        const bool stopping = kill_deadline.has_value();
        bool held_back = false;  // a stream not read for its sink's sake: look again soon
        if (err.should_read(stopping)) {
            err_index = static_cast<int>(count);
            fds[count++] = {err.fd, POLLIN, 0};
        } else {
            held_back = held_back || err.open();
        }
        if (out.should_read(stopping)) {
            out_index = static_cast<int>(count);
            fds[count++] = {out.fd, POLLIN, 0};
        } else {
            held_back = held_back || out.open();
        }
        int timeout = held_back ? 100 : -1;
        if (kill_deadline && !result.killed_after_grace) {
            auto left = std::chrono::ceil<std::chrono::milliseconds>(*kill_deadline - Clock::now()).count();
            left = std::clamp<long long>(left, 0, 60'000);
            timeout = timeout < 0 ? static_cast<int>(left) : std::min(timeout, static_cast<int>(left));
        }
        // The watchdog's next deadline, never more than a second away while it is on.
        if (watchdog && !kill_deadline) {
            const int wake = watchdog->poll_timeout_ms(Clock::now());
            if (wake >= 0) timeout = timeout < 0 ? wake : std::min(timeout, wake);
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
            for (std::size_t i = sinks_from; i < sinks_to; ++i) {
                if (!fds[i].revents) continue;
                for (OutputSink* sink : {err_sink, out_sink}) {
                    if (sink && sink->fd() == fds[i].fd) sink->flush();
                }
            }
        }
        if (!main_exited && watchdog && !kill_deadline) {
            const bool stop_now = watchdog->tick(Clock::now(), pid, options.dump_stacks);
            result.hang = watchdog->hang();
            if (stop_now) {
                result.hang->stderr_at_stop = result.stderr_capture.tail();
                // A hang, its evidence taken: stopped as a stop is, without being
                // one (no stop signal is recorded: nobody asked the job to stop).
                send(SIGTERM);
                send(SIGCONT);  // a launcher paused for the stacks hears it too
                kill_deadline = Clock::now() + options.grace_period;
            }
        }
        if (!main_exited && kill_deadline && !result.killed_after_grace && Clock::now() >= *kill_deadline) {
            // The program ignored the stop request: leave the reason on disk
            // first, then stop everything it started. (After a hang no platform
            // SIGKILL is coming: the report follows at once.)
            if (options.on_grace_expired && !result.hang) options.on_grace_expired(result.stderr_capture);
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
    // A sink of the caller's own goes with this call: what it queued goes now,
    // while its reader keeps reading. (fd 1 and 2 keep their queues until
    // sm-train exits, see run_cli.)
    for (auto* own : {&own_err, &own_out}) {
        if (*own) (*own)->drain(2000);
    }
    return result;
}

}  // namespace smtrain::process
