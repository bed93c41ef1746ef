// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// Running a program to completion as its supervisor (PID 1 or subreaper).
///
/// One thread, one loop: signalfd + poll over the captured pipes. Signals in
/// kForwardedSignals go to the program's process group; every child that
/// exits is reaped (orphans included); stderr is passed through as it comes,
/// and handed, every byte of it, to the caller's StreamObserver (the
/// launcher's capture for the failure report).
///
/// Errors (the process layer's convention): supervise() throws SpawnError
/// when the program cannot start and smtrain::Error(Internal) when the kernel
/// refuses a signalfd or a poll; everything the program does (any exit, any
/// signal, a stalled sink) is in the RunResult. Whatever step throws (a poll,
/// an observer, a callback), the exception leaves nothing behind: every
/// descriptor is closed, and a program still running is stopped (SIGTERM to its
/// group, then SIGKILL) and reaped. The SIGKILL comes at the deadline of a stop
/// already under way (the program was asked to save its work), else after
/// kStopOnFaultGrace: nobody asked the program to stop, and an internal fault
/// must not hold the job for the grace period of a stop (110 s by default).

#include "process/output_sink.hpp"
#include "process/spawn.hpp"
#include "process/stream_observer.hpp"
#include "process/watchdog.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <poll.h>
#include <sys/types.h>

namespace smtrain::process {

class SignalBlock;
class StopRequest;
class StopListener;

/// Rewrites one line of output (without its '\n'); the result is written
/// followed by '\n'. MPI uses it to turn `[1,3]<stdout>` into `[1,mpirank:3,algo-2]<stdout>`.
using LineRewriter = std::function<std::string(std::string_view line)>;

/// How long a program that nobody asked to stop has between SIGTERM and SIGKILL
/// when supervision ends by an exception (or the grace period, if shorter):
/// enough for a launcher (torchrun, mpirun) to pass the SIGTERM on and its
/// ranks to exit, short next to a stop's grace period.
inline constexpr std::chrono::seconds kStopOnFaultGrace{5};

struct SupervisorOptions {
    /// After a forwarded SIGTERM (or INT/HUP/QUIT), how long the program may take
    /// to exit before its process group is killed with SIGKILL.
    std::chrono::milliseconds grace_period = std::chrono::seconds(110);
    /// Called once the grace period has run out, before the SIGKILL, so the
    /// failure report (from what the stderr observer has seen so far) is on
    /// disk before the platform's own SIGKILL (SageMaker sends it 120 s after SIGTERM).
    std::function<void()> on_grace_expired;
    /// Sees every byte of the program's stderr, whatever the sink drops; the
    /// caller keeps it alive during supervise(). nullptr: none.
    StreamObserver* stderr_observer = nullptr;
    /// Optional per-line rewriting; setting one captures that stream.
    LineRewriter stdout_rewriter;
    LineRewriter stderr_rewriter;
    /// Where passed-through output goes (tests point these at files); -1: nowhere.
    /// Written through an OutputSink, so a reader that stalls never blocks the
    /// supervisor: what it cannot take is dropped and counted, never waited for.
    int stdout_sink = 1;
    int stderr_sink = 2;
    /// The job's stop request: a stop signal forwarded is recorded there, and one
    /// recorded before the program started is forwarded to it at once.
    StopRequest* stop = nullptr;
    /// Paused while the supervisor runs, so that it alone takes the signals.
    StopListener* listener = nullptr;
    /// Called once the program has started, with its pid (its process group's
    /// id too): the deadline warning (launcher/deadline_warning.hpp) arms on it.
    std::function<void(pid_t)> on_started;
    /// The hang watchdog (watchdog.hpp); off unless a deadline is set. When on,
    /// stdout is captured too (passed on to stdout_sink), so that every line counts.
    WatchdogSettings watchdog;
    /// When the watchdog fires: asks the ranks for their stacks (the launcher's
    /// knowledge of which processes are ranks), before the stop.
    HangWatchdog::StackDumper dump_stacks;
    /// Whether the stacks dump_stacks asked other hosts for are written (an
    /// MPI master's workers): the stop waits for it, within the dumps' time.
    HangWatchdog::StacksElsewhere stacks_elsewhere;
    /// When the watchdog's stop begins (after the stacks, before the SIGTERM):
    /// the caller adds what it kept of the output (Hang::stderr_at_stop).
    std::function<void(Hang&)> on_hang_stop;
};

struct RunResult {
    int wait_status = 0;              ///< raw waitpid status of the program
    int exit_code = 0;                ///< its exit code, or 128+N when killed by signal N
    int term_signal = 0;              ///< N when killed by a signal, else 0
    bool killed_after_grace = false;  ///< sm-train sent SIGKILL after the grace period
    int forwarded_stop_signal = 0;    ///< the first stop signal forwarded, if any
    /// When it was forwarded (the platform's SIGKILL follows 120 s after SIGTERM).
    std::optional<std::chrono::steady_clock::time_point> stop_signal_at;
    /// Set when the hang watchdog fired: sm-train then stopped the program
    /// (SIGTERM, grace, SIGKILL) after asking for its stacks.
    std::optional<Hang> hang;
};

/// Starts `spec` (its stderr a pipe read by the supervisor) and supervises it
/// until it exits. Throws SpawnError when it cannot start.
/// `signals` must be the block installed at the start of main().
RunResult supervise(SpawnSpec spec, const SignalBlock& signals, const SupervisorOptions& options = {});

/// poll(2) as the supervision loop calls it.
using PollFunction = std::function<int(pollfd* fds, nfds_t count, int timeout_ms)>;

/// supervise() waiting through `poll`: the seam where a test makes a step fail
/// (tests/process/supervisor_faults_test.cpp).
RunResult supervise_with_poll(SpawnSpec spec, const SignalBlock& signals, const SupervisorOptions& options,
                              PollFunction poll);

/// Makes this process the reaper of its descendants' orphans
/// (PR_SET_CHILD_SUBREAPER); a no-op as PID 1. Returns false when refused.
bool become_subreaper();

}  // namespace smtrain::process
