// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// `sm-train env`'s formats: the exported variables in a form a shell or tool can
/// load (the dry run shows its environment and commands the same way).
///
/// Errors: none; these are renderings of values.

#include <smtrain/training_env.hpp>

#include <string>
#include <string_view>

namespace smtrain::launcher {

enum class EnvFormat { Export, Json, Dotenv };

/// `s` in POSIX single quotes, safe for `eval` ('it'"'"'s' style: ' becomes '\'').
std::string shell_quote(std::string_view s);

/// Whether `name` is a valid shell variable name ([A-Za-z_][A-Za-z0-9_]*).
bool is_shell_name(std::string_view name);

/// - Export: `export NAME='value'` lines for `eval "$(sm-train env)"`; a name
///   the shell cannot hold (SM_HP_LEARNING-RATE) becomes a `#` comment line.
/// - Json: one JSON object, in the given order.
/// - Dotenv: `NAME="value"` lines, with \\, \", \$ and \n escaped.
std::string format_variables(const EnvVars& variables, EnvFormat format);

}  // namespace smtrain::launcher
