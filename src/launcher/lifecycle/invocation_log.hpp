// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The toolkit's "Invoking user script" log block, with secrets masked.
///
/// Errors: none; these are renderings of values.

#include <smtrain/training_env.hpp>
#include <smtrain/value.hpp>

#include <string>
#include <string_view>

namespace smtrain::launcher {

/// What a masked value is shown as.
inline constexpr std::string_view kMask = "****";

/// Replaces every occurrence of `secret` in `text` by kMask (none when it is empty).
void mask_all(std::string& text, std::string_view secret);

/// Whether a variable or key name looks like it holds a secret: its upper-case
/// form contains SECRET, TOKEN, PASSWORD, CREDENTIAL or ACCESS_KEY.
bool is_secret_name(std::string_view name);

/// The block the toolkit logs before starting the program: the Training Env
/// as JSON indented by 4 (property order), the exported variables as
/// NAME=value lines, and the command. Values of secret-looking names are
/// replaced by kMask, and so is every other occurrence of those values in the
/// text (SM_HPS, SM_TRAINING_ENV, the command line).
std::string invocation_message(const Value& training_env, const EnvVars& variables,
                               const std::string& command);

}  // namespace smtrain::launcher
