// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// `sm-train env`: the variables the program would get, printed in a format a
/// shell or tool can load (env_format.hpp).
///
/// Errors: throws what loading the job throws (smtrain::Error with its
/// ExitCode); run_cli turns it into one line on stderr naming the command.

#include "launcher/cli/env_format.hpp"

#include <smtrain/environ.hpp>

namespace smtrain::launcher {

/// Prints the exported variables of the job in `environ` (an SDK v3 job's
/// own, with its driver's) to stdout. Returns the exit code.
int run_env(EnvFormat format, const Environ& environ);

}  // namespace smtrain::launcher
