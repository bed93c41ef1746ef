// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// What kind of program the entry point is, and the argv that runs it.

#include "process/command.hpp"
#include "runners/plan.hpp"

#include <smtrain/environ.hpp>
#include <smtrain/training_env.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtrain::launcher {

/// The toolkit's decision (_entry_point_type.get): a `.sh` name is a command;
/// else a `setup.py` in the code dir makes a Python package; else `.py` is a
/// Python program; anything else is a command.
runners::EntryKind entry_point_kind(const std::filesystem::path& code_dir, std::string_view name);

/// The name of the setting that forces the interpreter (Settings::python), for messages.
inline constexpr std::string_view kPythonVariable = "SMTRAIN_PYTHON";

/// `forced` (a path, or a name looked up on env's PATH) when not empty, else
/// the first of `python3`, `python` on env's PATH.
/// Throws Error(NotFound) naming what was searched.
std::filesystem::path find_python(const std::string& forced, const Environ& env);

/// The program with its arguments, as the toolkit's ProcessRunner builds it
/// (the argv is runners::program_argv's):
/// - Python package: `python -m <name without .py> args...`
/// - Python program: `python <name> args...`
/// - Python module (ours): `python -m <name> args...`
/// - command: `./<name> args...`, execve'd as `./<name>` from the code dir so a
///   script's `$0` is `./<name>` (a script without a shebang runs with /bin/sh)
/// `python` is only used (and only needs to be non-empty) for the Python kinds.
process::Command program_command(runners::EntryKind kind, const std::filesystem::path& code_dir,
                                 const std::string& name, const std::vector<std::string>& args,
                                 const std::filesystem::path& python);

/// What the job names as its program, before the code dir is looked at: the
/// entry point (sagemaker_program, or a template's first word; `-m pkg.mod`
/// when a template starts with -m), nullopt when neither names one, and the
/// arguments in `style` (a template's other words). Throws ConfigError as
/// render_arguments does.
struct ProgramWords {
    std::optional<std::string> entry_point;
    std::vector<std::string> args;
};
ProgramWords program_words(const TrainingEnv& env, const ArgumentStyle& style);

/// The install step the toolkit runs first, if any:
/// - Python package: `python -m pip install .` plus `-r requirements.txt` when present
/// - Python program with requirements.txt: `python -m pip install -r requirements.txt`
/// - Python module: as a package when the code dir has setup.py, else as a program
struct InstallStep {
    process::Command command;
    std::string error_class;          ///< InstallModuleError / InstallRequirementsError
    bool reads_requirements = false;  ///< "-r requirements.txt": CA_REPOSITORY_ARN applies
    std::string secret;               ///< in the argv, never shown (a CodeArtifact token)
    /// Set on top of the program's environment for this step only.
    std::vector<std::pair<std::string, std::string>> env;
};
std::optional<InstallStep> install_step(runners::EntryKind kind, const std::filesystem::path& code_dir,
                                        const std::filesystem::path& python);

/// An addition (the toolkit has none): on a warm pool, SageMaker keeps
/// $SAGEMAKER_MANAGED_WARMPOOL_CACHE_DIRECTORY from one job to the next. When it
/// is set (non-empty) and the job did not set PIP_CACHE_DIR, the install step
/// gets PIP_CACHE_DIR=<that dir>/pip, so the next job's install reads pip's cache.
void use_warm_pool_pip_cache(InstallStep& step, const Environ& environ);

}  // namespace smtrain::launcher
