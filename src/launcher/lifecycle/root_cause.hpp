// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The process that failed first, and why, from what the launchers print when
/// a job fails: torchrun's "Root Cause (first observed failure)" summary (fed
/// by the workers' TORCHELASTIC_ERROR_FILE, which `@record` writes), Open MPI's
/// "The first process to do so was" / "exited on signal" reports and its rank
/// tags, or the plain program's own last error line. Then the failure's class
/// (failure_class.hpp) goes in front of it.
///
/// Pure: text in, a value out. Errors: none; what cannot be recognised is nullopt.

#include "launcher/lifecycle/failure_class.hpp"

#include "runners/plan.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtrain::launcher {

struct RootCause {
    std::string host;               ///< the SageMaker host name (algo-2)
    std::optional<int> rank;        ///< global rank, when a launcher names one
    std::optional<int> local_rank;  ///< rank on its host
    /// Ranks that may have failed first when their shared output cannot tell
    /// them apart (torchrun without error files: `@record` gives them).
    std::vector<int> candidates;
    int exit_code = 1;  ///< its exit code; 128+N when killed by signal N
    int signal = 0;     ///< N when killed by signal N
    std::string error;  ///< its own decisive error line(s), one line
    FailureClass failure_class = FailureClass::Unknown;

    /// `[Class: ]rank 1 (local rank 0) on algo-2 exited with code 1: ValueError: ...`,
    /// or `the program on algo-1 was killed by SIGKILL`. One line.
    std::string to_string() const;
};

/// The first failure in the stderr `tail` of a launcher of kind `kind` that
/// ended with `exit_code` / `term_signal` on host `host`; nullopt when the tail
/// names none (the caller keeps the toolkit's message). `local_workers`: how
/// many workers torchrun ran on this host (`--nproc_per_node`; 0: unknown):
/// with one, every worker line of its stderr is that worker's.
std::optional<RootCause> find_root_cause(runners::RunnerKind kind, std::string_view tail,
                                         const std::string& host, int exit_code, int term_signal,
                                         int local_workers = 0);

/// A failed worker of torchrun's summary, and its own last lines of
/// torchrun's stderr where they can be told apart from the other workers'.
struct TorchrunFailure : RootCause {
    /// Its last lines (RankLines::kLastLines, each cut at kLineBytes), its
    /// prefixes removed, from the same reading of the output that gives it its
    /// error line; empty when its lines cannot be told apart.
    std::vector<std::string> last_lines;
    /// How they were told apart: "its rank-prefixed lines" (torch's `[rankN]:`,
    /// `[defaultN]:`), "the lines of the host's only worker"; empty when not.
    std::string lines_from;
};

/// Every failed worker of the last torchrun `ChildFailedError` summary in
/// `tail` (the root cause and the other failures), each with its rank, local
/// rank, exit code or signal, and its own error line where it can be told
/// apart (its error file's exception, its rank-prefixed lines, the lines of a
/// host's only worker, the one error of a shared stderr that is not a
/// collective one), and its own last lines where those can be told apart (its
/// rank-prefixed lines, the lines of a host's only worker); in the summary's
/// order. Empty when there is no summary.
std::vector<TorchrunFailure> torchrun_failures(std::string_view tail, const std::string& host,
                                               int local_workers = 0);

/// `--nproc_per_node N` (or `=N`, `--nproc-per-node`) of a torchrun command
/// line; 0 when absent or not a number.
int torchrun_local_workers(const std::vector<std::string>& argv);

/// The decisive line of a Python traceback or error output: the last line that
/// reads like an exception (`pkg.SomeError: text`, `KeyboardInterrupt`), else
/// the last non-empty line; empty for empty text.
std::string decisive_line(std::string_view text);

}  // namespace smtrain::launcher
