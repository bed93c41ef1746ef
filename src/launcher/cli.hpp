// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// sm-train's command line (CLI11).

#include "signals.hpp"

namespace smtrain::launcher {

/// Parses the command line and runs the command; returns the exit code.
int run_cli(int argc, char** argv, const SignalBlock& signals);

}  // namespace smtrain::launcher
