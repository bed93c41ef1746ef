// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// A stop request (SIGTERM, SIGINT, SIGHUP, SIGQUIT) and who takes it in each phase.
///
/// sm-train blocks every signal at the start of main() (SignalBlock). From then
/// on a stop signal is taken by exactly one reader at a time:
/// - the StopListener thread, in every phase where no supervisor runs (load,
///   code download and extraction, the wait for hosts, runner set-up, the final
///   sync, the report): it records the stop in the StopRequest, whose flag the
///   S3 client, the extractor and the waits poll;
/// - the supervisor, while a program (pip, the user's program, mpirun) runs: it
///   pauses the listener, forwards the signal to the program's process group and
///   records it in the same StopRequest.
/// So a stop is never lost and never read twice, and every phase can ask one
/// object whether to stop and since when.
///
/// The listener's thread may start only when a phase first waits
/// (StopListener::Start::OnFirstWait, what sm-train does): a job that waits for
/// nothing before its program (the code in place, no S3, no DNS wait) then never
/// has a second thread, whose start, scheduling and end were most of what
/// sm-train added to a job's start over tini (docs/launcher.md). Until then a
/// stop signal stays pending and is taken, in the phase it arrived in, by the
/// next requested() or enter(); a wait (fd(), flag(), sleep_for()) starts the
/// thread first, so no wait can miss a stop.
///
/// Errors: the constructors, and a wait that starts the listener's thread,
/// throw smtrain::Error(Internal) when the kernel refuses an eventfd, a
/// signalfd or a thread; nothing else throws.

#include "lib/unique_fd.hpp"

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace smtrain::process {

class SignalBlock;
class StopListener;

/// The first stop signal sm-train received, when, and in which phase. Thread-safe.
class StopRequest {
public:
    using Clock = std::chrono::steady_clock;

    StopRequest();
    ~StopRequest();
    StopRequest(const StopRequest&) = delete;
    StopRequest& operator=(const StopRequest&) = delete;

    /// Records the step the job is now in, as a stop reason says it after
    /// "during" ("code download"). Opaque here: the lifecycle owns the words
    /// (launcher/lifecycle/job_phase.hpp). `during` must have static storage.
    /// A stop still pending for a listener that has not started is taken
    /// first, so that it names the step it arrived in.
    void enter(const char* during);

    /// Records a stop signal; only the first one counts. Wakes waiters.
    void request(int signo);

    /// Whether a stop was requested; first takes a stop signal still pending
    /// for a listener whose thread has not started (StopListener::Start).
    bool requested() const;
    int signal() const { return signal_.load(); }
    /// When the first stop signal arrived.
    std::optional<Clock::time_point> at() const;
    /// The step it arrived in, as given to enter(); "" before any.
    std::string_view stopped_in() const { return stopped_in_.load(); }

    /// The flag set by request(), for code that polls one (the S3 client's cancel).
    /// A wait: starts the listener's thread if it has not started.
    std::shared_ptr<const std::atomic<bool>> flag() const;
    /// An eventfd that becomes readable at the first request(), for poll().
    /// A wait: starts the listener's thread if it has not started.
    int fd() const;

    /// Called before a step blocks in something that does not poll the stop (a
    /// name lookup, a copy, a socket's wait): starts the listener's thread if it
    /// has not started, so that a stop meanwhile is taken, and timed, at once.
    void before_wait() const;

    /// Sleeps for `delay` unless a stop is requested first. Returns false on a stop.
    /// A wait: starts the listener's thread if it has not started.
    bool sleep_for(std::chrono::milliseconds delay) const;

    /// "stopped by SIGTERM during code download" ("stopped by SIGTERM" before any enter()).
    std::string reason() const;

private:
    friend class StopListener;

    std::shared_ptr<std::atomic<bool>> flag_ = std::make_shared<std::atomic<bool>>(false);
    std::atomic<int> signal_{0};
    std::atomic<const char*> during_{""};
    std::atomic<const char*> stopped_in_{""};
    std::atomic<Clock::rep> at_{0};
    detail::UniqueFd event_fd_;
    std::atomic<StopListener*> listener_{nullptr};  // set for the listener's lifetime
};

/// A thread that takes the stop signals while no supervisor does, into a
/// StopRequest. Other signals stay pending for the supervisor to forward.
class StopListener {
public:
    /// When the thread starts. OnFirstWait: at the request's first wait
    /// (StopRequest::fd(), flag(), sleep_for()) or start(); meanwhile the
    /// request's requested() and enter() take a pending stop signal themselves.
    enum class Start { Now, OnFirstWait };

    /// Starts listening. `signals` must be in force (blocked in every thread).
    /// One listener per request at a time.
    StopListener(const SignalBlock& signals, StopRequest& stop, Start start = Start::Now);
    ~StopListener();
    StopListener(const StopListener&) = delete;
    StopListener& operator=(const StopListener&) = delete;

    /// Stops listening: once it returns, the thread reads no signal, and stop
    /// signals stay pending for the caller's own signalfd. Resumed with resume().
    /// Neither waits for the thread (each would cost a wake-up of it and a
    /// context switch at every program's start, on a busy machine a scheduling
    /// delay): the thread reads the signalfd only under the mutex and only while
    /// listening is wanted, so a pause is a flag set under that mutex.
    /// The thread itself lives from the constructor to the destructor: it waits
    /// while paused rather than ending, because a program is started right after
    /// each pause, and a thread that ends just before a fork leaves the child
    /// deadlocked under qemu-user 7.2 (docs/arm64.md, "A hang under qemu-user").
    void pause();
    void resume();

    /// Starts the thread now if it has not started (Start::OnFirstWait).
    void start();
    /// Whether the thread has started.
    bool started() const { return started_.load(); }

    /// pause() for a scope.
    class Paused {
    public:
        explicit Paused(StopListener* listener) : listener_(listener) {
            if (listener_) listener_->pause();
        }
        ~Paused() {
            if (listener_) listener_->resume();
        }
        Paused(const Paused&) = delete;
        Paused& operator=(const Paused&) = delete;

    private:
        StopListener* listener_;
    };

private:
    friend class StopRequest;          // take_pending(), from requested() and enter()
    static void* run(void* listener);  // the thread's start: listen()
    void listen();
    bool take_signals();  // false, reading nothing, when paused
    void take_pending();  // take_signals() while no thread does (StopRequest::requested)
    void wake();          // ends the thread's poll of the signalfd; with mutex_ held

    StopRequest& stop_;
    detail::UniqueFd signal_fd_;
    detail::UniqueFd wake_fd_;  // written to end a poll of the signalfd
    std::mutex mutex_;
    std::condition_variable changed_;
    bool wanted_ = false;               // listening asked for (resume) and not paused since
    bool ending_ = false;               // the destructor runs
    std::atomic<bool> started_{false};  // the thread runs; set under mutex_
    // A pthread rather than a std::thread: std::thread hands its thread a heap
    // state that the thread frees, and glibc gives a thread's first malloc or free
    // a malloc arena of its own (a 64 MiB mapping, trimmed, and its first pages
    // touched), at every job's end. This thread never allocates.
    pthread_t thread_{};
};

}  // namespace smtrain::process
