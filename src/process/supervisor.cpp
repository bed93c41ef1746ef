// SPDX-License-Identifier: Apache-2.0
#include "process/supervisor.hpp"

#include "process/reaper.hpp"
#include "process/signals.hpp"
#include "process/stop.hpp"

#include "lib/unique_fd.hpp"

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
/// for the observer.
struct ScratchPipe {
    detail::UniqueFd read_end;
    detail::UniqueFd write_end;

    bool open() const { return read_end.valid(); }
    void close_ends() {
        read_end.reset();
        write_end.reset();
    }
};

bool is_pipe(int fd) {
    struct stat st;
    return fd >= 0 && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

/// One captured stream of the program.
struct Stream {
    detail::UniqueFd fd;
    OutputSink* sink = nullptr;  ///< nullptr: not passed on
    LineRewriter rewrite;
    LinePump pump;
    StreamObserver* observer = nullptr;  ///< sees every byte, whatever the sink drops
    HangWatchdog* watchdog = nullptr;    ///< sees every byte too
    ScratchPipe scratch;                 // open while the stream is passed on with tee/splice

    bool open() const { return fd.valid(); }

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
    /// reference to them into the sink, and the observer gets its one copy from
    /// the scratch pipe. One copy instead of two, no page allocations, and the
    /// program's pipe (which its writes keep busy) is locked once per round.
    /// Best effort: false keeps read + write.
    bool pass_on_without_copies() {
        if (rewrite || !observer || !sink || !is_pipe(fd.get()) || !is_pipe(sink->fd())) return false;
        int ends[2];
        if (pipe2(ends, O_CLOEXEC | O_NONBLOCK) != 0) return false;
        scratch.read_end.reset(ends[0]);
        scratch.write_end.reset(ends[1]);
        // One splice must take everything the program's pipe holds (so that a
        // round drains it, as one read does), so the scratch pipe needs at least
        // as many slots as that pipe.
        int wanted = fcntl(fd.get(), F_GETPIPE_SZ);
        if (wanted <= 0 || static_cast<std::size_t>(wanted) > kReadBuffer ||
            fcntl(scratch.write_end.get(), F_SETPIPE_SZ, wanted) < wanted) {
            scratch.close_ends();
            return false;
        }
        return true;
    }

    /// Reads what is available; false at EOF (the stream is closed then).
    bool pump_available(char* buffer, std::size_t size) {
        if (scratch.open()) return splice_available(buffer, size);
        while (open()) {
            ssize_t n = read(fd.get(), buffer, size);
            if (n > 0) {
                std::string_view data(buffer, static_cast<std::size_t>(n));
                // The observer first: it must see everything, whatever the sink drops.
                if (observer) observer->feed(data);
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
            n = splice(fd.get(), nullptr, scratch.write_end.get(), nullptr, size, SPLICE_F_NONBLOCK);
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
        // queue (or is dropped) after the observer has its copy. Queued bytes
        // come first, so tee only when nothing is queued.
        std::size_t teed = 0;
        if (sink && !sink->has_queued()) {
            ssize_t t;
            do {
                t = tee(scratch.read_end.get(), sink->fd(), moved, SPLICE_F_NONBLOCK);
            } while (t < 0 && errno == EINTR);
            if (t > 0) teed = static_cast<std::size_t>(t);
        }
        // The observer's copy, which also takes the bytes out of the scratch pipe
        // (tee only duplicates them).
        std::size_t got = 0;
        while (got < moved) {
            ssize_t r = read(scratch.read_end.get(), buffer + got, moved - got);
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
        observer->feed(std::string_view(buffer, got));
        if (watchdog) watchdog->observe(std::string_view(buffer, got));
        if (sink && teed < got) sink->write(std::string_view(buffer + teed, got - teed));
        // The scratch pipe has as many slots as the program's, so the splice took
        // all there was: drained for now.
        return true;
    }

    void close_stream() {
        if (!open()) return;
        fd.reset();
        scratch.close_ends();
        if (rewrite) pump.finish(rewrite, sink);
        if (observer) observer->finish();
    }
};

/// The program, from spawn() until it is reaped. Whatever ends supervision
/// early (an exception from any step) leaves no child running: it gets SIGTERM
/// and is reaped, with SIGKILL once its time is up. That time is the stop's own
/// deadline when a stop (or the watchdog's) was under way: the program was asked
/// to save its work. Otherwise nobody asked it to stop, and the fault must not
/// hold the job for a grace period meant for saving work: it gets
/// kStopOnFaultGrace (or the grace period, if shorter).
class Child {
public:
    Child(std::chrono::milliseconds grace_period, bool own_group)
        : fault_grace_(std::min<std::chrono::milliseconds>(grace_period, kStopOnFaultGrace)),
          own_group_(own_group) {}
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child() {
        if (pid_ <= 0 || status_) return;
        const Clock::time_point deadline = stop_deadline_ ? *stop_deadline_ : Clock::now() + fault_grace_;
        send(SIGTERM);
        send(SIGCONT);  // a program paused for its stacks must hear it
        if (Reaper::wait_until(pid_, deadline)) return;
        send(SIGKILL);
        // SIGKILL cannot be ignored; the bound only guards against a kernel stuck on the exit.
        Reaper::wait_until(pid_, Clock::now() + std::chrono::seconds(10));
    }

    /// A stop of the program has begun, to end with SIGKILL at `deadline`.
    void stopping_until(Clock::time_point deadline) { stop_deadline_ = deadline; }
    void adopt(pid_t pid) { pid_ = pid; }
    pid_t pid() const { return pid_; }
    bool exited() const { return status_.has_value(); }
    /// The raw wait status once it has ended (reaped by the one Reaper).
    const std::optional<int>& status() const { return status_; }

    /// Takes its status when it has ended; the other children that ended are
    /// reaped too (orphans, as PID 1 or subreaper), while a daemon spawned by a
    /// runner keeps its status for its owner.
    void reap() {
        if (status_) {
            Reaper::collect();
            return;
        }
        status_ = Reaper::take(pid_);
    }

    void send(int signo) const {
        // The whole group, so helpers the program started hear it too; fall
        // back to the program alone if it moved itself out of its group.
        if (own_group_ && kill(-pid_, signo) == 0) return;
        kill(pid_, signo);
    }

private:
    std::chrono::milliseconds fault_grace_;
    bool own_group_;
    std::optional<Clock::time_point> stop_deadline_;
    pid_t pid_ = -1;
    std::optional<int> status_;
};

/// What one wait of the loop waits for: the signalfd, the sinks with bytes
/// queued, the streams that may be read now, and for how long.
struct Wait {
    std::array<pollfd, 5> fds{};
    nfds_t count = 0;
    int err_index = -1, out_index = -1;
    std::size_t sinks_from = 0, sinks_to = 0;
    int timeout_ms = -1;

    std::size_t add(int fd, short events) {
        fds[count] = {fd, events, 0};
        return count++;
    }
    bool ready(int index) const { return index >= 0 && fds[static_cast<std::size_t>(index)].revents != 0; }
};

/// Runs one program to its end: tini's loop (wait for a signal or output,
/// forward, reap) with the output relay, the grace period and the hang
/// watchdog. Holds every descriptor it opens, so nothing leaks on any path.
class Supervisor {
public:
    Supervisor(SpawnSpec spec, const SignalBlock& signals, const SupervisorOptions& options,
               PollFunction poll);

    RunResult run() {
        forward_stop_taken_before_start();
        while (!child_.exited()) {
            Wait wait = next_wait();
            if (wait_for(wait) > 0) handle(wait);
            watch_for_hang();
            end_grace_period();
        }
        take_last_output();
        return std::move(result_);
    }

private:
    Wait next_wait();
    int wait_for(Wait& wait);
    void handle(const Wait& wait);
    void handle_signals();
    void start_grace(int signo);
    void forward_stop_taken_before_start();
    void watch_for_hang();
    void end_grace_period();
    void take_last_output();
    void reap();

    const SupervisorOptions& options_;
    PollFunction poll_;
    // From construction to the end the stop signals are ours: the listener that
    // takes them between programs steps aside (they stay pending meanwhile).
    StopListener::Paused paused_;
    detail::UniqueFd signal_fd_;
    RunResult result_;
    std::optional<HangWatchdog> watchdog_;
    std::optional<OutputSink> own_err_, own_out_;  // sinks of the caller's own fds
    OutputSink* err_sink_ = nullptr;
    OutputSink* out_sink_ = nullptr;
    // Larger pipes and reads mean fewer wake-ups for a program that logs a lot.
    // Not zero-filled: a page is only touched when a read fills it, so a
    // program that writes little costs little.
    std::unique_ptr<char[]> buffer_{new char[kReadBuffer]};
    Stream err_, out_;
    std::optional<Clock::time_point> kill_deadline_;
    Child child_;  // last: destroyed first, so a program still running is stopped while its pipes are open
};

/// The sink for `fd`: fd 1 and 2 are shared with the logger; any other is the caller's.
OutputSink* sink_for(int fd, std::optional<OutputSink>& own, const char* name) {
    if (fd < 0) return nullptr;
    if (fd == 1) return &stdout_sink();
    if (fd == 2) return &stderr_sink();
    own.emplace(fd, name);
    return &*own;
}

Supervisor::Supervisor(SpawnSpec spec, const SignalBlock& signals, const SupervisorOptions& options,
                       PollFunction poll)
    : options_(options),
      poll_(std::move(poll)),
      paused_(options.listener),
      signal_fd_(signalfd(-1, &signals.blocked(), SFD_CLOEXEC | SFD_NONBLOCK)),
      child_(options.grace_period, spec.new_process_group) {
    if (!signal_fd_.valid()) throw Error(std::string("signalfd: ") + strerror(errno), ExitCode::Internal);
    spec.capture_stderr = true;
    spec.capture_stdout = static_cast<bool>(options.stdout_rewriter) || options.watchdog.on();
    if (!spec.child_mask) spec.child_mask = &signals.original_mask();

    const SpawnedProcess spawned = spawn(spec);
    child_.adopt(spawned.pid);  // nothing throws from spawn() to here: the pipes are ours at once
    err_.fd.reset(spawned.stderr_fd);
    out_.fd.reset(spawned.stdout_fd);
    if (options.on_started) options.on_started(spawned.pid);
    if (options.watchdog.on()) watchdog_.emplace(options.watchdog, Clock::now());

    err_sink_ = sink_for(options.stderr_sink, own_err_, "stderr");
    out_sink_ = sink_for(options.stdout_sink, own_out_, "stdout");
    HangWatchdog* seen_by = watchdog_ ? &*watchdog_ : nullptr;
    err_.sink = err_sink_;
    err_.rewrite = options.stderr_rewriter;
    err_.observer = options.stderr_observer;
    err_.watchdog = seen_by;
    out_.sink = out_sink_;
    out_.rewrite = options.stdout_rewriter;
    out_.watchdog = seen_by;

    for (const Stream* stream : {&err_, &out_}) {
        if (stream->open())
            fcntl(stream->fd.get(), F_SETPIPE_SZ, static_cast<int>(kReadBuffer));  // best effort
    }
    err_.pass_on_without_copies();
    // Our own stderr too, when it is a pipe with less room: each time it fills
    // up we wait for its reader, and the reader is woken for every few pages.
    // Only ever grown (shrinking would fail or take room from whoever set it).
    if (err_sink_ && is_pipe(err_sink_->fd()) &&
        fcntl(err_sink_->fd(), F_GETPIPE_SZ) < static_cast<int>(kReadBuffer))
        fcntl(err_sink_->fd(), F_SETPIPE_SZ, static_cast<int>(kReadBuffer));  // best effort
}

/// A stop taken by the listener just before it stepped aside: the program
/// hears it as if it had come now.
void Supervisor::forward_stop_taken_before_start() {
    if (!options_.stop || !options_.stop->requested()) return;
    child_.send(options_.stop->signal());
    start_grace(options_.stop->signal());
}

Wait Supervisor::next_wait() {
    Wait wait;
    wait.add(signal_fd_.get(), POLLIN);
    // A sink with bytes queued is written when its reader makes room; a
    // stalled one is simply never ready, and nothing else waits for it.
    wait.sinks_from = wait.count;
    for (OutputSink* sink : {err_sink_, out_sink_}) {
        if (sink && sink->has_queued() && sink->fd() >= 0) wait.add(sink->fd(), POLLOUT);
    }
    wait.sinks_to = wait.count;
    const bool stopping = kill_deadline_.has_value();
    bool held_back = false;  // a stream not read for its sink's sake: look again soon
    for (auto [stream, index] : {std::pair{&err_, &wait.err_index}, std::pair{&out_, &wait.out_index}}) {
        if (stream->should_read(stopping)) {
            *index = static_cast<int>(wait.add(stream->fd.get(), POLLIN));
        } else {
            held_back = held_back || stream->open();
        }
    }
    int timeout = held_back ? 100 : -1;
    if (kill_deadline_ && !result_.killed_after_grace) {
        auto left = std::chrono::ceil<std::chrono::milliseconds>(*kill_deadline_ - Clock::now()).count();
        left = std::clamp<long long>(left, 0, 60'000);
        timeout = timeout < 0 ? static_cast<int>(left) : std::min(timeout, static_cast<int>(left));
    }
    // The watchdog's next deadline, never more than a second away while it is on.
    if (watchdog_ && !kill_deadline_) {
        const int wake = watchdog_->poll_timeout_ms(Clock::now());
        if (wake >= 0) timeout = timeout < 0 ? wake : std::min(timeout, wake);
    }
    wait.timeout_ms = timeout;
    return wait;
}

int Supervisor::wait_for(Wait& wait) {
    const int ready = poll_(wait.fds.data(), wait.count, wait.timeout_ms);
    if (ready < 0 && errno != EINTR) throw Error(std::string("poll: ") + strerror(errno), ExitCode::Internal);
    return ready;
}

void Supervisor::handle(const Wait& wait) {
    if (wait.fds[0].revents) handle_signals();
    if (wait.ready(wait.err_index)) err_.pump_available(buffer_.get(), kReadBuffer);
    if (wait.ready(wait.out_index)) out_.pump_available(buffer_.get(), kReadBuffer);
    for (std::size_t i = wait.sinks_from; i < wait.sinks_to; ++i) {
        if (!wait.fds[i].revents) continue;
        for (OutputSink* sink : {err_sink_, out_sink_}) {
            if (sink && sink->fd() == wait.fds[i].fd) sink->flush();
        }
    }
}

void Supervisor::handle_signals() {
    signalfd_siginfo info;
    while (read(signal_fd_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        const int signo = static_cast<int>(info.ssi_signo);
        if (signo == SIGCHLD) {
            reap();
            continue;
        }
        const bool forwarded =
            std::find(kForwardedSignals.begin(), kForwardedSignals.end(), signo) != kForwardedSignals.end();
        if (!forwarded || child_.exited()) continue;  // SIGPIPE from a closed stderr, SIGWINCH, ...
        child_.send(signo);
        if (result_.hang) child_.send(SIGCONT);  // a launcher paused for the stacks must hear it
        if (is_stop_signal(signo)) {
            if (options_.stop) options_.stop->request(signo);
            start_grace(signo);
        }
    }
}

/// Reaps what ended; the program's end becomes the result once.
void Supervisor::reap() {
    const bool known = child_.exited();
    child_.reap();
    if (known || !child_.exited()) return;
    const int status = *child_.status();
    result_.wait_status = status;
    result_.exit_code = exit_code_of(status);
    result_.term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

void Supervisor::start_grace(int signo) {
    if (kill_deadline_) return;
    result_.forwarded_stop_signal = signo;
    result_.stop_signal_at = Clock::now();
    kill_deadline_ = Clock::now() + options_.grace_period;
    child_.stopping_until(*kill_deadline_);
}

/// The hang watchdog's turn: once its evidence is taken, the program is
/// stopped as a stop is, without being one (no stop signal is recorded:
/// nobody asked the job to stop).
void Supervisor::watch_for_hang() {
    if (child_.exited() || !watchdog_ || kill_deadline_) return;
    const bool stop_now =
        watchdog_->tick(Clock::now(), child_.pid(), options_.dump_stacks, options_.stacks_elsewhere);
    result_.hang = watchdog_->hang();
    if (!stop_now) return;
    if (options_.on_hang_stop) options_.on_hang_stop(*result_.hang);
    child_.send(SIGTERM);
    child_.send(SIGCONT);  // a launcher paused for the stacks hears it too
    kill_deadline_ = Clock::now() + options_.grace_period;
    child_.stopping_until(*kill_deadline_);
}

/// The program ignored the stop request: leave the reason on disk first, then
/// stop everything it started. (After a hang no platform SIGKILL is coming:
/// the report follows at once.)
void Supervisor::end_grace_period() {
    if (child_.exited() || !kill_deadline_ || result_.killed_after_grace || Clock::now() < *kill_deadline_)
        return;
    if (options_.on_grace_expired && !result_.hang) options_.on_grace_expired();
    child_.send(SIGKILL);
    result_.killed_after_grace = true;
}

/// What the program wrote before it exited is already in the pipes: take it,
/// but do not wait for EOF, which a leftover daemon could hold off forever.
void Supervisor::take_last_output() {
    for (Stream* stream : {&err_, &out_}) stream->pump_available(buffer_.get(), kReadBuffer);
    for (Stream* stream : {&err_, &out_}) stream->close_stream();
    reap();
    // A sink of the caller's own goes with this call: what it queued goes now,
    // while its reader keeps reading. (fd 1 and 2 keep their queues until
    // sm-train exits, see run_cli.)
    for (auto* own : {&own_err_, &own_out_}) {
        if (*own) (*own)->drain(2000);
    }
}

}  // namespace

bool become_subreaper() {
    if (getpid() == 1) return true;
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
}

RunResult supervise_with_poll(SpawnSpec spec, const SignalBlock& signals, const SupervisorOptions& options,
                              PollFunction poll) {
    return Supervisor(std::move(spec), signals, options, std::move(poll)).run();
}

RunResult supervise(SpawnSpec spec, const SignalBlock& signals, const SupervisorOptions& options) {
    return supervise_with_poll(std::move(spec), signals, options, ::poll);
}

}  // namespace smtrain::process
