// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The TensorFlow container's parameter-server job (its training.py): on every
/// host, a parameter-server process first, then the user's program as the
/// worker with TF_CONFIG; a host other than the first then waits until the
/// first host's worker is down. TF_CONFIG is the runners' too (framework_env.hpp):
/// make_plan() keeps it in Plan::framework_env.
///
/// Errors (the runners layer's convention): smtrain::Error(BadConfig) for a
/// job the TensorFlow container would refuse (this host not in the hosts,
/// TensorFlow not importable); Error(Unavailable) with the parameter server's
/// stderr when it exits during the job (the container's training.py notices
/// nothing and leaves the worker waiting for it), or with another host's
/// reason when that host announces its parameter server's death.

#include "runners/executor.hpp"
#include "runners/mpi_cluster.hpp"
#include "runners/plan.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace smtrain::runners {

/// The port the first host's worker serves on (TF_CONFIG's master address):
/// it accepts connections for as long as that worker runs.
inline constexpr int kTfMasterPort = 2222;

/// `python -c <code> <TF_CONFIG> <task index>`: a process that serves
/// TensorFlow's "ps" job of TF_CONFIG's cluster at `task_index`, on CPUs only
/// (the container hides the GPUs from it), until it is stopped.
std::vector<std::string> parameter_server_argv(const std::string& python, const std::string& tf_config,
                                               std::size_t task_index);

/// This host's parameter server: parameter_server_argv() with Plan::framework_env's
/// TF_CONFIG and this host's index in `all_hosts`. Throws Error(BadConfig) when
/// this host is not one of them, Error(Internal) when the plan has no TF_CONFIG.
std::vector<std::string> parameter_server_daemon(const Plan& plan);

struct ParameterServerSettings {
    /// How often a host other than the first checks that the first host's worker is still up.
    std::chrono::milliseconds poll_interval = std::chrono::seconds(10);
    std::chrono::milliseconds connect_timeout = std::chrono::seconds(10);
    /// How often the parameter server is checked while the worker runs.
    std::chrono::milliseconds daemon_check_interval = std::chrono::milliseconds(500);
    /// After the parameter server died, the worker is sent SIGTERM, then
    /// SIGKILL once this has passed.
    std::chrono::milliseconds worker_grace = std::chrono::seconds(10);
    /// A host whose parameter server died answers on this port (the failure
    /// exchange's) with the reason for `notice_window`; the others look there
    /// at each check of their own (each look at most `notice_timeout` a host).
    int notice_port = kFailureExchangePort;
    std::chrono::milliseconds notice_window = std::chrono::seconds(10);
    std::chrono::milliseconds notice_timeout = std::chrono::seconds(1);
};

/// Runs the job on this host, in the container's order: takes what the host
/// launches from host_launch() (Errors as parameter_server_daemon's), checks
/// that TensorFlow can be imported (Error, BadConfig, otherwise), starts the
/// parameter server, runs the worker through `execute`, and after a successful worker on a host other
/// than the first, waits until the first host stops accepting connections on
/// port 2222. Then stops the parameter server and returns the worker's status.
/// A stop signal during the wait throws Error with exit code 128+N.
/// The parameter server exiting at any point of that (at its start, while the
/// worker runs, during the wait) ends the job at once: the worker is ended
/// through `end_program` (SIGTERM, SIGKILL after worker_grace) and
/// Error(Unavailable) thrown with daemon_exit_reason()'s words, after they are
/// announced to the other hosts on `notice_port`. Another host's announcement,
/// read at each look of the watch and of the wait (and once after a worker that
/// failed, or a master seen down), ends the job here the same way, with
/// "<host> ended its job: <its reason>".
int run_parameter_server_job(const Plan& plan, process::System& system, const ProgramExecutor& execute,
                             const ProgramStopper& end_program = {},
                             const ParameterServerSettings& settings = {});

}  // namespace smtrain::runners
