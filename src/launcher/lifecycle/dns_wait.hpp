// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// Waiting until every host of the cluster resolves, as the toolkit does
/// before starting the program (SageMaker's DNS entries appear late).
///
/// Errors (the lifecycle's convention: a step throws smtrain::Error carrying its
/// ExitCode for a failure of sm-train's own; run_train's steps turn every
/// exception into the one Outcome that report() writes): ConfigError for a
/// bad setting; a host that never resolves is a warning, not an error.

#include "process/stop.hpp"

#include <smtrain/environ.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace smtrain::launcher {

/// Settings (settings.hpp) reads the two that SMTRAIN_* variables change.
struct DnsWaitOptions {
    std::chrono::milliseconds first_delay{100};
    std::chrono::milliseconds max_delay{30'000};
    std::chrono::milliseconds give_up_after{15 * 60 * 1000};  ///< per host, as the toolkit's @retry
};

/// Resolves each host in turn, retrying with exponential back-off. Returns
/// false as soon as `stop` is requested (within one lookup: getaddrinfo itself
/// cannot be interrupted, the resolver's own timeouts bound it). Throws
/// Error(Unavailable) naming the host when one never resolves.
bool wait_for_hosts(const std::vector<std::string>& hosts, const DnsWaitOptions& options,
                    const process::StopRequest& stop);

}  // namespace smtrain::launcher
