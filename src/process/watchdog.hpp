// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The hang watchdog (issue 21): notices a program that stopped making
/// progress, and paces the collection of evidence before the supervisor stops it.
///
/// Off unless a deadline is set. The supervisor feeds it the bytes of the
/// program's stdout and stderr as they pass, and asks it once per wake-up
/// (at most once a second while it is on: poll_timeout()) whether to stop.
/// It fires when:
/// - the start deadline passes with no output at all since the program started;
/// - the progress deadline passes with no progress, counted from the first
///   output when a start deadline is set (that one covers the time before it),
///   else from the start: a line (ended by '\n' or
///   '\r', so a progress bar counts), a line matching the pattern when one is
///   set, or, when a heartbeat file is set, a new mtime of that file (then lines do
///   not count).
/// Once fired it asks its finder for the ranks whose stacks to take (the
/// launcher's knowledge, launcher/lifecycle/hang_evidence.hpp) and sends each SIGABRT in
/// turn, the next once the last has ended (their dumps would interleave on the
/// shared stderr otherwise), and, when the launcher asked other hosts for
/// their ranks' stacks too, waits for them to say they are written; at most
/// kStackDumpWait in all; then tick() says "stop now".
///
/// Errors: none thrown (a pattern is checked when the settings are read).

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace smtrain::process {

struct WatchdogSettings {
    /// No output at all this long after the start.
    std::optional<std::chrono::milliseconds> start_deadline;
    /// No progress this long.
    std::optional<std::chrono::milliseconds> progress_deadline;
    /// Only lines matching it (ECMAScript, searched) are progress.
    std::string pattern;
    /// Only a new mtime of this file is progress.
    std::filesystem::path heartbeat_file;
    /// What the reason names as the source of each of the three above, in
    /// brackets (the launcher's setting names; opaque here). Empty: no brackets.
    std::string start_source, progress_source, pattern_source;

    bool on() const { return start_deadline.has_value() || progress_deadline.has_value(); }
};

/// What the watchdog saw when it fired, for the report.
struct Hang {
    /// `Hang: no progress for 3 s (<progress_source>); last line 3.1 s before: "step 1"`.
    std::string reason;
    /// Processes asked for their stacks (SIGABRT sent).
    std::size_t stacks_requested = 0;
    /// The program's stderr tail when the stop began, after the stacks: what
    /// the launcher prints while it is torn down comes after, not instead.
    /// Filled by SupervisorOptions::on_hang_stop (the caller keeps the output).
    std::string stderr_at_stop;
    /// The last line as `reason` quotes it: the program's bytes, before any
    /// rewriting of the launcher's (an MPI rank tag), which only the launcher
    /// knows and may apply to the reason (launcher/lifecycle/hang_evidence.hpp).
    std::string last_line;
};

class HangWatchdog {
public:
    using Clock = std::chrono::steady_clock;
    /// The processes of the program (whose pid is given) to send SIGABRT to, in
    /// order; it may pause the launcher meanwhile (SIGSTOP): the supervisor's
    /// stop sends SIGCONT after its SIGTERM.
    using StackDumper = std::function<std::vector<pid_t>(pid_t program)>;
    /// Whether the stacks asked for elsewhere (other hosts' ranks) are written:
    /// polled once this host's ranks have written theirs, until kStackDumpWait.
    using StacksElsewhere = std::function<bool()>;

    /// How long the ranks have to write their stacks and end before the stop.
    static constexpr std::chrono::milliseconds kStackDumpWait{5000};
    /// How long one rank has before the next is asked.
    static constexpr std::chrono::milliseconds kOneDumpWait{1000};

    HangWatchdog(WatchdogSettings settings, Clock::time_point started);

    /// Bytes of the program's stdout or stderr, as they pass.
    void observe(std::string_view bytes);

    /// Checks the deadlines (and the heartbeat file); once fired, runs the
    /// dumper once and then waits for its processes, then for `elsewhere` (when
    /// given) to hold. True once, when the job should now be stopped (SIGTERM,
    /// grace, SIGKILL).
    bool tick(Clock::time_point now, pid_t program, const StackDumper& dumper,
              const StacksElsewhere& elsewhere = {});

    /// The longest the supervisor's poll may sleep: never more than 1 s, 100 ms
    /// while stacks are being written.
    int poll_timeout_ms(Clock::time_point now) const;

    const std::optional<Hang>& hang() const { return hang_; }

private:
    std::optional<std::string> overdue(Clock::time_point now) const;
    bool matches(const std::string& line) const;
    void check_heartbeat(Clock::time_point now);

    WatchdogSettings settings_;
    std::optional<std::regex> pattern_;
    /// A pattern that is only words joined by '|' (`step|epoch`): searched as
    /// plain strings, tens of times faster than std::regex on a log flood.
    std::vector<std::string> literals_;
    Clock::time_point started_;
    std::optional<Clock::time_point> first_output_;
    Clock::time_point last_progress_;
    std::string partial_;    ///< the line being assembled (bounded)
    std::string last_line_;  ///< the last complete non-empty line
    Clock::time_point last_line_at_;
    std::optional<std::chrono::system_clock::time_point::rep> heartbeat_mtime_;
    std::optional<Hang> hang_;
    std::vector<pid_t> to_ask_;  ///< the ranks not yet sent SIGABRT, in reverse order
    pid_t dumping_ = 0;          ///< the rank writing its stacks now
    Clock::time_point dumping_until_;
    Clock::time_point dump_until_;
    bool stop_said_ = false;
};

}  // namespace smtrain::process
