// SPDX-License-Identifier: Apache-2.0
#include "runners/mpi_cluster.hpp"

#include "process/spawn.hpp"
#include "runners/daemon_watch.hpp"
#include "runners/host_announcement.hpp"
#include "runners/host_launch.hpp"

#include <smtrain/error.hpp>

#include <spdlog/spdlog.h>

#include <exception>

namespace smtrain::runners {

using process::DaemonGuard;
using process::LineRewriter;
using process::System;

namespace {

using Clock = std::chrono::steady_clock;

long long seconds(std::chrono::milliseconds d) {
    return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

constexpr const char* kSshdMissing =
    "SSH daemon not found at {}: MPI needs it to start processes on the other hosts. Install it in the "
    "image:\n"
    "  apt-get update && apt-get install -y --no-install-recommends openssh-server && mkdir -p "
    "/var/run/sshd\n"
    "  sed 's@session\\s*required\\s*pam_loginuid.so@session optional pam_loginuid.so@g' -i /etc/pam.d/sshd\n"
    "  mkdir -p /root/.ssh/ && ssh-keygen -q -t rsa -N '' -f /root/.ssh/id_rsa && "
    "cp /root/.ssh/id_rsa.pub /root/.ssh/authorized_keys && "
    "printf 'Host *\\n  StrictHostKeyChecking no\\n' >> /root/.ssh/config";

pid_t start_sshd(System& system, const MpiClusterSettings& settings) {
    if (!system.file_exists(settings.sshd)) {
        throw Error(fmt::format(kSshdMissing, settings.sshd), ExitCode::Unavailable);
    }
    try {
        system.make_directory(settings.sshd_runtime_dir, 0755);
    } catch (const Error& e) {
        // sshd then says what it lacks, and that ends the job with its words.
        spdlog::warn("{}", e.what());
    }
    spdlog::info("Starting the SSH daemon: {} -D", settings.sshd);
    return system.start_daemon(sshd_argv(settings.sshd));
}

/// The last lines of a daemon's stderr as one line: what it said before dying.
std::string last_words(const std::string& tail) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < tail.size()) {
        std::size_t end = tail.find('\n', start);
        if (end == std::string::npos) end = tail.size();
        std::string line = tail.substr(start, end - start);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (!line.empty()) lines.push_back(std::move(line));
        start = end + 1;
    }
    constexpr std::size_t kLines = 5;
    if (lines.size() > kLines) lines.erase(lines.begin(), lines.end() - kLines);
    return fmt::format("{}", fmt::join(lines, " | "));
}

/// The two moments a daemon's death or another host's end is looked for: the
/// job's start (the waits before mpirun, or before the MPI daemon appears on a
/// worker), and the MPI job (mpirun on the master, the MPI daemon on a worker).
enum class Moment { Start, Job };

std::string_view daemon_when(Moment moment) {
    return moment == Moment::Start ? "during the job's start" : "while the MPI job ran";
}
std::string_view peer_when(Moment moment) { return moment == Moment::Start ? "at the start" : ""; }

/// Ends this host's job: the reason is logged at once, announced to the hosts
/// that wait for this one (bounded by notice_window), then thrown.
[[noreturn]] void fail_with(System& system, const MpiClusterSettings& settings, const std::string& reason) {
    announce_end(system, settings.notice_port, settings.notice_window, reason);
    throw Error(reason, ExitCode::Unavailable);
}

/// A daemon this host needs that exited ends the job here.
void check_daemon(System& system, const Plan& plan, const MpiClusterSettings& settings,
                  const StartedDaemon& daemon, Moment moment) {
    if (auto reason = daemon_exit_reason(system, plan.cluster.current_host, daemon, daemon_when(moment)))
        fail_with(system, settings, *reason);
}

/// A host this one waits for that announces why its job ended ends this one too, naming it.
void check_peer(System& system, const MpiClusterSettings& settings, const std::string& host, Moment moment) {
    if (auto reason =
            announced_end(system, {host}, settings.notice_port, settings.connect_timeout, peer_when(moment)))
        fail_with(system, settings, *reason);
}

// Ends a wait when SageMaker stops the job: exit as a program killed by that signal would.
void check_stop(System& system) {
    if (const int signo = system.take_stop_signal()) {
        throw Error("stopped by signal " + std::to_string(signo) + " while waiting for the other hosts",
                    static_cast<ExitCode>(128 + signo));
    }
}

void pause(System& system, std::chrono::milliseconds interval) {
    check_stop(system);
    system.sleep_for(interval);
}

// Polls `ready` every interval until it holds; false when `timeout` passes first.
template <class Ready>
bool wait_for(System& system, std::chrono::milliseconds timeout, std::chrono::milliseconds interval,
              Ready ready) {
    const auto deadline = system.now() + timeout;
    for (;;) {
        if (ready()) return true;
        if (system.now() >= deadline) return false;
        pause(system, interval);
    }
}

std::vector<std::string> workers_of(const Plan& plan) {
    std::vector<std::string> workers;
    for (const auto& host : plan.cluster.hosts) {
        if (host != plan.cluster.master) workers.push_back(host);
    }
    return workers;
}

std::string status_file(const Plan& plan, const MpiClusterSettings& settings) {
    return settings.status_file_prefix + "." + plan.cluster.master;
}

/// Beside the status file when mpirun failed: the worker then waits for the
/// master's root cause (announced on the failure exchange's port once the
/// master has found it) and reports it, instead of a success.
std::string failed_marker(const std::string& status_file) { return status_file + ".failed"; }

void notify_workers(const Plan& plan, System& system, const MpiClusterSettings& settings, bool failed) {
    const std::string file = status_file(plan, settings);
    std::vector<std::string> touch = {"ssh", "", "touch"};
    if (failed) touch.push_back(failed_marker(file));  // first: the status file ends the worker's wait
    touch.push_back(file);
    for (const auto& host : workers_of(plan)) {
        touch[1] = host;
        bool done = false;
        for (int attempt = 0; attempt <= settings.notify_retries && !done; ++attempt) {
            if (attempt > 0) {
                spdlog::info("Retry creating status file onto {}", host);
                system.sleep_for(std::chrono::seconds(1));
            }
            try {
                done = system.run_short(touch, settings.notify_timeout) == 0;
            } catch (const process::SpawnError& e) {
                // Telling a worker is best effort, as in the toolkit: it stops on its own
                // once this host's sshd is gone.
                spdlog::warn("{}", e.what());
                break;
            }
        }
        if (!done) spdlog::warn("Failed to create status file onto {}", host);
    }
}

void wait_for_workers_to_finish(const Plan& plan, System& system, const MpiClusterSettings& settings) {
    const auto deadline = system.now() + settings.linger_timeout;
    for (const auto& host : workers_of(plan)) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - system.now());
        wait_for(system, std::max(left, std::chrono::milliseconds(0)), settings.poll_interval,
                 [&] { return !system.can_connect(host, settings.ssh_port, settings.connect_timeout); });
    }
}

