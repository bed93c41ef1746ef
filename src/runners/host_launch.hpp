// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// What a host launches: the one place that decides it, from the plan. The
/// launcher shows it (its command line, --dry-run, the invocation log) and
/// lays its variables over the program's environment; run_distributed() runs
/// it; the MPI and parameter-server choreographies start its daemons.
///
/// Errors (the runners layer's convention): smtrain::Error with the toolkit's
/// message and ExitCode::BadConfig (or NoProgram) for a job the toolkit would
/// refuse, as the command builders of commands.hpp and tensorflow.hpp throw it.

#include "runners/plan.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace smtrain::runners {

/// This host's part in the job.
enum class HostRole {
    Program,          ///< the program itself (a plain process)
    Launcher,         ///< a launcher that starts the program's processes here (torchrun, xla_spawn)
    MpiMaster,        ///< sshd, then mpirun over every host once the workers answer
    MpiWorker,        ///< sshd only: the master's mpirun starts the ranks here
    ParameterServer,  ///< a TensorFlow parameter server, then the program as the worker
};

/// What a host launches.
struct HostLaunch {
    HostRole role = HostRole::Program;
    /// What runs in the foreground under sm-train's supervision: argv (argv[0]
    /// searched on the program's PATH) and the variables set on top of the
    /// program's environment (torchrun's NCCL/EFA, XLA's XRT_*). Empty for an
    /// MPI worker, which runs nothing of its own.
    Launch launch;
    /// Started before `launch` and stopped after it: sshd on the MPI hosts
    /// (`<sshd> -D`, the path as given), the parameter server.
    std::vector<std::vector<std::string>> daemons;
    /// How the log names what runs in the foreground ("MPI", "SMDataParallel",
    /// "torchrun", "PT-XLA"); empty for the program itself.
    std::string_view label;
};

/// The host's launch for `plan` (runner.py's `_get_by_runner_type` and each
/// runner's command): a plain process runs program_argv(); torchrun and PT-XLA
/// their launchers (torchrun_command, xla_command); the MPI master mpirun
/// (Plan::master_command when the caller made it, else mpi_master_command or
/// smddp_master_command) after sshd, a worker sshd alone; a parameter-server
/// host the parameter server (parameter_server_argv, with Plan::framework_env's
/// TF_CONFIG and this host's index in the hosts), then the program. `sshd` is
/// the sshd to start (MpiClusterSettings::sshd). Throws as those builders do.
HostLaunch host_launch(const Plan& plan, const std::string& sshd);

/// `<sshd> -D`: the SSH daemon every MPI host runs in the foreground of its own.
std::vector<std::string> sshd_argv(const std::string& sshd);

}  // namespace smtrain::runners
