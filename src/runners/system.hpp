// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The side effects of the distributed runners (daemons, short commands, TCP
/// probes, /proc scans, files, time), behind one interface so that the
/// orchestration can be tested with fake executables and short time-outs.

#include "plan.hpp"

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace smtrain::runners {

class System {
public:
    virtual ~System() = default;

    /// Starts a long-running daemon (`sshd -D`) with sm-train's environment; returns its pid.
    /// Throws smtrain::Error when it cannot be started.
    virtual pid_t start_daemon(const std::vector<std::string>& argv) = 0;
    /// Ends a daemon started above (SIGTERM, then SIGKILL after a grace period) and reaps it.
    virtual void stop_daemon(pid_t pid) = 0;
    /// Runs a short command to its end, stdin from /dev/null and output to
    /// sm-train's stderr; kills it after `timeout`. Returns the exit status
    /// (128+N when killed by signal N, 127 when it could not be started).
    virtual int run_short(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) = 0;
    /// Whether `host` accepts a TCP connection on `port` within `timeout`.
    virtual bool can_connect(const std::string& host, int port, std::chrono::milliseconds timeout) = 0;
    /// Pids of the processes whose name (/proc/PID/comm) is one of `names`.
    virtual std::vector<pid_t> find_processes(const std::vector<std::string>& names) = 0;
    /// Whether the process still exists (and is not a zombie).
    virtual bool process_alive(pid_t pid) = 0;
    virtual bool file_exists(const std::filesystem::path& path) = 0;
    /// Appends `text` to `path`, creating it when absent.
    virtual void append_file(const std::filesystem::path& path, std::string_view text) = 0;
    /// A stop signal (SIGTERM, SIGINT, SIGHUP, SIGQUIT) that arrived while
    /// sm-train holds them blocked, taken from the pending set; 0 when none.
    /// Long waits call it so that SageMaker's SIGTERM ends them.
    virtual int take_stop_signal() = 0;
    virtual std::chrono::steady_clock::time_point now() = 0;
    virtual void sleep_for(std::chrono::milliseconds duration) = 0;
};

/// The real system (POSIX).
System& posix_system();

/// Transforms one line of the program's output (no trailing newline).
using LineFilter = std::function<std::string(std::string_view)>;

/// Runs the program to its end and returns its exit status (128+N when
/// killed by signal N). The launcher supplies its supervisor here (signal
/// forwarding, stderr tail, reports); `filter`, when set, is applied to every
/// line of stdout and stderr.
using ProgramExecutor = std::function<int(const Launch& launch, const LineFilter& filter)>;

/// A simple executor for tests and tools: posix_spawnp with `environ` plus
/// `launch.env`, in `cwd`, stdout and stderr passed through (line by line through
/// `filter` when set), waiting for the end.
int run_program(const Launch& launch, const LineFilter& filter, const Environ& environ,
                const std::filesystem::path& cwd);

}  // namespace smtrain::runners
