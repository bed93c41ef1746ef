// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// `which NAME`: the one PATH search of libsmtrain and sm-train (the machine
/// probes, the interpreter, mpirun and torchrun, `ip`). Internal: not installed.

#include <smtrain/environ.hpp>

#include <filesystem>
#include <string>
#include <string_view>

namespace smtrain::detail {

/// Searched when the environment has no PATH. execvp's default would be
/// /bin:/usr/bin; images put pip's console scripts (torchrun) and often
/// Python itself in /usr/local/bin, so it comes first.
inline constexpr std::string_view kDefaultPath = "/usr/local/bin:/usr/bin:/bin";

/// The first executable regular file `name` in `path_list` (":"-separated; an
/// empty entry is the current directory, as for execvp). A name containing '/'
/// is returned as it is, unchecked. Empty when not found; never throws.
std::filesystem::path find_in_path(std::string_view name, std::string_view path_list);

/// The same on `environ`'s PATH, kDefaultPath when it has none.
std::filesystem::path find_in_path(std::string_view name, const Environ& environ);

}  // namespace smtrain::detail
