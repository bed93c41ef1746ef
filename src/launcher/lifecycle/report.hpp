// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// output/success and output/failure, as the toolkit writes them.
///
/// SageMaker shows the first 1024 characters of output/failure as the job's
/// FailureReason. The failure file is written atomically (temp file, fsync,
/// link, directory fsync) and an existing one is never replaced: a program may
/// write its own reason. The success file is empty, so creating it is atomic.
///
/// Errors: report() and report_early() never throw: a report that cannot be
/// written is said on stderr and the exit code becomes CannotWrite (73). The
/// writers below throw Error(CannotWrite) naming the file; write_failure_file's
/// false is not an error (a program left its own reason, which is kept).

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace smtrain::launcher {

/// The toolkit's _CalledProcessError text:
/// `<error_class>:\nExitCode N\nErrorMessage "..."\n[ExtraInfo "..."\n]Command "..."`,
/// with surrounding whitespace stripped as the toolkit's str() does.
struct ProcessFailure {
    std::string error_class = "ExecuteUserScriptError";  ///< InstallRequirementsError, InstallModuleError
    int exit_code = 1;
    std::string error_message;
    std::optional<std::string> extra_info;
    std::string command;  ///< argv joined with spaces

    std::string to_string() const;
};

/// How a job ended, whatever ended it: what report() writes and the exit code.
/// Every step of `sm-train train` returns into one of these.
struct Outcome {
    /// sm-train's exit code: 0, the program's, or an ExitCode of sm-train's own failure.
    int exit_code = 0;
    /// A program or install step that failed: the toolkit-format report.
    std::optional<ProcessFailure> process_failure;
    /// A failure of sm-train itself (a bad config, a stop before the program, a
    /// lost intermediate upload): "sm-train: <what>", on stderr and in output/failure.
    std::optional<std::string> own_failure;

    bool success() const { return exit_code == 0 && !process_failure && !own_failure; }
    static Outcome succeeded() { return {}; }
    /// `code` 0 becomes Failure (1): sm-train never exits 0 after a failure.
    static Outcome own(std::string what, int code);
    static Outcome process(ProcessFailure failure);
    /// A failure sm-train found in the program that the toolkit has no format
    /// for (a hang): `text` as it is, several lines allowed, on stderr and in
    /// output/failure. `code` 0 becomes Failure (1).
    static Outcome found(std::string text, int code);
};

/// Turns the outcome into output/success or output/failure (under `output_dir`,
/// when known) and returns sm-train's exit code. An own failure is also one
/// line on stderr. A report that cannot be written (read-only or full output
/// dir, a directory in the way) is said on stderr with the report's text, and
/// the exit code becomes CannotWrite (73). Never throws.
int report(const Outcome& outcome, const std::optional<std::filesystem::path>& output_dir);

/// Writes the failure report of `outcome` now, before the job is over (the grace
/// period ran out: the report must be on disk before the platform's SIGKILL).
/// report() keeps it. Never throws.
void report_early(const Outcome& outcome, const std::filesystem::path& output_dir);

/// The ExtraInfo the toolkit gives exit code 137.
inline constexpr std::string_view kSigkillExtraInfo = "OutOfMemory: Process killed by SIGKILL (signal 9)";

/// Writes an empty output/success (creating output/ if needed). Throws Error(CannotWrite).
void write_success_file(const std::filesystem::path& output_dir);

/// Writes output/failure unless it exists. Returns false when it existed.
/// Throws Error(CannotWrite) when it cannot be written.
bool write_failure_file(const std::filesystem::path& output_dir, std::string_view text);

/// Writes `path` atomically: a temp file beside it, fsync, then link() (so an
/// existing file is kept when `replace` is false) or rename(), then fsync of
/// the directory. Returns false when `path` existed and `replace` is false.
bool write_file_atomically(const std::filesystem::path& path, std::string_view content, bool replace);

}  // namespace smtrain::launcher
