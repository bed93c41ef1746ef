// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The side effects the runners' choreography needs (daemons, short commands,
/// TCP probes, /proc scans, files, time, the stop request), behind one
/// interface so that the MPI and parameter-server waits can be tested with
/// fake executables and short time-outs.
///
/// Errors (the process layer's convention): a program that cannot be started
/// throws SpawnError (start_daemon, run_short); once it runs, its end is a
/// value, never an exception. append_file and remove_file throw smtrain::Error
/// naming the file. The probes (can_connect, find_own_descendants, process_alive, file_exists)
/// answer false or nothing on any failure and never throw.

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtrain::process {

class StopRequest;

/// How a daemon ended: its exit code (128+N for signal N) and the last lines
/// it wrote on stderr (at most 4 KiB), which say why.
struct DaemonExit {
    int exit_code = 0;
    std::string stderr_tail;
};

class System {
public:
    virtual ~System() = default;

    /// Starts a long-running daemon (`sshd -D`) with sm-train's environment, in
    /// its own process group, stdin from /dev/null; returns its pid. Its stderr
    /// is passed on to sm-train's and its tail kept for daemon_exited().
    virtual pid_t start_daemon(const std::vector<std::string>& argv) = 0;
    /// Ends a daemon started above (SIGTERM, then SIGKILL after a grace period) and reaps it.
    virtual void stop_daemon(pid_t pid) = 0;
    /// How a daemon started above ended, once it has (it is then reaped and
    /// stop_daemon() has nothing left to do); nullopt while it runs. Never blocks
    /// for long: when it has ended, waits at most half a second for its last stderr.
    virtual std::optional<DaemonExit> daemon_exited(pid_t pid) = 0;
    /// Creates `path` (and its parents) when absent and gives it `mode`, as a
    /// daemon's own service does before starting it (sshd's /run/sshd). Throws
    /// smtrain::Error naming the path when it cannot.
    virtual void make_directory(const std::filesystem::path& path, unsigned mode) = 0;
    /// Answers every TCP connection on `port` with `text`, then closes it,
    /// until `duration` has passed or a stop is requested: how a host whose job
    /// ended at the start tells the hosts waiting for it why. Best effort: a
    /// port that cannot be opened ends it at once.
    virtual void announce(int port, std::string_view text, std::chrono::milliseconds duration) = 0;
    /// As announce(), but ends as soon as `readers` connections were answered
    /// (the hosts that wait for this text have each read it): a host whose
    /// peers only read, never answer, need not keep answering to the end.
    virtual void announce_to_readers(int port, std::string_view text, std::chrono::milliseconds duration,
                                     std::size_t /*readers*/) {
        announce(port, text, duration);
    }
    /// What `host` announces on `port` (at most 4 KiB), or nullopt when nothing
    /// answers there within `timeout`.
    virtual std::optional<std::string> read_announcement(const std::string& host, int port,
                                                         std::chrono::milliseconds timeout) = 0;
    /// Sends `text` (at most 4 KiB) to whoever receives notices on `host`'s
    /// `port` (receive_notices()); false when nothing took it within `timeout`.
    /// How a host tells the others of something they cannot see, at once (its
    /// hang watchdog fired). A System without a network sends nothing.
    virtual bool send_notice(const std::string& /*host*/, int /*port*/, std::string_view /*text*/,
                             std::chrono::milliseconds /*timeout*/) {
        return false;
    }
    /// Takes every connection on `port` and hands what it sends (at most 4 KiB,
    /// read for at most 500 ms) to `heard`, until `done` is set or a stop is
    /// requested (seen within a second, or at once when a connection follows:
    /// an empty one is heard as nothing). Best effort: a port that cannot be
    /// opened ends it at once.
    virtual void receive_notices(int /*port*/, const std::function<void(std::string)>& /*heard*/,
                                 const std::atomic<bool>& /*done*/) {}
    /// Runs a short command to its end, stdin from /dev/null and output to
    /// sm-train's stderr; kills it (its process group) after `timeout`.
    /// Returns the exit status (128+N when killed by signal N).
    virtual int run_short(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) = 0;
    /// Whether `host` accepts a TCP connection on `port` within `timeout`.
    virtual bool can_connect(const std::string& host, int port, std::chrono::milliseconds timeout) = 0;
    /// Pids of this process's descendants whose name (/proc/PID/comm) is one
    /// of `names`: what the daemons it started (an MPI worker's sshd) run, never
    /// another job's processes of the same name on the machine.
    virtual std::vector<pid_t> find_own_descendants(const std::vector<std::string>& names) = 0;
    /// Whether the process still exists (and is not a zombie).
    virtual bool process_alive(pid_t pid) = 0;
    virtual bool file_exists(const std::filesystem::path& path) = 0;
    /// Appends `text` to `path`, creating it when absent.
    virtual void append_file(const std::filesystem::path& path, std::string_view text) = 0;
    /// Removes the file `path` when it exists.
    virtual void remove_file(const std::filesystem::path& path) = 0;
    /// The stop signal (SIGTERM, SIGINT, SIGHUP, SIGQUIT) of a stop requested
    /// so far; 0 when none. Long waits call it so that SageMaker's SIGTERM ends them.
    virtual int take_stop_signal() = 0;
    virtual std::chrono::steady_clock::time_point now() = 0;
    /// Sleeps for `duration`, or less when a stop is requested.
    virtual void sleep_for(std::chrono::milliseconds duration) = 0;
};

/// A daemon started with System::start_daemon, stopped (and reaped) however
/// the scope is left: the MPI hosts' sshd, the TensorFlow parameter server.
class DaemonGuard {
public:
    DaemonGuard(System& system, pid_t pid) : system_(system), pid_(pid) {}
    ~DaemonGuard() { system_.stop_daemon(pid_); }
    DaemonGuard(const DaemonGuard&) = delete;
    DaemonGuard& operator=(const DaemonGuard&) = delete;

private:
    System& system_;
    pid_t pid_;
};

/// The real system (POSIX). Its stops come from `stop` (the job's
/// StopRequest, fed by the StopListener while no supervisor runs); without
/// one, from the pending stop signals sm-train holds blocked.
std::unique_ptr<System> make_posix_system(const StopRequest* stop);

/// make_posix_system(nullptr), made once.
System& posix_system();

}  // namespace smtrain::process
