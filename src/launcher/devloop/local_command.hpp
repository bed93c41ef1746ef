// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// `sm-train local [init flags] [-- --name value ...]`: "run my job now". A
/// throwaway tree from the init flags, the job run through the normal `train`
/// path, and a summary of where the model, output and failure files are.
///
/// Errors (the lifecycle's convention: a step throws smtrain::Error carrying its
/// ExitCode for a failure of sm-train's own; run_train's steps turn every
/// exception into the one Outcome that report() writes): Error(Usage)
/// naming the flag at fault, Error(Unavailable) for several hosts where
/// namespaces cannot be made.

#include "launcher/devloop/tree_flags.hpp"
#include "launcher/lifecycle/train.hpp"

#include <smtrain/environ.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace smtrain::launcher {

struct LocalOptions {
    TreeFlags tree;
    bool keep = false;              ///< keep the tree after a success too
    std::string output;             ///< copy model/ and output/ here
    std::vector<std::string> args;  ///< after `--`: --name value, more hyperparameters
    /// --interrupt-after DURATION: interrupt the job as a spot interruption does,
    /// then run it again on a fresh tree with its checkpoints (docs/checkpoints.md).
    std::string interrupt_after;
    /// --interruptions K (default 1): how many times.
    int interruptions = 1;
};

/// "30s", "500ms", "2m", "1.5" (seconds) as a duration; Error(Usage) naming --interrupt-after.
std::chrono::milliseconds parse_interrupt_after(const std::string& text);

/// Runs the job; returns its exit code (sm-train train's). The tree is kept when
/// the job failed or with --keep. Throws Error(Usage) naming the flag at fault,
/// Error(Unavailable) when --hosts N > 1 cannot have network namespaces.
int run_local(const LocalOptions& options, const Lifecycle& lifecycle, const Environ& environ);

}  // namespace smtrain::launcher
