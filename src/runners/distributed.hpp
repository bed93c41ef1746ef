// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The entry points the launcher calls: the plan this host follows and running
/// it (each toolkit runner's `run`); what it launches is host_launch.hpp's.
///
/// Errors (the runners layer's convention): smtrain::Error with the toolkit's
/// message for a precondition that fails (a missing import, an absent host);
/// a SpawnError from the executor or the process::System is passed on as it is.

#include "runners/executor.hpp"
#include "runners/host_launch.hpp"
#include "runners/mpi_cluster.hpp"
#include "runners/plan.hpp"

#include <smtrain/training_env.hpp>

#include <filesystem>
#include <string>

namespace smtrain::runners {

/// `sagemaker_mpi_num_of_processes_per_host`, else the GPU count, else the
/// Neuron core count, else 1. Throws ConfigError for a value that is not a
/// positive integer.
int processes_per_host(const TrainingEnv& env);

/// The SM_* variables in the toolkit's order (Environment.to_env_vars builds
/// a dict; mpirun gets `-x NAME` in that order): the fixed names, then
/// SM_CHANNEL_* in channel order, then SM_HP_* in hyperparameter order, then
/// anything the toolkit does not have.
EnvVars toolkit_order(const TrainingEnv& env, const EnvVars& vars);

/// libsmtrain-gethostname.so beside the running executable (or in ../lib);
/// "" when it is in neither place.
std::string find_gethostname_shim();

/// Gathers the plan for `kind`. `parent` is sm-train's environment.
Plan make_plan(const TrainingEnv& env, RunnerKind kind, Program program, const Environ& parent,
               std::string gethostname_shim);

struct DistributedContext {
    process::System& system;
    /// Runs the program under the launcher's supervision.
    ProgramExecutor execute;
    MpiClusterSettings mpi;
    /// The environment the program sees (sm-train's plus SM_* and the
    /// toolkit's variables): what an MPI worker appends to /etc/environment.
    EnvVars program_environment;
    /// Ends the program `execute` runs (a parameter server that dies ends the worker).
    ProgramStopper end_program;
};

/// Runs what host_launch() says this host launches (its daemons, its
/// foreground command, the MPI and parameter-server waits around them) and
/// returns the exit status sm-train reports. Throws smtrain::Error with the
/// toolkit's message when a precondition fails.
int run_distributed(const Plan& plan, DistributedContext& context);

}  // namespace smtrain::runners
