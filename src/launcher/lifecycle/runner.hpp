// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The interface every runner (plain process, MPI, torchrun, smddprun, XLA,
/// the TensorFlow parameter server) implements for the lifecycle: the
/// runners layer says what to launch (runners::choose_runner, the plans and
/// command lines); a Runner here runs it under sm-train's supervisor.
///
/// Errors: Runner::run throws smtrain::Error for failures of sm-train itself
/// (a SpawnError for a missing mpirun, an Error for a worker that never
/// answered); the program's own failure is its RunResult, never an exception.

#include "launcher/lifecycle/entry_point.hpp"
#include "launcher/lifecycle/rank_evidence.hpp"
#include "process/signals.hpp"
#include "process/supervisor.hpp"
#include "runners/choose.hpp"
#include "runners/mpi_cluster.hpp"
#include "runners/plan.hpp"

#include <smtrain/environ.hpp>
#include <smtrain/training_env.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtrain::launcher {

/// Everything a runner needs to start the user program.
struct RunContext {
    const TrainingEnv& env;
    const process::SignalBlock& signals;
    runners::EntryKind kind;
    std::string entry_point;                ///< user_entry_point (e.g. "train.py")
    std::vector<std::string> args;          ///< to_cmd_args()
    std::filesystem::path code_dir;         ///< working directory of the program
    std::filesystem::path python;           ///< interpreter (empty for a command entry point)
    process::Command program;               ///< the plain-process command (program_command())
    Environ program_env;                    ///< the program's whole environment
    process::SupervisorOptions supervisor;  ///< grace period, sinks
    runners::MpiClusterSettings mpi;        ///< sshd (Settings::mpi, SMTRAIN_SSHD) for the MPI runners
    /// A distributed runner's plan made by the caller (an SDK v3 job's,
    /// sdk_v3.hpp); unset: made from the TrainingEnv.
    std::optional<runners::Plan> plan = {};
    /// Where each rank's lines go when the runner's launcher tags them (MPI);
    /// null: not followed.
    RankLines* rank_lines = nullptr;
};

/// What a runner did, for the report.
struct RunOutcome {
    process::RunResult result;
    std::string command;  ///< the command line to report (argv joined with spaces)
    /// How the runner rewrote the launcher's lines (MPI's rank tags), for reading
    /// the captured tail as the log shows it; empty when it did not.
    process::LineRewriter rewriter;
};

class Runner {
public:
    virtual ~Runner() = default;
    virtual runners::RunnerKind kind() const = 0;
    /// The command line this host will run (for --dry-run and the invocation log).
    virtual process::Command command(const RunContext& context) const = 0;
    /// The variables this runner sets for the program besides sm-train's, in
    /// order (torchrun's NCCL_PROTO, XLA's XRT_*): part of what --dry-run
    /// shows.
    virtual EnvVars extra_env(const RunContext&) const { return {}; }
    /// Runs to completion under supervision, entering JobPhase::Training (in
    /// context.supervisor.stop) when the program starts; the waits before it
    /// (other hosts) end when that stop is requested. Throws smtrain::Error for failures
    /// of sm-train itself (a missing mpirun, a worker that never answered).
    virtual RunOutcome run(const RunContext& context) = 0;
};

/// The runner for `kind`.
std::unique_ptr<Runner> make_runner(runners::RunnerKind kind);

/// The runner of a distributed kind (distributed_runner.cpp). Never called
/// with RunnerKind::Process.
std::unique_ptr<Runner> make_distributed_runner(runners::RunnerKind kind);

}  // namespace smtrain::launcher
