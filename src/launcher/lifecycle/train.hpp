// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// `sm-train train`: the toolkit's trainer.train(), step by step.
///
/// Errors (the lifecycle's convention: a step throws smtrain::Error carrying its
/// ExitCode for a failure of sm-train's own; run_train's steps turn every
/// exception into the one Outcome that report() writes); run_train itself
/// returns the exit code and never throws, and plan_only returns its Outcome.

#include "launcher/lifecycle/host_plan.hpp"
#include "launcher/lifecycle/report.hpp"
#include "process/signals.hpp"
#include "process/stop.hpp"

#include <smtrain/environ.hpp>

#include <optional>

namespace smtrain::launcher {

struct TrainOptions {
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
/// see docs/architecture.md. Never throws.
int run_train(const TrainOptions& options, const Lifecycle& lifecycle, const Environ& environ);

/// What plan_only() found: the plan, or none and the Outcome that says why (a
/// failure of sm-train's own: a bad setting or configuration, no program, a stop).
struct PlannedHost {
    Outcome outcome;
    std::optional<HostPlan> plan;  ///< set exactly when outcome.success()
};

/// run_train's planning steps alone (the same Settings, load and plan, on the
/// code where it would come from, since nothing is fetched), for a caller to
/// show: fetches, writes, installs and runs nothing, logs no timeline and
/// becomes no subreaper. Never throws.
PlannedHost plan_only(const Lifecycle& lifecycle, const Environ& environ);

}  // namespace smtrain::launcher
