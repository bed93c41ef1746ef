// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// A snapshot of process environment variables, so that loading is a pure
/// function of its inputs (tests pass their own; programs pass the real one).

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace smtrain {

using Environ = std::map<std::string, std::string, std::less<>>;

/// The current process's environment (`environ`).
Environ current_environ();

/// The value of `name`, or nullopt when unset.
std::optional<std::string> lookup(const Environ& env, std::string_view name);

}  // namespace smtrain
