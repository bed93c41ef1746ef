// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// What the program of a host needs besides itself (a daemon this host started,
/// the other hosts' jobs), watched while the program runs: the program's run
/// blocks the runner's thread, so the watch has a thread of its own. Once the
/// check gives a reason, the program is ended (SIGTERM, SIGKILL after a grace)
/// so that the job ends within seconds, rather than with a program that waits
/// forever for what is gone (a worker for its parameter server, mpirun for a
/// host whose sshd died).
///
/// Errors: none of its own; the check must not throw.

#include "runners/executor.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace smtrain::runners {

class DaemonWatch {
public:
    /// Why the program cannot go on, or nullopt while it can. Called on the
    /// watch's thread, every `interval`: only that thread uses what it reads
    /// until finish().
    using Check = std::function<std::optional<std::string>()>;

    DaemonWatch(Check check, ProgramStopper end_program, std::chrono::milliseconds interval,
                std::chrono::milliseconds grace);
    ~DaemonWatch() { finish(); }
    DaemonWatch(const DaemonWatch&) = delete;
    DaemonWatch& operator=(const DaemonWatch&) = delete;

    /// Ends the watch (the program is over) and returns the check's reason, if it gave one.
    std::optional<std::string> finish();

private:
    void watch();

    const Check check_;
    const ProgramStopper end_program_;
    const std::chrono::milliseconds interval_;
    const std::chrono::milliseconds grace_;
    std::mutex mutex_;
    std::condition_variable changed_;
    bool program_over_ = false;
    std::optional<std::string> reason_;
    std::thread thread_;  // last: it starts once the members it uses exist
};

}  // namespace smtrain::runners
