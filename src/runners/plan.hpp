// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// What a distributed runner needs to know, gathered once from the TrainingEnv,
/// so that building a command line is a pure function that tests can call
/// with values written by hand.
///
/// Errors: none; these are values.

#include <smtrain/environ.hpp>
#include <smtrain/training_env.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smtrain::runners {

// Name=value lists are libsmtrain's EnvVars (one type for the SM_* variables
// and for what the runners add); here they keep the order they are given in,
// the toolkit's dict order, which mpirun's `-x NAME` list follows.

/// The toolkit's runner types (runner.RunnerType).
/// TfParameterServer is the TensorFlow container's parameter-server job.
enum class RunnerKind { Process, Mpi, SmDataParallel, TorchDistributed, PyTorchXla, TfParameterServer };
/// "process", "mpi", "smddprun", "torchrun", "xla", "tf-ps": the names sm-train
/// logs, reports and prints with --dry-run.
std::string_view to_string(RunnerKind kind);

/// How the user program is started (the toolkit's _entry_point_type), plus
/// PythonModule (ours): `-m pkg.module` or `pkg.module:` runs `python -m pkg.module`.
enum class EntryKind { PythonPackage, PythonProgram, Command, PythonModule };
/// "python package", "python program", "command", "python module".
std::string_view to_string(EntryKind kind);

/// The user program, before any launcher wraps it.
struct Program {
    EntryKind kind = EntryKind::PythonProgram;
    std::string python = "python3";  ///< interpreter for the Python kinds
    /// "train.py", "pkg" or "train.sh", as the job names it; the module's
    /// dotted name ("pkg.train") for a PythonModule.
    std::string entry_point;
    std::vector<std::string> args;  ///< the hyperparameters as arguments
};

/// The hosts taking part in distributed training, as this host sees them.
struct Cluster {
    std::vector<std::string> hosts;  ///< distribution hosts, master first
    std::string current_host;
    std::string master;
    std::string network_interface = "eth0";
    std::string instance_type;  ///< current_instance_type ("ml.p4d.24xlarge")
};

/// Everything the command builders read.
struct Plan {
    RunnerKind kind = RunnerKind::Process;
    Cluster cluster;
    /// Every host of the job (resourceconfig `hosts`), in order: the
    /// parameter-server job numbers its tasks over these.
    std::vector<std::string> all_hosts;
    Program program;
    int processes_per_host = 1;
    /// `sagemaker_mpi_num_processes` (MPI only); unset or 0 means processes_per_host * hosts.
    std::optional<std::int64_t> num_processes;
    /// `sagemaker_mpi_custom_mpi_options` or, for smddprun,
    /// `sagemaker_distributed_dataparallel_custom_mpi_options`.
    std::string custom_mpi_options;
    /// The instance type smddprun is told about: `sagemaker_instance_type`
    /// from the framework parameters, else current_instance_type.
    std::string smddp_instance_type;
    int num_gpus = 0;
    bool smddprun_installed = false;
    bool smddpmprun_installed = false;
    /// The variables sm-train exports to the program (SM_*, ...), in the
    /// toolkit's order: each one becomes `-x NAME` for mpirun.
    EnvVars exported;
    /// What the framework containers add (framework_env_vars()), made by
    /// make_plan() for a parameter-server or MultiWorkerMirroredStrategy job:
    /// the TF_CONFIG the parameter server and mpirun's `-x TF_CONFIG` read.
    EnvVars framework_env;
    /// sm-train's own environment (AWS credentials, SM_DLC_TORCH_VERSION,
    /// RUN_NEURON_PARALLEL_COMPILE, ...).
    Environ parent;
    /// Absolute path of libsmtrain-gethostname.so, preloaded into MPI ranks.
    std::string gethostname_shim;
    /// The MPI master's mpirun command when the caller made it (an SDK v3 job's,
    /// sdk_v3.hpp); unset: the toolkit's mpi_master_command().
    std::vector<std::string> master_command;
};

/// A command ready to start: argv (argv[0] searched on PATH) and the
/// variables to set on top of the program's environment.
struct Launch {
    std::vector<std::string> argv;
    EnvVars env;
};

}  // namespace smtrain::runners