/// The worker's end once the master's status file is there: a success, or,
/// when mpirun failed there, the master's root cause (as the job's other
/// hosts report another host's first failure), heard on the failure exchange's
/// port within the notice window.
/// `found` is the toolkit's line for a success.
int worker_end(System& system, const MpiClusterSettings& settings, const std::string& master,
               const std::string& file, std::string_view found) {
    if (!system.file_exists(failed_marker(file))) {
        spdlog::info("{}", found);
        spdlog::info("MPI process finished.");
        return 0;
    }
    spdlog::info(
        "MPI training job status file found: the MPI job failed on the master {}; waiting for its "
        "root cause",
        master);
    const auto deadline = system.now() + settings.notice_window;
    while (system.now() < deadline) {
        // Not announced in turn (as check_peer would): nothing waits for this
        // host now, the master least of all, and the job's end would wait for it.
        if (auto reason = announced_end(system, {master}, settings.notice_port, settings.connect_timeout,
                                        peer_when(Moment::Job))) {
            spdlog::error("{}", *reason);
            throw Error(*reason, ExitCode::Unavailable);
        }
        pause(system, settings.poll_interval);
    }
    throw Error(fmt::format("the MPI job failed on the master {} (its reason was not heard within {} s)",
                            master, seconds(settings.notice_window)),
                ExitCode::Unavailable);
}

bool needs_no_quotes_check(char c) { return c == '\n' || c == '#' || c == '\r' || c == '\0'; }

}  // namespace

std::optional<std::string> daemon_exit_reason(System& system, const std::string& host,
                                              const StartedDaemon& daemon, std::string_view when) {
    const auto exit = system.daemon_exited(daemon.pid);
    if (!exit) return std::nullopt;
    const std::string words = last_words(exit->stderr_tail);
    return fmt::format("{} on {} exited with code {} {}{}{}", daemon.name, host, exit->exit_code, when,
                       words.empty() ? "" : ": ", words);
}

std::optional<std::string> announced_end(System& system, const std::vector<std::string>& hosts, int port,
                                         std::chrono::milliseconds timeout, std::string_view when) {
    for (const auto& host : hosts) {
        // The announcement already names the host and daemon that failed first.
        if (auto text = system.read_announcement(host, port, timeout)) {
            // A master's failed job is announced with its kind (host_announcement.hpp), a
            // daemon's death as its plain reason: either way the cause is what the host says.
            const auto announced = parse_announcement(*text);
            const std::string& cause = announced ? announced->cause : *text;
            return fmt::format("{} ended its job{}{}: {}", host, when.empty() ? "" : " ", when, cause);
        }
    }
    return std::nullopt;
}

