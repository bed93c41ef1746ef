// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// What one host's sm-train tells the others on the failure-exchange and
/// hang-notice ports (host_ports.hpp): the words on the wire, in one place.
/// The launcher's failure exchange (src/launcher/lifecycle/failure_exchange.hpp)
/// writes and reads them for torchrun, the plain process and an MPI master's
/// failed job; the MPI and parameter-server choreography here reads them.
///
/// Errors: none; text that is not an announcement parses to nothing.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace smtrain::runners {

/// What a host's own first failure is to the job. The job's first failure is a
/// host's own Failure, else a Hang, else (nothing better heard) each host's own.
enum class CauseKind {
    Failure,      ///< a process failed on its own (an exception, an exit code)
    Consequence,  ///< a collective that lost its peer: another host's failure or hang came first
    Hang,         ///< the host's hang watchdog fired (its line names the host)
};

struct Announced {
    std::string cause;  ///< the host's one line: its root cause, or its hang reason
    CauseKind kind = CauseKind::Failure;
    /// When that host's program ended (ms since the epoch), when it said.
    std::optional<std::int64_t> ended_at_ms;
};

/// The text a host announces: "<0|1|2> <cause>" (Failure, Consequence, Hang),
/// or "<0|1|2>@<ms since the epoch> <cause>" with the time its program ended.
std::string announcement(CauseKind kind, const std::string& cause,
                         std::optional<std::int64_t> ended_at_ms = std::nullopt);

/// Parses what another host announced; nothing when it is not an announcement
/// (a daemon's death is announced as its plain reason, with no kind).
std::optional<Announced> parse_announcement(const std::string& text);

/// An MPI master whose watchdog fired asks each worker, on the hang-notice
/// port, for the stacks of its ranks (which mpirun cannot reach without ending
/// the job): "stacks? <master>". A worker answers once its ranks were asked:
/// "stacks <worker> <how many ranks>", sent back on the master's same port.
std::string stacks_request(const std::string& from_host);
/// The host that asks; nothing when `text` is not a request.
std::optional<std::string> parse_stacks_request(const std::string& text);

struct StacksWritten {
    std::string host;   ///< the worker whose ranks were asked
    std::size_t ranks;  ///< how many of them were sent SIGABRT
};
std::string stacks_written(const std::string& host, std::size_t ranks);
std::optional<StacksWritten> parse_stacks_written(const std::string& text);

}  // namespace smtrain::runners
