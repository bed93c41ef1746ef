// SPDX-License-Identifier: Apache-2.0
#include "launcher/lifecycle/deadline_warning.hpp"

#include "launcher/lifecycle/process_tree.hpp"
#include "process/signals.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <csignal>
#include <utility>

namespace smtrain::launcher {

std::optional<int> parse_signal(std::string_view text) {
    static constexpr std::array<std::pair<std::string_view, int>, 11> names = {{{"HUP", SIGHUP},
                                                                                {"INT", SIGINT},
                                                                                {"QUIT", SIGQUIT},
                                                                                {"USR1", SIGUSR1},
                                                                                {"USR2", SIGUSR2},
                                                                                {"TERM", SIGTERM},
                                                                                {"ALRM", SIGALRM},
                                                                                {"CONT", SIGCONT},
                                                                                {"WINCH", SIGWINCH},
                                                                                {"URG", SIGURG},
                                                                                {"PWR", SIGPWR}}};
    if (text.starts_with("SIG")) text.remove_prefix(3);
    for (const auto& [name, number] : names) {
        if (text == name) return number;
    }
    int number = 0;
    auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (err == std::errc() && end == text.data() + text.size() && number >= 1 && number <= 64 &&
        number != SIGKILL && number != SIGSTOP)
        return number;
    return std::nullopt;
}

WarningTarget warning_target(runners::RunnerKind kind) {
    switch (kind) {
        case runners::RunnerKind::TorchDistributed:
        case runners::RunnerKind::PyTorchXla:
            return WarningTarget::Children;
        case runners::RunnerKind::Mpi:
        case runners::RunnerKind::SmDataParallel:
            return WarningTarget::Launcher;
        default:
            return WarningTarget::ProcessGroup;
    }
}

DeadlineWarning::DeadlineWarning(SystemClock::time_point deadline, DeadlineWarningSettings settings,
                                 WarningTarget target)
    : deadline_(deadline), settings_(settings), target_(target) {}

DeadlineWarning::~DeadlineWarning() { program_ended(); }

void DeadlineWarning::program_started(pid_t pid) {
    if (thread_.joinable()) return;  // one program per job
    const auto until = deadline_ - std::chrono::duration_cast<SystemClock::duration>(settings_.lead);
    const auto left = until - SystemClock::now();
    if (left <= SystemClock::duration::zero()) {
        // A program just started has not set its handler yet: the signal would kill it.
        spdlog::warn("Deadline warning: {} was due {:.1f} s before the program started; not sent",
                     process::signal_name(settings_.signal), -std::chrono::duration<double>(left).count());
        return;
    }
    const Clock::time_point fire_at = Clock::now() + std::chrono::duration_cast<Clock::duration>(left);
    spdlog::info("Deadline warning: {} to the program in {:.1f} s, {:g} s before the job's deadline",
                 process::signal_name(settings_.signal), std::chrono::duration<double>(left).count(),
                 std::chrono::duration<double>(settings_.lead).count());
    thread_ = std::thread([this, pid, fire_at] { wait_and_send(pid, fire_at); });
}

void DeadlineWarning::program_ended() {
    {
        std::lock_guard lock(mutex_);
        ended_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void DeadlineWarning::wait_and_send(pid_t pid, Clock::time_point fire_at) {
    std::unique_lock lock(mutex_);
    if (wake_.wait_until(lock, fire_at, [this] { return ended_; })) return;
    // Under the lock, so program_ended() (called once the program is reaped)
    // cannot pass while we signal: the pid is still the program's.
    const int count = send(pid);
    sent_at_ = Clock::now();
    sent_to_ = count;
    spdlog::warn("Deadline warning: sent {} to {} process(es), {:g} s before the job's deadline",
                 process::signal_name(settings_.signal), count,
                 std::chrono::duration<double>(settings_.lead).count());
}

int DeadlineWarning::send(pid_t pid) const {
    // The program may have ended and been reaped by now; its pid is ours only while it is our child.
    if (parent_of(pid) != ::getpid()) return 0;
    switch (target_) {
        case WarningTarget::ProcessGroup:
            if (::kill(-pid, settings_.signal) == 0) return 1;
            return ::kill(pid, settings_.signal) == 0 ? 1 : 0;
        case WarningTarget::Launcher:
            return ::kill(pid, settings_.signal) == 0 ? 1 : 0;
        case WarningTarget::Children: {
            int sent = 0;
            for (pid_t child : children_of(pid)) sent += ::kill(child, settings_.signal) == 0 ? 1 : 0;
            return sent;
        }
    }
    return 0;
}

std::optional<DeadlineWarning::Clock::time_point> DeadlineWarning::sent_at() const {
    std::lock_guard lock(mutex_);
    return sent_at_;
}

int DeadlineWarning::sent_to() const {
    std::lock_guard lock(mutex_);
    return sent_to_;
}

std::string DeadlineWarning::description() const {
    return "deadline warning: " + process::signal_name(settings_.signal) + " to " +
           std::to_string(sent_to()) + " process(es), " +
           std::to_string(std::chrono::duration_cast<std::chrono::seconds>(settings_.lead).count()) +
           " s before the deadline";
}

}  // namespace smtrain::launcher
