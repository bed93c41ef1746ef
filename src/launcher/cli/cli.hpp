// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// sm-train's command line (CLI11).
///
/// Errors: run_cli never throws; every error becomes one line on stderr (and,
/// for `train`, output/failure) and its documented exit code.

#include "launcher/lifecycle/train.hpp"

namespace smtrain::launcher {

/// Parses the command line and runs the command; returns the exit code.
/// Before returning, writes what is queued for stdout and stderr while their
/// readers read (giving up after 2 s without progress).
int run_cli(int argc, char** argv, const Lifecycle& lifecycle);

}  // namespace smtrain::launcher
