// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// `sm-train --dry-run`: the job planned (plan_only(), train.hpp) and the plan
/// printed: runner, entry point, working directory, install step, command and
/// environment, as text or JSON.
///
/// Errors: run_dry_run never throws; a job that cannot be planned is its one
/// line on stderr and its exit code, and nothing is written.

#include "launcher/lifecycle/train.hpp"

#include <smtrain/environ.hpp>

namespace smtrain::launcher {

enum class PlanFormat { Text, Json };

/// Plans the job in `environ` and prints the plan to stdout. Returns the exit
/// code: 0, or that of the failure that kept the job from being planned.
int run_dry_run(PlanFormat format, const Lifecycle& lifecycle, const Environ& environ);

}  // namespace smtrain::launcher