void announce_end(System& system, int port, std::chrono::milliseconds window, const std::string& reason) {
    spdlog::error("{}", reason);
    system.announce(port, reason, window);
}

std::string environment_file_text(const EnvVars& variables, std::vector<std::string>* skipped) {
    std::string text;
    for (const auto& [name, value] : variables) {
        bool representable = true;
        for (char c : value) representable = representable && !needs_no_quotes_check(c);
        if (!representable) {
            if (skipped) skipped->push_back(name);
            continue;
        }
        text += name + "=\"" + value + "\"\n";
    }
    return text;
}

int run_mpi_master(const Plan& plan, const Launch& launch, const LineRewriter& filter, System& system,
                   const ProgramExecutor& execute, const MpiClusterSettings& settings,
                   const ProgramStopper& end_program) {
    spdlog::info("Starting MPI run as master node.");
    const StartedDaemon own{start_sshd(system, settings), "sshd"};
    DaemonGuard sshd(system, own.pid);

    spdlog::info("Waiting for MPI workers to establish their SSH connections");
    const auto deadline = system.now() + settings.workers_timeout;
    for (const auto& host : workers_of(plan)) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - system.now());
        const bool up =
            wait_for(system, std::max(left, std::chrono::milliseconds(0)), settings.poll_interval, [&] {
                check_daemon(system, plan, settings, own, Moment::Start);
                if (system.can_connect(host, settings.ssh_port, settings.connect_timeout)) return true;
                check_peer(system, settings, host, Moment::Start);
                return false;
            });
        if (!up) {
            throw Error(fmt::format("MPI worker {} did not accept connections on port {} within {} s", host,
                                    settings.ssh_port, seconds(settings.workers_timeout)),
                        ExitCode::Unavailable);
        }
        spdlog::info("Worker {} available for communication", host);
    }

    // mpirun waits for every rank: a worker whose sshd died (its ranks may live on,
    // or be gone with its container) or this host's own sshd going would leave it
    // waiting, and the workers waiting for it, until the job's MaxRuntime.
    const std::vector<std::string> workers = workers_of(plan);
    const std::string& here = plan.cluster.current_host;
    std::optional<std::string> ended;
    // The workers wait for the status file whatever happens here: notify them
    // even when mpirun fails or cannot start (the toolkit only does on success).
    int status = 1;
    std::exception_ptr failure;
    {
        // One host: mpirun starts every rank itself, no ssh is made and no
        // worker waits, so an sshd that ends there changes nothing (the toolkit
        // starts it all the same): nothing to watch.
        std::optional<DaemonWatch> watch;
        if (!workers.empty()) {
            watch.emplace(
                [&]() -> std::optional<std::string> {
                    if (auto reason = daemon_exit_reason(system, here, own, daemon_when(Moment::Job)))
                        return reason;
                    return announced_end(system, workers, settings.notice_port, settings.connect_timeout,
                                         peer_when(Moment::Job));
                },
                end_program, settings.poll_interval, settings.mpirun_grace);
        }
        try {
            status = execute(launch, filter);
        } catch (...) {
            failure = std::current_exception();
        }
        if (watch) ended = watch->finish();
    }
    // Before the status file, which would end the workers' waits as a success.
    if (ended) announce_end(system, settings.notice_port, settings.notice_window, *ended);
    spdlog::info("Begin writing status file from leader node to worker nodes (if any)");
    const bool failed = !ended && (failure || status != 0);
    notify_workers(plan, system, settings, failed);
    // A failed job's workers wait for this host's root cause, told once this returns.
    if (!failed) wait_for_workers_to_finish(plan, system, settings);
    spdlog::info("Finished writing status file from leader node to worker nodes (if any)");
    if (ended) throw Error(*ended, ExitCode::Unavailable);
    if (failure) std::rethrow_exception(failure);
    return status;
}

