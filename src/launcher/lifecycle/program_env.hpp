// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The environment the user program runs with.
///
/// Errors: none; these are values.

#include <smtrain/environ.hpp>
#include <smtrain/training_env.hpp>

#include <filesystem>

namespace smtrain::launcher {

/// What sm-train adds to its own environment for the program, in order:
/// every SM_* variable (TrainingEnv::to_env_vars()), SAGEMAKER_JOB_NAME /
/// CURRENT_HOST / SAGEMAKER_REGION (toolkit_process_env_vars()), what the
/// framework containers add (runners::framework_env_vars(): TF_CONFIG, NCCL_*, MASTER_*), and
/// PYTHONPATH with the code dir in front of the inherited value, and PWD (the
/// code dir, where every program starts, as the toolkit's shell sets it).
/// SM_USER_ARGS holds the arguments the program gets: to_cmd_args() as the
/// toolkit's, or the arguments in `style` (SMTRAIN_ARGS) when another is chosen.
EnvVars exported_variables(const TrainingEnv& env, const Environ& parent,
                           const std::filesystem::path& code_dir, const ArgumentStyle& style = {});

/// The parent environment with exported_variables() laid over it.
Environ program_environment(const TrainingEnv& env, const Environ& parent,
                            const std::filesystem::path& code_dir);

/// The same, from variables already computed by exported_variables() (the
/// launcher needs them for its log too, and rendering them twice costs).
Environ program_environment(const Environ& parent, const EnvVars& exported);

}  // namespace smtrain::launcher
