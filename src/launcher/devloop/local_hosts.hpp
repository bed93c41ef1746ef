// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// `sm-train local --hosts N`: the N hosts of a job on this machine, each in a
/// network namespace of its own where its name (algo-K) resolves, joined by a
/// bridge in one more namespace. Nothing outside those namespaces is touched.
///
/// Errors (the lifecycle's convention: a step throws smtrain::Error carrying its
/// ExitCode for a failure of sm-train's own; run_train's steps turn every
/// exception into the one Outcome that report() writes):
/// Error(Unavailable) saying what is missing (root, `ip`, a namespace).

#include "launcher/devloop/host_wait.hpp"
#include "launcher/lifecycle/train.hpp"

#include <smtrain/environ.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace smtrain::launcher {

struct LocalHost {
    std::string name;            ///< algo-K, its host name inside its namespaces
    std::filesystem::path base;  ///< its /opt/ml tree
    std::filesystem::path log;   ///< its output, or "" to share sm-train's stdout and stderr
};

/// Throws Error(ExitCode::Unavailable) saying what is missing when this process
/// cannot make network namespaces: not root (CAP_SYS_ADMIN, CAP_NET_ADMIN), not
/// Linux, or no `ip` (iproute2).
void check_local_hosts_possible(std::size_t count);

/// Runs `sm-train train` for every host inside its namespaces (network, mount,
/// UTS; /etc/hosts private), forwards SIGTERM/SIGINT to them, waits for all and
/// removes the namespaces. Returns each host's exit code (128+N when killed by N).
/// With `interruption`, the hosts are interrupted as SageMaker interrupts a job
/// (host_wait.hpp); `*interrupted` says whether that happened before they ended.
/// Throws Error(Unavailable) when the namespaces cannot be made.
std::vector<int> run_local_hosts(const std::vector<LocalHost>& hosts, const std::filesystem::path& work,
                                 const Lifecycle& lifecycle, const Environ& environ,
                                 const std::optional<Interruption>& interruption = std::nullopt,
                                 bool* interrupted = nullptr);

}  // namespace smtrain::launcher
