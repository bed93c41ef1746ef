// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// Jobs of the SageMaker Python SDK v3 (`ModelTrainer` with `source_code`, and
/// its HyperparameterTuner): the `sm_drivers` channel it uploads, and what its
/// drivers (sm_train.sh, scripts/environment.py, distributed_drivers/*) give
/// the program: the environment environment.py exports and the argv of
/// basic_script_driver.py, torchrun_driver.py or mpi_driver.py. Pure: the
/// launcher runs what this says (see docs/sdk-v3.md).
///
/// Errors: ConfigError naming the file and JSON path for a sourcecode.json or
/// distributed.json that is not what the SDK writes; Error(NoProgram) for a
/// job with nothing to run.

#include "runners/plan.hpp"

#include <smtrain/environ.hpp>
#include <smtrain/training_env.hpp>
#include <smtrain/value.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace smtrain::runners::v3 {

/// The channel the SDK puts its drivers and job files in.
inline constexpr std::string_view kDriversChannel = "sm_drivers";

/// How the SDK's sm_train.sh would run the program (templates.py, `_prepare_train_script`).
enum class Driver {
    Basic,     ///< basic_script_driver.py: the entry script itself (.py or .sh)
    Torchrun,  ///< distributed=Torchrun(...): torchrun_driver.py
    Mpi,       ///< distributed=MPI(...): mpi_driver.py
};

/// sourcecode.json and distributed.json, as ModelTrainer wrote them.
struct JobFiles {
    std::filesystem::path drivers_dir;  ///< <input/data>/sm_drivers
    Value source_code;                  ///< sourcecode.json ({} when absent, as the SDK reads it)
    Value distributed;                  ///< distributed.json ({} when absent)
    std::string entry_script;           ///< SourceCode.entry_script ("" when none)
    std::string requirements;           ///< SourceCode.requirements ("" when none)
    bool has_source_dir = false;        ///< SourceCode.source_dir set: the code is channel `code`
    Driver driver = Driver::Basic;
    /// process_count_per_node (Torchrun, MPI); unset when null.
    std::optional<std::int64_t> process_count_per_node;
    std::vector<std::string> mpi_additional_options;  ///< MPI(mpi_additional_options=[...])
};

/// The v3 job of this tree: the inputdataconfig has an `sm_drivers` channel
/// holding sourcecode.json; nullopt for any other job. Throws ConfigError for
/// a sourcecode.json or distributed.json the SDK would not write.
std::optional<JobFiles> read_job(const TrainingEnv& env);

/// The SDK's safe_serialize: a string as it is, anything else as json.dumps
/// writes it (default separators, keys in their order).
std::string safe_serialize(const Value& value);
/// The SDK's safe_deserialize of a string: json.loads, or the string itself
/// when it is not JSON.
Value safe_deserialize(const std::string& text);

/// hyperparameters.json as the drivers read it: each value safe_deserialize'd,
/// in the file's order. `without_sagemaker_keys` drops the toolkit's own
/// (sagemaker_program, sagemaker_submit_directory, ...), which the tuner adds.
Value::Dict read_hyperparameters(const TrainingEnv& env, bool without_sagemaker_keys);

/// hyperparameters_to_cli_args: `--key value` for every key, in order.
std::vector<std::string> hyperparameter_args(const Value::Dict& hyperparameters);

/// An environment variable name from an SDK name: upper case, and every
/// character a shell cannot take in a name (`-`, `.`, ...) as `_`. (The SDK
/// replaces only `-` in hyperparameter names and nothing in channel names, so
/// `source sm_training.env` fails on the others.)
std::string variable_name(std::string_view prefix, std::string_view name);

/// What scripts/environment.py exports (set_env), in its order, for this
/// host. `job` is null for a job the SDK's drivers did not send (the names
/// then describe the v2-style job). `source_dir` is SM_SOURCE_DIR.
struct VariableInputs {
    const JobFiles* job = nullptr;
    Value::Dict hyperparameters;  ///< read_hyperparameters()
    std::filesystem::path source_dir;
    std::string master_addr = "algo-1";  ///< environment.py's SM_MASTER_ADDR
    /// SM_TRAINING_ENV's log_level when known otherwise: after sm_train.sh, the
    /// SM_LOG_LEVEL in the environment is environment.py's own export (a str),
    /// while it wrote the int 20 it had when SM_LOG_LEVEL was unset.
    std::optional<Value> log_level;
};
EnvVars variables(const TrainingEnv& env, const Environ& parent, const VariableInputs& inputs);

/// The processes per host: process_count_per_node, else SM_NUM_GPUS, else
/// SM_NUM_NEURONS, else 1 (common/utils.py get_process_count).
int process_count(const JobFiles& job, const TrainingEnv& env);

/// The command the job's driver runs on this host, for Driver::Basic and
/// Driver::Torchrun: the program's argv (argv[0] searched on PATH unless it
/// holds a `/`) and the variables the driver sets for it. `python` is the
/// interpreter sm_train.sh found; `args` the hyperparameter_args().
/// Throws Error(NoProgram) for an entry script that is neither .py nor .sh.
Launch driver_command(const JobFiles& job, const TrainingEnv& env, const Environ& parent,
                      const std::string& python, const std::vector<std::string>& args);

/// The plan of a Driver::Mpi job on sm-train's MPI runner (sshd on the
/// workers, which wait; mpirun on the master, after every worker answers),
/// with mpi_driver.py's mpirun command, two differences (docs/compatibility.md):
/// `-np` is processes per host x hosts (the driver starts only one host's
/// worth), and every variable in `exported` goes to the ranks with `-x` (the
/// driver relies on /etc/environment, which only a PAM sshd reads), except this
/// host's own (SM_CURRENT_HOST, SM_CURRENT_HOST_RANK, SM_TRAINING_ENV, ...),
/// which a rank on a worker reads from that worker's /etc/environment, as under
/// the driver: `-x` would give it the master's. The
/// program is `python <entry>.py args` (or `./<entry> args`): no mpi4py.
Plan mpi_plan(const JobFiles& job, const TrainingEnv& env, const Environ& parent, const std::string& python,
              const std::vector<std::string>& args, EnvVars exported, std::string gethostname_shim);

}  // namespace smtrain::runners::v3