int run_mpi_worker(const Plan& plan, const EnvVars& environment, System& system,
                   const MpiClusterSettings& settings) {
    const std::string& master = plan.cluster.master;
    spdlog::info("Starting MPI run as worker node.");
    spdlog::info("Waiting for MPI Master to create SSH daemon.");
    if (!wait_for(system, settings.master_timeout, settings.poll_interval, [&] {
            if (system.can_connect(master, settings.ssh_port, settings.connect_timeout)) return true;
            check_peer(system, settings, master, Moment::Start);
            return false;
        })) {
        throw Error(fmt::format("MPI master {} did not accept connections on port {} within {} s", master,
                                settings.ssh_port, seconds(settings.master_timeout)),
                    ExitCode::Unavailable);
    }
    spdlog::info("MPI Master online, creating SSH daemon.");

    spdlog::info("Writing environment variables to {} for the MPI process.",
                 settings.environment_file.string());
    // PWD is the code dir of sm-train's own start, not the ssh session's; the
    // toolkit's os.environ written there has none.
    EnvVars exported;
    for (const auto& variable : environment) {
        if (variable.first != "PWD") exported.push_back(variable);
    }
    std::vector<std::string> skipped;
    system.append_file(settings.environment_file, environment_file_text(exported, &skipped));
    for (const auto& name : skipped) {
        spdlog::warn("{} is not written to {}: its value has a newline or '#'", name,
                     settings.environment_file.string());
    }

    // A status file already here is an earlier job's: this job's master writes
    // its own only after mpirun, which needs this host's sshd, started below.
    // Left, it would end this job's wait as a success before it began: the
    // hosts of `sm-train local` share /tmp, and so do jobs run one after another
    // on one machine (the master then waited for this host's sshd until its time-out).
    const std::string file = status_file(plan, settings);
    for (const std::string& earlier : {file, failed_marker(file)}) {
        if (system.file_exists(earlier)) {
            spdlog::info("Removing {}: an earlier MPI job's status file", earlier);
            system.remove_file(earlier);
        }
    }
    const StartedDaemon own{start_sshd(system, settings), "sshd"};
    DaemonGuard sshd(system, own.pid);

    spdlog::info("Waiting for MPI process to finish.");
    std::vector<pid_t> daemons;
    // A short MPI run can start and end this host's daemon between two looks:
    // the master's status file then says it is over (the toolkit's worker
    // waits for a daemon that never comes; a CI run of a 2-rank v3 job did).
    bool over_before_seen = false;
    if (!wait_for(system, settings.daemon_start_timeout, settings.poll_interval, [&] {
            // Under this host's sshd (this process's descendant): another job's
            // daemon on the same machine is not this job's.
            daemons = system.find_own_descendants(settings.mpi_daemon_names);
            if (!daemons.empty()) return true;
            if (system.file_exists(file)) return over_before_seen = true;
            check_daemon(system, plan, settings, own, Moment::Start);
            check_peer(system, settings, master, Moment::Start);
            return false;
        })) {
        throw Error(fmt::format("no MPI daemon ({}) started on this host within {} s: the master {} never "
                                "reached it over ssh",
                                fmt::join(settings.mpi_daemon_names, "/"),
                                seconds(settings.daemon_start_timeout), master),
                    ExitCode::Unavailable);
    }
    if (over_before_seen) {
        return worker_end(
            system, settings, master, file,
            "MPI training job status file found before an MPI daemon was seen: the run was over. "
            "Exit gracefully");
    }
    spdlog::info("MPI daemon found: pid {}", fmt::join(daemons, ", "));
    // It lives as long as training does, so there is no limit here: it ends
    // when mpirun on the master ends, or when the master's ssh connection drops.
    // This host's sshd dying meanwhile, or the master announcing its end, ends
    // the job here (the master then hears it and stops mpirun).
    for (pid_t pid : daemons) {
        while (system.process_alive(pid)) {
            check_daemon(system, plan, settings, own, Moment::Job);
            check_peer(system, settings, master, Moment::Job);
            pause(system, settings.poll_interval);
        }
    }
    spdlog::info("Orted process exited");

    spdlog::info("Begin looking for status file on {}", plan.cluster.current_host);
    const auto deadline = system.now() + settings.status_file_timeout;
    auto next_check = system.now() + settings.master_check_interval;
    for (;;) {
        if (system.file_exists(file))
            return worker_end(system, settings, master, file,
                              "MPI training job status file found. Exit gracefully");
        // The master announces a dead sshd (its own, or this host's that it
        // heard of) before it writes the status file. This host's own sshd is
        // not needed any more here: the MPI daemon has ended.
        check_peer(system, settings, master, Moment::Job);
        if (system.now() >= deadline) {
            spdlog::warn("Status file {} not found within {} s. Exiting...", file,
                         seconds(settings.status_file_timeout));
            break;
        }
        if (system.now() >= next_check) {
            if (!system.can_connect(master, settings.ssh_port, settings.connect_timeout)) {
                spdlog::info("Status file not found and master {} is gone. Exiting...", master);
                break;
            }
            next_check = system.now() + settings.master_check_interval;
        }
        pause(system, settings.poll_interval);
    }
    spdlog::info("MPI process finished.");
    return 0;
}

}  // namespace smtrain::runners
