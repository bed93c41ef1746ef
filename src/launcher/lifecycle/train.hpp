// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// `sm-train train`: the toolkit's trainer.train(), step by step.
///
/// Errors (the lifecycle's convention: a step throws smtrain::Error carrying its
/// ExitCode for a failure of sm-train's own; run_train's steps turn every
/// exception into the one Outcome that report() writes); run_train itself
/// returns the exit code and never throws, with --dry-run too.

#include "launcher/lifecycle/env_format.hpp"
#include "process/signals.hpp"
#include "process/stop.hpp"

#include <smtrain/environ.hpp>

namespace smtrain::launcher {

struct TrainOptions {
    bool dry_run = false;  ///< plan only: print what would run, run nothing, write nothing
    bool json = false;     ///< --dry-run output as JSON
    /// After the report, log the end-of-job block (Settings::timeline) and the
    /// exit code in it: `sm-train train` does, `sm-train local` does not.
    bool timeline = false;
};

/// Who owns the signals for the whole run: the block installed first thing in
/// main(), the stop request every step looks at, and the listener that fills it
/// while no supervisor runs (nullptr: nobody takes stop signals between programs).
struct Lifecycle {
    const process::SignalBlock& signals;
    process::StopRequest& stop;
    process::StopListener* listener = nullptr;
};

/// Runs the job and returns sm-train's exit code: the program's (128+N when
/// killed by signal N) or the ExitCode of sm-train's own failure. Writes
/// output/success or output/failure, once, at the end. Never returns 0 after
/// a failure. The steps (load, prepare code, install, wait for hosts, launch,
/// supervise, final sync) each return into one Outcome that report() writes;
/// see docs/architecture.md. With --dry-run it only plans: the same load and
/// plan, then the plan printed; a failure is its one line on stderr, nothing is
/// written and no timeline logged. Never throws.
int run_train(const TrainOptions& options, const Lifecycle& lifecycle, const Environ& environ);

/// `sm-train env`: prints the exported variables. Returns the exit code.
int run_env(EnvFormat format, const Environ& environ);

}  // namespace smtrain::launcher
