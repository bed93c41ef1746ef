// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// Waiting for the `sm-train train` processes of `sm-train local` (one per host),
/// and interrupting them as SageMaker does on a spot interruption or at
/// MaxRuntime: SIGTERM to each (the container's PID 1), then, when the stop
/// window ends, SIGKILL to every process of each (the container goes).
///
/// Errors: none thrown.

#include "launcher/lifecycle/train.hpp"

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <vector>

namespace smtrain::launcher {

/// `sm-train local --interrupt-after`: when, and how long the program has to stop.
struct Interruption {
    std::chrono::milliseconds after{};                                  ///< from the start of the hosts
    std::chrono::milliseconds stop_window = std::chrono::seconds(120);  ///< SIGTERM to SIGKILL
};

struct HostProcess {
    pid_t pid = -1;
    int status = 0;  ///< raw wait status, once done
    bool done = false;
};

/// Waits for every host process. A stop signal sm-train gets goes to each and is
/// recorded in the lifecycle's StopRequest; with `interruption`, SIGTERM goes to
/// each at `after` and, any still running when the stop window ends, is killed
/// with all its descendants. Takes the stop signals itself (the listener is
/// paused meanwhile). Returns whether the interruption was sent.
bool wait_for_host_processes(std::vector<HostProcess>& hosts, const Lifecycle& lifecycle,
                             const std::optional<Interruption>& interruption);

/// SIGKILL to `root` and every descendant of it, until none is left.
void kill_process_tree(pid_t root);

}  // namespace smtrain::launcher
