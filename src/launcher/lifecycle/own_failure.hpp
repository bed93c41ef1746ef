// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// sm-train's own failures: the one mapping from what a command threw to the
/// line it says and the exit code it returns, for every command (`train`,
/// `env`, `init`, `local`). A failing program's code is the program's and
/// never goes through here.
///
/// Errors: none thrown.

#include <exception>
#include <string>

namespace smtrain::launcher {

struct OwnFailure {
    /// `e.what()`; "internal error: <what>" for anything that is not an
    /// smtrain::Error (a bug: nothing below throws those on purpose).
    std::string message;
    /// The Error's ExitCode; Failure (1) where that is 0, so sm-train never
    /// exits 0 after a failure; Internal (70) for anything not an Error.
    int exit_code = 1;

    static OwnFailure of(const std::exception& e);
};

/// `code`, or Failure (1) where it is 0: the exit code of an own failure.
int own_exit_code(int code);

}  // namespace smtrain::launcher
