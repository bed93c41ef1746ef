// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// Where a job's time went: the phases sm-train ran (code download,
/// extraction, requirements install, wait for hosts, program, final sync,
/// report) with their start offsets and durations, the program's peak
/// resident memory, the bytes and objects moved to and from S3, and how the
/// job ended. Logged as one block at the end of every job (docs/launcher.md,
/// "Where the time went"), as text or, with SMTRAIN_TIMELINE=json, as one
/// JSON line; never written to a file.
///
/// One recorder per process (Timeline::job()), started when sm-train starts;
/// the steps of a job open a phase with one line: `auto phase =
/// Timeline::job().phase(JobPhase::Training);` and the phase ends with the scope.
/// Only sm-train's main thread records phases. Nothing here throws except
/// where noted.

#include "launcher/lifecycle/job_phase.hpp"

#include <smtrain/environ.hpp>
#include "lib/json.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtrain::launcher {

class Timeline {
public:
    using Clock = std::chrono::steady_clock;

    struct Phase {
        std::string name;
        Clock::duration start{};     ///< from the start of the job
        Clock::duration duration{};  ///< up to now while still open
        bool open = true;
    };

    /// Something that happened at one instant (the deadline warning sent).
    struct Event {
        std::string what;
        Clock::duration at{};  ///< from the start of the job
    };

    /// How the job ended.
    struct Ending {
        int exit_code = 0;    ///< sm-train's exit code
        int signal = 0;       ///< the signal that killed the program, 0 if none
        int stop_signal = 0;  ///< the stop signal (SIGTERM, ...) sm-train received, 0 if none
        bool killed_after_grace = false;
    };

    /// A phase while it runs: ends it when destroyed or at end().
    class Scope {
    public:
        Scope(Timeline* timeline, std::size_t index) : timeline_(timeline), index_(index) {}
        Scope(Scope&& other) noexcept : timeline_(other.timeline_), index_(other.index_) {
            other.timeline_ = nullptr;
        }
        Scope(const Scope&) = delete;
        Scope& operator=(const Scope&) = delete;
        Scope& operator=(Scope&&) = delete;
        ~Scope() { end(); }
        void end();

    private:
        Timeline* timeline_;
        std::size_t index_;
    };

    /// Starts the clock of the job now.
    Timeline();

    /// The process's recorder, started before main().
    static Timeline& job();

    /// Opens the row of `phase`, named as job_phase.hpp names it (a phase may
    /// repeat: each time is its own row).
    [[nodiscard]] Scope phase(JobPhase phase);

    /// What a supervised run (the program, or pip) says about the ending:
    /// the signal that killed it, the stop signal forwarded to it. The exit
    /// code comes with log_job_timeline().
    void process_ended(int term_signal, int stop_signal, bool killed_after_grace);

    /// Records event `what` at `at` (a time point of Clock).
    void event(std::string what, Clock::time_point at);

    const std::vector<Phase>& phases() const { return phases_; }
    const std::vector<Event>& events() const { return events_; }
    Clock::duration elapsed() const { return Clock::now() - start_; }

    /// The block: a heading, one row per phase, one per event, then memory, S3 and the ending.
    /// `peak_rss_kib` < 0 when unknown.
    std::vector<std::string> text_lines(const Ending& ending, long peak_rss_kib) const;
    /// The same as one JSON object on one line (docs/launcher.md lists its fields).
    std::string json(const Ending& ending, long peak_rss_kib) const;
    /// The same object as a value (the diagnostics file holds it).
    Value value(const Ending& ending, long peak_rss_kib) const;

    Ending ending_with(int exit_code) const;

private:
    Clock::time_point start_;
    std::vector<Phase> phases_;
    std::vector<Event> events_;
    int term_signal_ = 0, stop_signal_ = 0;
    bool killed_after_grace_ = false;
};

/// How SMTRAIN_TIMELINE (Settings::timeline) asks for the block: "text" (the
/// default, also when empty), "json" or "off". Anything else: std::nullopt.
enum class TimelineFormat { Text, Json, Off };
std::optional<TimelineFormat> parse_timeline_format(std::string_view value);

/// Logs the job's block (INFO) in `format` (nothing when Off), with the peak
/// RSS of the processes sm-train waited for (getrusage RUSAGE_CHILDREN), and
/// returns `exit_code`. Never throws.
int log_job_timeline(int exit_code, TimelineFormat format);

/// The peak RSS (KiB) of the processes sm-train waited for so far; -1 when unknown.
long children_peak_rss_kib();

}  // namespace smtrain::launcher
