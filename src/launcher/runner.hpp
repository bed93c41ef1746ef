// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The single place where the way to run the program is chosen, and the
/// interface every runner (plain process, MPI, torchrun, smddprun, XLA) implements.
///
/// The plain process runner lives here; the distributed ones live in
/// src/runners/ and are reached through make_distributed_runner().

#include "entry_point.hpp"
#include "signals.hpp"
#include "supervisor.hpp"

#include <smtrain/environ.hpp>
#include <smtrain/training_env.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace smtrain::launcher {

enum class RunnerKind { Process, Mpi, TorchDistributed, SMDataParallel, PyTorchXla, TfParameterServer };

std::string_view to_string(RunnerKind kind);  ///< "process", "mpi", "torchrun", "smddprun", "xla", "tf-ps"

/// The framework containers' choice (the PyTorch and TensorFlow containers'
/// training.py; sagemaker-training alone knows only MPI), from the `sagemaker_*`
/// hyperparameters, made only when distribution is enabled for the current
/// instance group, first match wins:
/// sagemaker_parameter_server_enabled with several hosts -> TensorFlow parameter server,
/// sagemaker_mpi_enabled -> MPI, sagemaker_pytorch_ddp_enabled -> smddprun,
/// sagemaker_torch_distributed_enabled -> torchrun,
/// sagemaker_distributed_dataparallel_enabled -> smddprun,
/// sagemaker_pytorch_xla_multi_worker_enabled -> XLA, else a plain process.
RunnerKind choose_runner(const TrainingEnv& env);

/// Everything a runner needs to start the user program.
struct RunContext {
    const TrainingEnv& env;
    const SignalBlock& signals;
    EntryPointKind kind;
    std::string entry_point;         ///< user_entry_point (e.g. "train.py")
    std::vector<std::string> args;   ///< to_cmd_args()
    std::filesystem::path code_dir;  ///< working directory of the program
    std::filesystem::path python;    ///< interpreter (empty for a command entry point)
    Command program;                 ///< the plain-process command (program_command())
    Environ program_env;             ///< the program's whole environment
    SupervisorOptions supervisor;    ///< grace period, sinks
};

/// What a runner did, for the report.
struct RunOutcome {
    RunResult result;
    std::string command;  ///< the command line to report (argv joined with spaces)
};

class Runner {
public:
    virtual ~Runner() = default;
    virtual RunnerKind kind() const = 0;
    /// The command line this host will run (for --dry-run and the invocation log).
    virtual Command command(const RunContext& context) const = 0;
    /// Extra environment this runner sets for the program, if any (for --dry-run).
    virtual Environ extra_env(const RunContext&) const { return {}; }
    /// Runs to completion under supervision, entering Phase::Supervise (in
    /// context.supervisor.stop) when the program starts; the waits before it
    /// (other hosts) end when that stop is requested. Throws smtrain::Error for failures
    /// of sm-train itself (a missing mpirun, a worker that never answered).
    virtual RunOutcome run(const RunContext& context) = 0;
};

/// The runner for `kind`.
std::unique_ptr<Runner> make_runner(RunnerKind kind, const TrainingEnv& env);

/// Implemented in src/runners/ (a stub that throws "not built yet" when that
/// area is absent from the build). Never called with RunnerKind::Process.
std::unique_ptr<Runner> make_distributed_runner(RunnerKind kind, const TrainingEnv& env);

/// envp strings ("NAME=value") of an environment, for SpawnSpec::env.
std::vector<std::string> to_envp(const Environ& env);

}  // namespace smtrain::launcher
