// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// sm-train's log: spdlog, synchronous, on stderr, in the toolkit's format
/// (`2024-05-01 12:00:00,123 sm-train     INFO     message`).

#include <smtrain/value.hpp>

namespace smtrain::launcher {

/// Python logging level from `sagemaker_container_log_level`: a number
/// (10 DEBUG, 20 INFO, 30 WARNING, 40 ERROR, 50 CRITICAL) or a level name;
/// 20 for anything else.
int python_log_level(const Value& level);

/// Installs the default logger at a Python level.
void configure_logging(int python_level);

}  // namespace smtrain::launcher
