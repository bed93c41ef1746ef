// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The process layer's vocabulary for what to start: a Command (the path
/// execve gets and its argv) and an environment as envp strings.
///
/// Errors: nothing here throws but std::bad_alloc.

#include <smtrain/environ.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace smtrain::process {

/// One process to start: no shell, no PATH search at exec time.
struct Command {
    std::filesystem::path program;  ///< what execve gets
    std::vector<std::string> argv;  ///< argv[0] included
    /// A file without a shebang runs as `/bin/sh program args...`, as execvp does.
    bool sh_fallback_on_enoexec = false;

    /// argv joined with spaces, as the toolkit logs and reports it.
    std::string to_string() const;
};

/// envp strings ("NAME=value") of an environment, in its (sorted) order.
std::vector<std::string> to_envp(const Environ& env);

/// `name` on `environ`'s PATH (the one search, src/lib/path_search.hpp):
/// empty when it is not there.
std::filesystem::path find_in_path(std::string_view name, const Environ& environ);

}  // namespace smtrain::process
