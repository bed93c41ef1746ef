// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// SAGEMAKER_TRAINING_MODULE ("pkg.mod:func"): how framework images run the job,
/// with the error handling of the toolkit's trainer.train() around the call.
///
/// Errors (the lifecycle's convention: a step throws smtrain::Error carrying its
/// ExitCode for a failure of sm-train's own; run_train's steps turn every
/// exception into the one Outcome that report() writes): ConfigError for
/// a bad module value; the module's own failure is its exit code.

#include "launcher/lifecycle/entry_point.hpp"

#include <filesystem>
#include <string>

namespace smtrain::launcher {

/// `python -c <fixed code> pkg.mod func <failure file>`: imports the module and
/// calls the function, the names travelling in argv (never spliced into the
/// code) and removed before the function runs. When the function raises:
/// - the toolkit's ClientError (ExecuteUserScriptError, ImportModuleError, ...,
///   found by class name and module in the exception's MRO): `str(e)` is the
///   failure message and the exit code is 1;
/// - any other Exception: `Framework Error: \n<traceback>\n<str(e)>`
///   (`SMTrainingCompiler Error: ` when the traceback names one of the
///   toolkit's SM_TRAINING_COMPILER_PATHS), exit code `int(e.errno)` when the
///   exception has one that converts, else 1 — and never 0 (errno 0, None,
///   or a multiple of 256, where the toolkit can exit 0, give 1).
/// The message is logged on stderr and written to `failure_file` unless that
/// exists already (the toolkit's write_failure_file), so sm-train keeps it.
/// SystemExit and KeyboardInterrupt pass through unchanged.
/// Throws ConfigError when the value is not `module:function`.
process::Command framework_command(const std::string& training_module, const std::filesystem::path& python,
                                   const std::filesystem::path& failure_file);

}  // namespace smtrain::launcher
