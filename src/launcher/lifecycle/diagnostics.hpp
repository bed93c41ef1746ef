// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The diagnostics file of a failed job (issue 21): one JSON document beside
/// the reason, output/data/sm-train-diagnostics.json, so it reaches S3 with the
/// job's output. What failed first and why, the class (or the hang), the exit,
/// the command, the last lines of the launcher's stderr, each rank's own
/// evidence where it can be told apart (rank_evidence.hpp) and the timeline; the values of sm-train's
/// secret-looking variables (invocation_log.hpp's is_secret_name) are masked
/// wherever they appear. Off with SMTRAIN_DIAGNOSTICS=off.
///
/// Errors: none; a file that cannot be written is a warning.

#include "launcher/lifecycle/hang_evidence.hpp"
#include "launcher/lifecycle/rank_evidence.hpp"
#include "launcher/lifecycle/root_cause.hpp"

#include "process/watchdog.hpp"

#include <smtrain/environ.hpp>
#include "lib/json.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace smtrain::launcher {

struct FailureDiagnostics {
    std::string host;
    runners::RunnerKind runner = runners::RunnerKind::Process;
    std::string command;
    int exit_code = 0;
    int term_signal = 0;
    std::optional<RootCause> root_cause;
    std::string first_failure_of_job;  ///< another host's, when it came first (failure_exchange.hpp)
    std::string error_message;         ///< the ErrorMessage of output/failure
    std::string stderr_tail;           ///< the last bytes of the launcher's stderr
    /// The hang watchdog's finding, when it stopped the program (class "Hang").
    std::optional<process::Hang> hang;
    /// Whose stacks the hang asked for, here and on the other hosts (as its reason counts them).
    HangStacks hang_stacks;
    /// The job's timeline up to now (Timeline::value()); null when not given.
    Value timeline;
    /// Each rank's own evidence; empty when none could be told apart.
    std::vector<RankReport> ranks;
};

/// The document, secrets of `environ` masked; its `last_lines` are the last
/// kLastLines lines of the tail.
std::string diagnostics_json(const FailureDiagnostics& d, const Environ& environ);
inline constexpr std::size_t kLastLines = 100;

/// Writes diagnostics_json() to `output_dir`/data/sm-train-diagnostics.json.
void write_diagnostics(const std::filesystem::path& output_dir, const FailureDiagnostics& d,
                       const Environ& environ);

}  // namespace smtrain::launcher
