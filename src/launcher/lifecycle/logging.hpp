// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// sm-train's log: spdlog, synchronous, on stderr, in the toolkit's format
/// (`2024-05-01 12:00:00,123 sm-train     INFO     message`).
///
/// Errors: none; a log line that cannot be written is dropped (and counted
/// by the output sink).

namespace smtrain::launcher {

/// Installs the default logger at a Python level (10 DEBUG, 20 INFO, 30
/// WARNING, 40 ERROR, 50 CRITICAL; TrainingEnv::log_level() gives the job's).
void configure_logging(int python_level);

}  // namespace smtrain::launcher
