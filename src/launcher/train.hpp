// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// `sm-train train`: the toolkit's trainer.train(), step by step.

#include "env_format.hpp"
#include "signals.hpp"

#include <smtrain/environ.hpp>

namespace smtrain::launcher {

struct TrainOptions {
    bool dry_run = false;  ///< print what would run, run nothing, write nothing
    bool json = false;     ///< --dry-run output as JSON
};

/// Runs the job and returns sm-train's exit code: the program's (128+N when
/// killed by signal N) or the ExitCode of sm-train's own failure. Writes
/// output/success or output/failure. Never returns 0 after a failure.
int run_train(const TrainOptions& options, const SignalBlock& signals, const Environ& environ);

/// `sm-train env`: prints the exported variables. Returns the exit code.
int run_env(EnvFormat format, const Environ& environ);

/// Reports a failure of sm-train itself: one line on stderr ("sm-train: <what>")
/// and the same line in output/failure when the output dir is known.
void report_own_failure(const std::string& what, const Environ& environ);

}  // namespace smtrain::launcher
