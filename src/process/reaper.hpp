// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The one place sm-train collects its children (the only waitpid of the
/// layers above libsmtrain).
///
/// As PID 1 or a subreaper, sm-train inherits every orphan below it, and a
/// waitpid(-1) that reaps them also reaps children someone else is waiting for
/// by pid: the supervisor's loop would take the status of a parameter server or
/// an sshd the runner is about to stop. So there is one collector: it reaps
/// whatever has ended and keeps the status of the children that were started
/// with spawn() (each is watched from the moment it exists), until their owner
/// takes it. Orphans' statuses are dropped.
///
/// Errors: none of these throw; a status never collected stays unknown (nullopt).

#include <sys/types.h>

#include <chrono>
#include <mutex>
#include <optional>

namespace smtrain::process {

class Reaper {
public:
    /// Reaps every child that has ended (waitpid(-1, WNOHANG) until none is
    /// left) and keeps the raw wait status of the watched ones. Returns how
    /// many it reaped.
    static int collect();
    /// The raw wait status of watched child `pid` once it has ended, taken (a
    /// second call returns nullopt); nullopt while it runs. Collects first.
    static std::optional<int> take(pid_t pid);
    /// take() every 10 ms until `deadline`; nullopt if `pid` still runs then.
    static std::optional<int> wait_until(pid_t pid, std::chrono::steady_clock::time_point deadline);

    /// Held by spawn() from before the child exists until watch(): no collect()
    /// on another thread can reap it unseen in between.
    static std::unique_lock<std::mutex> hold();
    /// Starts keeping the status of `pid`; the caller holds hold().
    static void watch(pid_t pid, const std::unique_lock<std::mutex>& held);
};

/// The exit code a shell reports for a raw wait status: the code, or 128+N
/// when killed by signal N (1 for anything else).
int exit_code_of(int wait_status);

}  // namespace smtrain::process
