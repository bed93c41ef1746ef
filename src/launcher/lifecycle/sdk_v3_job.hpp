// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// A job the SageMaker Python SDK v3 started (docs/sdk-v3.md), as sm-train
/// runs it: `SourceCode(command="exec sm-train")` after the SDK's sm_train.sh
/// (command mode), or sm-train as the ENTRYPOINT of a HyperparameterTuner
/// trial (the tuner path). runners::v3 says what the SDK's drivers would run;
/// this adds where the code is, the requirements step and the runner.
///
/// Errors: ConfigError for the SDK's JSON files; Error(NoProgram) for a job
/// with no entry script.

#include "launcher/lifecycle/entry_point.hpp"

#include "runners/sdk_v3.hpp"

#include <smtrain/environ.hpp>
#include <smtrain/training_env.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace smtrain::launcher {

struct SdkV3Job {
    runners::v3::JobFiles job;
    /// The SDK's sm_train.sh ran first (its variables are in the environment)
    /// and started sm-train as its command: it has installed the requirements.
    bool after_sdk_script = false;
    /// The tuner path: code from sagemaker_submit_directory into /opt/ml/code.
    bool from_submit_directory = false;
    std::filesystem::path code_dir;  ///< where the program starts
    std::string entry_script;
    std::vector<std::string> args;  ///< hyperparameter_args()
    EnvVars variables;              ///< environment.py's, then PWD
};

/// The v3 job of this tree, or nullopt (sdk_v3.hpp's read_job). `environ` is
/// sm-train's environment.
std::optional<SdkV3Job> sdk_v3_job(const TrainingEnv& env, const Environ& environ);

/// The program as the job's driver would start it (Basic and Torchrun; an MPI
/// job's master command is in mpi_plan()). `python` is the interpreter found.
process::Command sdk_v3_command(const SdkV3Job& v3, const TrainingEnv& env, const Environ& program_env,
                                const std::filesystem::path& python, EnvVars& driver_env);

/// The variables the job's driver sets for the program besides environment.py's
/// (torchrun_driver.py's NCCL_SOCKET_IFNAME, NCCL_PROTO and the EFA ones; none
/// for the basic and MPI drivers): what `sm-train env` adds to `variables`.
EnvVars sdk_v3_driver_variables(const SdkV3Job& v3, const TrainingEnv& env, const Environ& environ);

/// Each of `more` into `vars`: a name `vars` has takes the new value in place,
/// a new one is appended (as the driver's os.environ assignments).
void merge_variables(EnvVars& vars, const EnvVars& more);

/// `python -m pip install -r <requirements>` in the code dir (the SDK's
/// install_requirements.py), for the tuner path; none in command mode, where
/// sm_train.sh installed them before sm-train started.
std::optional<InstallStep> sdk_v3_install(const SdkV3Job& v3, const std::filesystem::path& python);

/// SMTRAIN_SDK_V3_VARIABLES on a v2-style job: adds the SDK v3's names that
/// `vars` (the v2 toolkit's, with sm-train's SM_HOST_COUNT, SM_CURRENT_HOST_RANK,
/// SM_MASTER_ADDR, SM_MASTER_PORT) lacks, with the v3 values: SM_INPUT_DATA_DIR,
/// SM_OUTPUT_FAILURE, SM_SOURCE_DIR (the code dir), SM_ENTRY_SCRIPT, and
/// SM_HP_<KEY>/SM_CHANNEL_<NAME> with every
/// character a shell cannot take in a name as `_` (SM_HP_MODEL_LR beside the
/// toolkit's SM_HP_MODEL.LR). A name `vars` has keeps its v2 value.
void add_sdk_v3_names(EnvVars& vars, const TrainingEnv& env, const Environ& environ,
                      const std::filesystem::path& code_dir);

/// What sm-train exports for a job that is not an SDK v3 driver's, the same for
/// the job's plan and for `sm-train env`: exported_variables() (program_env.hpp),
/// then, with SMTRAIN_SDK_V3_VARIABLES (`v3_names`), add_sdk_v3_names().
EnvVars v2_job_variables(const TrainingEnv& env, const Environ& environ,
                         const std::filesystem::path& code_dir, const ArgumentStyle& arguments,
                         bool v3_names);

}  // namespace smtrain::launcher
