// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// What sm-train hands the runners' choreography: the host's side effects
/// (process::System) and an executor that runs a program under sm-train's
/// supervision. The runners never start or supervise the program themselves.
///
/// Errors: the executor passes on the SpawnError of a program that cannot
/// start; a program's failure is its exit status.

#include "process/supervisor.hpp"
#include "process/system.hpp"
#include "runners/plan.hpp"

#include <functional>

namespace smtrain::runners {

/// Runs the program to its end and returns its exit status (128+N when
/// killed by signal N). sm-train supplies its supervisor here (signal
/// forwarding, the stderr tail, reports); `rewriter`, when set, is applied to
/// every line of stdout and stderr.
using ProgramExecutor = std::function<int(const Launch& launch, const process::LineRewriter& rewriter)>;

/// Sends `signo` to the program the executor runs now (its process group); a
/// no-op when none runs. How a daemon the program needs that died ends it: the
/// runners decide when, sm-train's launcher knows the process.
using ProgramStopper = std::function<void(int signo)>;

}  // namespace smtrain::runners
