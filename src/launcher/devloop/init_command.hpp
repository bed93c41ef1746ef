// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// `sm-train init DIR [flags]`: a job's complete /opt/ml tree, as SageMaker and
/// the Python SDK would write it. `SAGEMAKER_BASE_DIR=DIR sm-train train` runs it.
///
/// Errors (the lifecycle's convention: a step throws smtrain::Error carrying its
/// ExitCode for a failure of sm-train's own; run_train's steps turn every
/// exception into the one Outcome that report() writes): Error(Usage)
/// naming the flag at fault, Error(CannotWrite) for the tree.

#include "launcher/devloop/tree_flags.hpp"

#include <string>

namespace smtrain::launcher {

struct InitOptions {
    TreeFlags tree;
    std::string dir;     ///< the tree's base
    bool force = false;  ///< replace a DIR that is not empty
};

/// Writes the tree; returns the exit code. Throws Error(Usage) naming the flag
/// at fault (DIR not empty without --force included), Error(CannotWrite); a
/// failure leaves DIR as it was.
int run_init(const InitOptions& options);

}  // namespace smtrain::launcher
