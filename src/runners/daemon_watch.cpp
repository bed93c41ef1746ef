// SPDX-License-Identifier: Apache-2.0
#include "runners/daemon_watch.hpp"

#include <csignal>

namespace smtrain::runners {

DaemonWatch::DaemonWatch(Check check, ProgramStopper end_program, std::chrono::milliseconds interval,
                         std::chrono::milliseconds grace)
    : check_(std::move(check)),
      end_program_(std::move(end_program)),
      interval_(interval),
      grace_(grace),
      thread_([this] { watch(); }) {}

std::optional<std::string> DaemonWatch::finish() {
    {
        const std::lock_guard lock(mutex_);
        program_over_ = true;
    }
    changed_.notify_all();
    if (thread_.joinable()) thread_.join();
    return reason_;
}

void DaemonWatch::watch() {
    std::unique_lock lock(mutex_);
    for (;;) {
        if (changed_.wait_for(lock, interval_, [this] { return program_over_; })) return;
        lock.unlock();
        auto reason = check_();
        lock.lock();
        if (!reason) continue;
        reason_ = std::move(reason);
        if (program_over_) return;
        if (end_program_) end_program_(SIGTERM);
        if (!changed_.wait_for(lock, grace_, [this] { return program_over_; }) && end_program_)
            end_program_(SIGKILL);
        return;
    }
}

}  // namespace smtrain::runners
