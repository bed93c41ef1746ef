// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The hosts of a failed job tell each other their root cause, so that every
/// host's report names the job's first failure, not only its own (with
/// torchrun on two hosts, the host whose rank lost its peer would otherwise
/// report "Connection closed by peer"). Each failed host answers on a TCP port
/// with its root cause for a bounded window while it reads the others'; a host
/// that does not answer within the window is simply not heard.
///
/// Errors: none; what cannot be sent or read is not heard.

#include "root_cause.hpp"

#include "system.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace smtrain::launcher {

struct HeardCause {
    std::string host;
    std::string cause;  ///< that host's RootCause::to_string()
    bool consequence = false;
};

/// The text a host announces: "<0|1> <cause>", 1 when its class says it is a
/// consequence of another failure (a collective that lost its peer).
std::string announcement(const RootCause& own);
/// Parses what another host announced; false when it is not an announcement.
bool parse_announcement(const std::string& text, HeardCause& heard);

/// Announces `own` on `port` for `window` while reading the announcements of
/// `peers` on the same port (every 250 ms, until each answered or the window
/// ends). Returns what was heard, in the order of `peers`.
std::vector<HeardCause> exchange_causes(process::System& system, const RootCause& own,
                                        const std::vector<std::string>& peers, int port,
                                        std::chrono::milliseconds window);

/// The job's first failure as this host knows it: its own cause unless it is a
/// consequence and a peer's is not. Empty when its own is the one.
std::string first_failure_elsewhere(const RootCause& own, const std::vector<HeardCause>& heard);

}  // namespace smtrain::launcher
