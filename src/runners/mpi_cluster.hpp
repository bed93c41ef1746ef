// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The choreography of an MPI job across hosts (mpi.MasterRunner.run and
/// mpi.WorkerRunner.run): sshd on every host, the master waits for the
/// workers, runs mpirun and tells the workers it is done; each worker waits
/// for the master, exports its environment for the ranks, and waits for the
/// MPI daemon that the master starts on it over ssh to come and go.
///
/// Errors (the runners layer's convention): smtrain::Error naming the host and
/// port for a wait that times out, "stopped by signal N ..." (exit 128+N) for
/// a stop; Error(Unavailable) with the daemon's stderr when this host's sshd
/// exits during the start or while the MPI job runs, or with another host's
/// reason when that host announces one (`notice_port`); a notification that
/// cannot start is a warning.

#include "runners/executor.hpp"
#include "runners/host_ports.hpp"
#include "runners/plan.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtrain::runners {

struct MpiClusterSettings {
    /// sm-train's SMTRAIN_SSHD overrides it, for images that keep sshd elsewhere.
    std::string sshd = "/usr/sbin/sshd";
    int ssh_port = 22;
    /// sshd refuses to start without its privilege separation directory, which
    /// its own service creates (`RuntimeDirectory=sshd`); a fresh machine or an
    /// image without systemd has none. Created (0755) before sshd starts.
    std::filesystem::path sshd_runtime_dir = "/run/sshd";
    /// A host whose sshd dies (during the job's start, or while the MPI job
    /// runs) answers every connection on this port with the reason, for
    /// `notice_window`; the hosts waiting for it (the master's mpirun included)
    /// read it there and end their wait with it.
    int notice_port = kFailureExchangePort;
    std::chrono::milliseconds notice_window = std::chrono::seconds(10);
    /// The worker appends its environment here, where pam_env gives it to the
    /// ssh sessions that start the ranks.
    std::filesystem::path environment_file = "/etc/environment";
    /// `<prefix>.<master>` is touched on each worker when mpirun has ended.
    std::string status_file_prefix = "/tmp/done";
    /// Names of the Open MPI daemon the master starts on a worker: `orted` up to
    /// Open MPI 4, `prted` from Open MPI 5 on.
    std::vector<std::string> mpi_daemon_names = {"orted", "prted"};

    std::chrono::milliseconds poll_interval = std::chrono::seconds(1);
    std::chrono::milliseconds connect_timeout = std::chrono::seconds(2);
    /// The master waits this long for every worker's sshd (the toolkit's hour).
    std::chrono::milliseconds workers_timeout = std::chrono::hours(1);
    /// A worker waits this long for the master's sshd (the toolkit waits forever).
    std::chrono::milliseconds master_timeout = std::chrono::hours(1);
    /// A worker waits this long for the MPI daemon to appear (the toolkit's 20 minutes).
    std::chrono::milliseconds daemon_start_timeout = std::chrono::minutes(20);
    /// After the daemon exits, a worker waits this long for the status file
    /// (the toolkit waits as long as the master answers).
    std::chrono::milliseconds status_file_timeout = std::chrono::minutes(10);
    /// How often a worker waiting for the status file checks that the master still answers.
    std::chrono::milliseconds master_check_interval = std::chrono::seconds(10);
    /// After the master's sshd died or a worker announced its end while mpirun
    /// runs, mpirun is sent SIGTERM, then SIGKILL once this has passed.
    std::chrono::milliseconds mpirun_grace = std::chrono::seconds(10);
    /// Each `ssh HOST touch FILE` is killed after this long.
    std::chrono::milliseconds notify_timeout = std::chrono::seconds(60);
    int notify_retries = 5;
    /// After notifying, the master waits at most this long for the workers to
    /// finish (their sshd closes). The toolkit sleeps 30 s unconditionally.
    std::chrono::milliseconds linger_timeout = std::chrono::seconds(30);
};

/// The lines the worker appends to /etc/environment: `NAME="value"` for each
/// variable, in order. pam_env removes the outer quotes and keeps the rest, so
/// blanks and quotes survive; a value pam_env cannot carry (a newline or a `#`,
/// where pam_env cuts the line) is left out, and its name returned in `skipped`.
std::string environment_file_text(const EnvVars& variables, std::vector<std::string>* skipped);

/// A daemon this host started and the job needs (sshd, a parameter server),
/// checked during the waits of the job's start.
struct StartedDaemon {
    pid_t pid;
    std::string name;  ///< as the reason names it: "sshd"
};

/// Why the job ends on `host` now that `daemon` has exited: "<name> on <host>
/// exited with code N <when>: <its last stderr lines>"; nullopt while it runs.
/// The one wording of a dead daemon, for sshd and the parameter server alike.
std::optional<std::string> daemon_exit_reason(process::System& system, const std::string& host,
                                              const StartedDaemon& daemon, std::string_view when);

/// What the first of `hosts` that answers on `port` announces (why its job
/// ended: a daemon of its own that died, or another host's end it heard of),
/// as this host's reason: "<host> ended its job[ <when>]: <its reason>";
/// nullopt when none answers within `timeout`.
std::optional<std::string> announced_end(process::System& system, const std::vector<std::string>& hosts,
                                         int port, std::chrono::milliseconds timeout, std::string_view when);

/// Logs `reason` and answers every connection on `port` with it for `window`
/// (System::announce): how the hosts that wait for this one learn why it ended.
void announce_end(process::System& system, int port, std::chrono::milliseconds window,
                  const std::string& reason);

/// The master's run: sshd, wait for workers, `launch` through `execute`, then
/// (whatever mpirun did, even if it could not start) notify the workers, wait
/// for them to finish, stop sshd. Returns mpirun's exit status. While mpirun
/// runs, its sshd and the workers' announcements are watched (DaemonWatch):
/// either ends mpirun through `end_program` and the job with Error(Unavailable),
/// announced to the workers before they are notified.
int run_mpi_master(const Plan& plan, const Launch& launch, const process::LineRewriter& filter,
                   process::System& system, const ProgramExecutor& execute,
                   const MpiClusterSettings& settings, const ProgramStopper& end_program = {});

/// A worker's run. `environment` is what the ranks on this host should see
/// (sm-train's environment plus the exported SM_* variables). Returns 0 once
/// the master's work is over; throws smtrain::Error when a wait times out, and
/// Error(Unavailable) when its sshd exits before the MPI daemon has ended or
/// the master announces its end (then announced in turn).
int run_mpi_worker(const Plan& plan, const EnvVars& environment, process::System& system,
                   const MpiClusterSettings& settings);

}  // namespace smtrain::runners
