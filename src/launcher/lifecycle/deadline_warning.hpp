// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The warning before the deadline: a chosen signal (SMTRAIN_DEADLINE_SIGNAL,
/// say SIGUSR1) sent to the program a chosen time (SMTRAIN_DEADLINE_WARNING_S)
/// before the job's deadline (MaxRuntimeInSeconds, or SMTRAIN_MAX_RUNTIME_S),
/// as Slurm's `--signal=USR1@600`. SageMaker itself only sends SIGTERM at the
/// deadline, with 120 s to go.
///
/// Who gets it depends on the runner, so that each rank hears it once and no
/// launcher dies of it:
///  - process: the program's process group (as a forwarded SIGTERM);
///  - torchrun: each worker torchrun started (the agent would die of SIGUSR1);
///  - mpirun (MPI, smddprun): mpirun, which passes SIGUSR1/SIGUSR2 on to every rank.
///
/// A timer thread of its own, armed by the lifecycle when the program starts
/// (SupervisorOptions::on_started) and disarmed when it ends; the supervision
/// loop is not involved. Errors: none thrown after construction.

#include "runners/plan.hpp"

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace smtrain::launcher {

/// SMTRAIN_DEADLINE_SIGNAL and SMTRAIN_DEADLINE_WARNING_S.
struct DeadlineWarningSettings {
    int signal = 0;  ///< 0: no warning
    std::chrono::milliseconds lead = std::chrono::minutes(10);
};

/// "USR1", "SIGUSR1" or a number from 1 to 64 as a signal number; nullopt otherwise.
std::optional<int> parse_signal(std::string_view text);

/// Who receives the warning for `kind` (see the file comment).
enum class WarningTarget { ProcessGroup, Children, Launcher };
WarningTarget warning_target(runners::RunnerKind kind);

class DeadlineWarning {
public:
    using SystemClock = std::chrono::system_clock;
    using Clock = std::chrono::steady_clock;

    DeadlineWarning(SystemClock::time_point deadline, DeadlineWarningSettings settings, WarningTarget target);
    ~DeadlineWarning();
    DeadlineWarning(const DeadlineWarning&) = delete;
    DeadlineWarning& operator=(const DeadlineWarning&) = delete;

    /// The program started: arms the timer (or logs that the warning time is past).
    void program_started(pid_t pid);
    /// The program ended (before or after the warning): disarms it.
    void program_ended();

    /// When the warning went out, and to how many processes; nullopt if it did not.
    std::optional<Clock::time_point> sent_at() const;
    int sent_to() const;
    /// "deadline warning: SIGUSR1 to 2 process(es), 600 s before the deadline".
    std::string description() const;

private:
    void wait_and_send(pid_t pid, Clock::time_point fire_at);
    int send(pid_t pid) const;

    SystemClock::time_point deadline_;
    DeadlineWarningSettings settings_;
    WarningTarget target_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool ended_ = false;
    std::optional<Clock::time_point> sent_at_;
    int sent_to_ = 0;
    std::thread thread_;
};

}  // namespace smtrain::launcher
