// SPDX-License-Identifier: Apache-2.0
#include "launcher/lifecycle/timeline.hpp"

#include "process/signals.hpp"
#include "s3/transfer_counters.hpp"

#include <smtrain/value.hpp>
#include "lib/json.hpp"

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <cmath>

namespace smtrain::launcher {

namespace {

// The clock starts when sm-train does, before main() (static initialisation).
[[maybe_unused]] const Timeline& started_at_load = Timeline::job();

double seconds(Timeline::Clock::duration d) {
    // Milliseconds are enough for a job's phases, and keep the JSON short.
    return std::round(std::chrono::duration<double>(d).count() * 1000.0) / 1000.0;
}

std::string mib(std::uint64_t bytes) {
    return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / 1048576.0);
}

std::string ending_text(const Timeline::Ending& e) {
    std::string text = fmt::format("exit code {}", e.exit_code);
    if (e.signal) text += fmt::format(", the program was killed by {}", process::signal_name(e.signal));
    if (e.stop_signal) text += fmt::format(", stopped by {}", process::signal_name(e.stop_signal));
    if (e.killed_after_grace) text += ", killed after the grace period";
    return text;
}

Value count(std::uint64_t n) { return Value(static_cast<std::int64_t>(n)); }

}  // namespace

void Timeline::Scope::end() {
    if (!timeline_) return;
    Phase& phase = timeline_->phases_[index_];
    phase.duration = Clock::now() - timeline_->start_ - phase.start;
    phase.open = false;
    timeline_ = nullptr;
}

Timeline::Timeline() : start_(Clock::now()) {}

Timeline& Timeline::job() {
    static Timeline timeline;
    return timeline;
}

Timeline::Scope Timeline::phase(JobPhase phase) {
    phases_.push_back(Phase{std::string(name_of(phase)), Clock::now() - start_, {}, true});
    return Scope(this, phases_.size() - 1);
}

void Timeline::event(std::string what, Clock::time_point at) {
    events_.push_back(Event{std::move(what), at - start_});
}

void Timeline::process_ended(int term_signal, int stop_signal, bool killed_after_grace) {
    term_signal_ = term_signal;
    if (stop_signal) stop_signal_ = stop_signal;
    killed_after_grace_ = killed_after_grace_ || killed_after_grace;
}

Timeline::Ending Timeline::ending_with(int exit_code) const {
    return Ending{exit_code, term_signal_, stop_signal_, killed_after_grace_};
}

std::vector<std::string> Timeline::text_lines(const Ending& ending, long peak_rss_kib) const {
    const Clock::duration total = elapsed();
    std::vector<std::string> lines;
    lines.push_back(fmt::format("Where the time went ({:.3f} s in all):", seconds(total)));
    lines.push_back(fmt::format("  {:<22}{:>10}{:>12}", "phase", "start", "duration"));
    for (const Phase& p : phases_) {
        const Clock::duration duration = p.open ? total - p.start : p.duration;
        lines.push_back(fmt::format("  {:<22}{:>8.3f} s{:>10.3f} s{}", p.name, seconds(p.start),
                                    seconds(duration), p.open ? " (unfinished)" : ""));
    }
    for (const Event& e : events_) lines.push_back(fmt::format("  at {:.3f} s: {}", seconds(e.at), e.what));
    lines.push_back(peak_rss_kib < 0 ? std::string("  program peak RSS: unknown")
                                     : fmt::format("  program peak RSS: {}",
                                                   mib(static_cast<std::uint64_t>(peak_rss_kib) * 1024)));
    const s3::TransferTotals s3 = s3::transfer_counters().totals();
    lines.push_back(fmt::format("  S3: downloaded {} in {} object(s), uploaded {} in {} object(s)",
                                mib(s3.downloaded_bytes), s3.downloaded_files, mib(s3.uploaded_bytes),
                                s3.uploaded_files));
    lines.push_back("  ended: " + ending_text(ending));
    return lines;
}

std::string Timeline::json(const Ending& ending, long peak_rss_kib) const {
    return dump_json(value(ending, peak_rss_kib), JsonDumpOptions{.sort_keys = false, .indent = -1});
}

Value Timeline::value(const Ending& ending, long peak_rss_kib) const {
    const Clock::duration total = elapsed();
    Value::List phases;
    for (const Phase& p : phases_) {
        const Clock::duration duration = p.open ? total - p.start : p.duration;
        Value::Dict row;
        row.emplace_back("name", Value(p.name));
        row.emplace_back("start_s", Value(seconds(p.start)));
        row.emplace_back("duration_s", Value(seconds(duration)));
        row.emplace_back("finished", Value(!p.open));
        phases.emplace_back(std::move(row));
    }
    Value::List events;
    for (const Event& e : events_) {
        Value::Dict row;
        row.emplace_back("what", Value(e.what));
        row.emplace_back("at_s", Value(seconds(e.at)));
        events.emplace_back(std::move(row));
    }
    const s3::TransferTotals s3 = s3::transfer_counters().totals();
    Value::Dict transfers;
    transfers.emplace_back("downloaded_bytes", count(s3.downloaded_bytes));
    transfers.emplace_back("downloaded_objects", count(s3.downloaded_files));
    transfers.emplace_back("uploaded_bytes", count(s3.uploaded_bytes));
    transfers.emplace_back("uploaded_objects", count(s3.uploaded_files));
    Value::Dict end;
    end.emplace_back("exit_code", Value(ending.exit_code));
    end.emplace_back("signal", ending.signal ? Value(process::signal_name(ending.signal)) : Value());
    end.emplace_back("stopped_by",
                     ending.stop_signal ? Value(process::signal_name(ending.stop_signal)) : Value());
    end.emplace_back("killed_after_grace", Value(ending.killed_after_grace));
    Value::Dict out;
    out.emplace_back("total_s", Value(seconds(total)));
    out.emplace_back("phases", Value(std::move(phases)));
    out.emplace_back("events", Value(std::move(events)));
    out.emplace_back("peak_rss_kib",
                     peak_rss_kib < 0 ? Value() : Value(static_cast<std::int64_t>(peak_rss_kib)));
    out.emplace_back("s3", Value(std::move(transfers)));
    out.emplace_back("ended", Value(std::move(end)));
    return Value(std::move(out));
}

std::optional<TimelineFormat> parse_timeline_format(std::string_view value) {
    if (value.empty() || value == "text") return TimelineFormat::Text;
    if (value == "json") return TimelineFormat::Json;
    if (value == "off") return TimelineFormat::Off;
    return std::nullopt;
}

long children_peak_rss_kib() {
    // ru_maxrss of the children: the largest resident set of any process
    // sm-train (or, as subreaper, its orphan reaping) waited for.
    rusage usage{};
    return getrusage(RUSAGE_CHILDREN, &usage) == 0 ? usage.ru_maxrss : -1;
}

int log_job_timeline(int exit_code, TimelineFormat format) {
    try {
        if (format == TimelineFormat::Off) return exit_code;
        const long peak = children_peak_rss_kib();
        const Timeline& timeline = Timeline::job();
        const Timeline::Ending ending = timeline.ending_with(exit_code);
        if (format == TimelineFormat::Json) {
            spdlog::info("Timeline: {}", timeline.json(ending, peak));
        } else {
            for (const std::string& line : timeline.text_lines(ending, peak)) spdlog::info("{}", line);
        }
    } catch (const std::exception&) {
        // A summary that cannot be logged must not change how the job ends.
    }
    return exit_code;
}

}  // namespace smtrain::launcher
