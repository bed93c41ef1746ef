// SPDX-License-Identifier: Apache-2.0
#include "process/stop.hpp"

#include "process/signals.hpp"

#include <smtrain/error.hpp>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>

namespace smtrain::process {
namespace {

sigset_t stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : kForwardedSignals) {
        if (is_stop_signal(s)) sigaddset(&set, s);
    }
    return set;
}

[[noreturn]] void internal(const char* what) {
    throw Error(std::string(what) + ": " + strerror(errno), ExitCode::Internal);
}

}  // namespace

StopRequest::StopRequest() : event_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (!event_fd_.valid()) internal("eventfd");
}

StopRequest::~StopRequest() = default;

void StopRequest::enter(const char* during) {
    if (StopListener* listener = listener_.load()) listener->take_pending();
    during_.store(during);
}

bool StopRequest::requested() const {
    if (flag_->load()) return true;
    if (StopListener* listener = listener_.load()) listener->take_pending();
    return flag_->load();
}

void StopRequest::before_wait() const {
    if (StopListener* listener = listener_.load()) listener->start();
}

std::shared_ptr<const std::atomic<bool>> StopRequest::flag() const {
    before_wait();
    return flag_;
}

int StopRequest::fd() const {
    before_wait();
    return event_fd_.get();
}

void StopRequest::request(int signo) {
    int none = 0;
    if (!signal_.compare_exchange_strong(none, signo)) return;
    at_.store(Clock::now().time_since_epoch().count());
    stopped_in_.store(during_.load());
    flag_->store(true);
    const std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(event_fd_.get(), &one, sizeof one);
}

std::optional<StopRequest::Clock::time_point> StopRequest::at() const {
    if (!requested()) return std::nullopt;
    return Clock::time_point(Clock::duration(at_.load()));
}

bool StopRequest::sleep_for(std::chrono::milliseconds delay) const {
    before_wait();
    const auto deadline = Clock::now() + delay;
    while (!requested()) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return true;
        pollfd p{event_fd_.get(), POLLIN, 0};
        poll(&p, 1, static_cast<int>(std::min<long long>(left, 60'000)));
    }
    return false;
}

std::string StopRequest::reason() const {
    const std::string_view during = stopped_in();
    return "stopped by " + signal_name(signal()) + (during.empty() ? "" : " during " + std::string(during));
}

StopListener::StopListener(const SignalBlock&, StopRequest& stop, Start start) : stop_(stop) {
    const sigset_t set = stop_signals();
    signal_fd_.reset(signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!signal_fd_.valid()) internal("signalfd");
    wake_fd_.reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!wake_fd_.valid()) internal("eventfd");
    wanted_ = true;
    if (start == Start::Now) this->start();
    // Last, once the listener can take signals: from here the request's
    // requested() and waits reach it.
    stop_.listener_.store(this);
}

StopListener::~StopListener() {
    stop_.listener_.store(nullptr);
    {
        const std::lock_guard lock(mutex_);
        ending_ = true;
        wanted_ = false;
        if (started_) wake();  // ends a poll the thread may be in
    }
    changed_.notify_all();
    if (started_) pthread_join(thread_, nullptr);
}

void StopListener::start() {
    const std::lock_guard lock(mutex_);
    if (started_ || ending_) return;
    // Started once every member it reads exists; it listens at once unless paused.
    if (const int error = pthread_create(&thread_, nullptr, &StopListener::run, this); error != 0) {
        errno = error;
        internal("pthread_create");
    }
    started_ = true;
}

void StopListener::take_pending() {
    // Once the thread runs, it alone reads the signalfd outside a pause, as before.
    if (!started_) take_signals();
}

void* StopListener::run(void* listener) {
    static_cast<StopListener*>(listener)->listen();
    return nullptr;
}

void StopListener::wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = write(wake_fd_.get(), &one, sizeof one);
}

void StopListener::pause() {
    // No wait for the thread: once wanted_ is false (under the mutex that the
    // thread holds while it reads the signalfd) it reads no signal, and whatever
    // it read before is already in the StopRequest. It notices the pause at its
    // next wake-up and then waits for resume() (listen()).
    const std::lock_guard lock(mutex_);
    wanted_ = false;
}

void StopListener::resume() {
    {
        const std::lock_guard lock(mutex_);
        if (ending_) return;
        wanted_ = true;
    }
    changed_.notify_all();
}

void StopListener::listen() {
    std::unique_lock lock(mutex_);
    for (;;) {
        changed_.wait(lock, [this] { return wanted_ || ending_; });
        if (ending_) return;
        lock.unlock();
        bool failed = false;
        for (;;) {
            pollfd fds[2] = {{signal_fd_.get(), POLLIN, 0}, {wake_fd_.get(), POLLIN, 0}};
            if (poll(fds, 2, -1) < 0 && errno != EINTR) {
                failed = true;
                break;
            }
            if (fds[1].revents) break;
            if (fds[0].revents && !take_signals()) break;  // paused meanwhile: the signal is the supervisor's
        }
        std::uint64_t count = 0;
        [[maybe_unused]] const ssize_t n = read(wake_fd_.get(), &count, sizeof count);
        lock.lock();
        if (failed) return;  // as before: a poll that fails ends the listening for good
    }
}

bool StopListener::take_signals() {
    // Under the mutex, so that pause() either waits for these reads to be
    // recorded or comes first and leaves the signal pending for the supervisor.
    const std::lock_guard lock(mutex_);
    if (!wanted_) return false;
    signalfd_siginfo info;
    while (read(signal_fd_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        stop_.request(static_cast<int>(info.ssi_signo));
    }
    return true;
}

}  // namespace smtrain::process
