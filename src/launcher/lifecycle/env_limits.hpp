// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// Fitting the program's argv and environment into what execve accepts.
///
/// Linux refuses one argument or environment string longer than MAX_ARG_STRLEN
/// (32 pages: 131072 bytes with its NUL) and argv plus envp larger than ARG_MAX
/// (a quarter of the stack limit, at most 6 MiB, at least 128 KiB; pointers count).
/// A cluster of thousands of hosts or a large hyperparameter set makes SM_HOSTS,
/// SM_RESOURCE_CONFIG, SM_HPS or SM_TRAINING_ENV that large, and the Python toolkit
/// then cannot start the program at all (E2BIG). sm-train writes such a value to a
/// file and gives the program `<NAME>_FILE=<path>` instead, with a warning naming
/// it. An argv that cannot fit is an error before anything runs.
///
/// Errors (the lifecycle's convention: a step throws smtrain::Error carrying its
/// ExitCode for a failure of sm-train's own; run_train's steps turn every
/// exception into the one Outcome that report() writes): Error(BadConfig)
/// naming the argument or variable over the kernel's limit.

#include <smtrain/environ.hpp>

#include <cstddef>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace smtrain::launcher {

/// What execve accepts (fs/exec.c).
struct ExecLimits {
    /// MAX_ARG_STRLEN: the longest string, its NUL included ("NAME=value\0", "arg\0").
    std::size_t max_string = 32 * 4096;
    /// ARG_MAX as the kernel computes it: strings (program path, argv, envp, each with
    /// its NUL) plus one pointer per argv and envp entry.
    std::size_t max_total = 2 * 1024 * 1024;

    /// The limits for a program started by this process (from RLIMIT_STACK).
    static ExecLimits of_this_process();
};

/// One variable the program gets as a file.
struct SpilledVariable {
    std::string name;                ///< e.g. SM_TRAINING_ENV; the program gets SM_TRAINING_ENV_FILE
    std::filesystem::path file;      ///< holds the value, byte for byte, no newline added
    std::size_t bytes = 0;           ///< size of the value
    bool over_string_limit = false;  ///< false: moved only to bring the total under ARG_MAX
};

/// Bytes execve counts for this program, argv and environment (see ExecLimits::max_total).
std::size_t exec_size(const std::filesystem::path& program, const std::vector<std::string>& argv,
                      const Environ& env);

/// Whether `program` + `argv` + `env` already fit `limits`, with the margin
/// fit_exec_limits keeps: then it would change nothing and throw nothing.
bool fits_exec_limits(const std::filesystem::path& program, const std::vector<std::string>& argv,
                      const Environ& env, const ExecLimits& limits);

/// Makes `program` + `argv` + `env` fit `limits`, editing `env`:
///  - every variable named in `movable` whose "NAME=value" is over max_string is written to
///    `<dir>/<NAME>` and replaced by `NAME_FILE=<dir>/<NAME>`;
///  - while the total is still over max_total, the largest remaining `movable` variables
///    are moved the same way.
/// `dir` is a fresh private directory (mode 0700) made under `spill_parent` on first use.
/// Variables outside `movable` (the parent's own environment) are never touched.
/// Throws Error (ExitCode::BadConfig) naming the problem when an argument is over
/// max_string, or when the total cannot be brought under max_total; nothing has run then.
std::vector<SpilledVariable> fit_exec_limits(const std::filesystem::path& program,
                                             const std::vector<std::string>& argv, Environ& env,
                                             const std::set<std::string, std::less<>>& movable,
                                             const std::filesystem::path& spill_parent,
                                             const ExecLimits& limits = ExecLimits::of_this_process());

/// The suffix of the variable that replaces a moved one.
inline constexpr const char* kFileSuffix = "_FILE";

}  // namespace smtrain::launcher
