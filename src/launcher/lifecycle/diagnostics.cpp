// SPDX-License-Identifier: Apache-2.0
#include "launcher/lifecycle/diagnostics.hpp"

#include "launcher/lifecycle/invocation_log.hpp"
#include "launcher/lifecycle/report.hpp"
#include "launcher/lifecycle/stderr_capture.hpp"
#include "process/signals.hpp"

#include "lib/json.hpp"

#include <spdlog/spdlog.h>

#include <deque>

namespace smtrain::launcher {

std::string diagnostics_json(const FailureDiagnostics& d, const Environ& environ) {
    // Masked first, so that no field, however it was built, keeps a secret.
    auto masked = [&](std::string text) {
        for (const auto& [name, value] : environ) {
            if (is_secret_name(name) && value.size() >= 4) mask_all(text, value);
        }
        return text;
    };
    std::deque<std::string> lines;
    std::size_t start = 0;
    const std::string tail = masked(d.stderr_tail);
    while (start < tail.size()) {
        std::size_t end = tail.find('\n', start);
        if (end == std::string::npos) end = tail.size();
        lines.emplace_back(tail.substr(start, end - start));
        if (lines.size() > kLastLines) lines.pop_front();
        start = end + 1;
    }
    Value::List last;
    for (auto& line : lines) last.emplace_back(Value(replace_invalid_utf8(line)));
    Value::Dict cause;
    if (d.root_cause) {
        const RootCause& c = *d.root_cause;
        cause.emplace_back("host", Value(c.host));
        cause.emplace_back("rank", c.rank ? Value(static_cast<std::int64_t>(*c.rank)) : Value());
        cause.emplace_back("local_rank",
                           c.local_rank ? Value(static_cast<std::int64_t>(*c.local_rank)) : Value());
        cause.emplace_back("exit_code", Value(static_cast<std::int64_t>(c.exit_code)));
        cause.emplace_back("signal", c.signal ? Value(process::signal_name(c.signal)) : Value());
        cause.emplace_back("error", Value(masked(replace_invalid_utf8(c.error))));
        cause.emplace_back("summary", Value(masked(replace_invalid_utf8(c.to_string()))));
    }
    Value::Dict out;
    out.emplace_back("version", Value(static_cast<std::int64_t>(1)));
    out.emplace_back("host", Value(d.host));
    out.emplace_back("runner", Value(std::string(runners::to_string(d.runner))));
    out.emplace_back("command", Value(masked(replace_invalid_utf8(d.command))));
    out.emplace_back("exit_code", Value(static_cast<std::int64_t>(d.exit_code)));
    out.emplace_back("signal", d.term_signal ? Value(process::signal_name(d.term_signal)) : Value());
    const std::string_view klass = d.hang         ? "Hang"
                                   : d.root_cause ? class_name(d.root_cause->failure_class)
                                                  : "";
    out.emplace_back("class", klass.empty() ? Value() : Value(std::string(klass)));
    out.emplace_back("root_cause", d.root_cause ? Value(std::move(cause)) : Value());
    Value::Dict hang;
    if (d.hang) {
        hang.emplace_back("reason", Value(masked(replace_invalid_utf8(d.hang->reason))));
        auto count = [](std::size_t n) { return Value(static_cast<std::int64_t>(n)); };
        hang.emplace_back("stacks_requested", count(d.hang_stacks.total()));
        hang.emplace_back("stacks_requested_here", count(d.hang_stacks.here));
        hang.emplace_back("stacks_requested_elsewhere", count(d.hang_stacks.elsewhere));
        hang.emplace_back("hosts_elsewhere", count(d.hang_stacks.hosts_elsewhere));
    }
    Value::List ranks;
    for (const RankReport& r : d.ranks) {
        auto text = [&](const std::string& t) { return Value(masked(replace_invalid_utf8(t))); };
        auto integer = [](const std::optional<int>& v) {
            return v ? Value(static_cast<std::int64_t>(*v)) : Value();
        };
        Value::List own_lines;
        for (const auto& line : r.last_lines) own_lines.emplace_back(text(line));
        Value::Dict rank;
        rank.emplace_back("rank", Value(static_cast<std::int64_t>(r.rank)));
        rank.emplace_back("local_rank", integer(r.local_rank));
        rank.emplace_back("host", Value(r.host));
        rank.emplace_back("exit_code", integer(r.exit_code));
        rank.emplace_back("signal", r.signal ? Value(process::signal_name(r.signal)) : Value());
        rank.emplace_back("error", r.error.empty() ? Value() : text(r.error));
        rank.emplace_back("last_lines", Value(std::move(own_lines)));
        rank.emplace_back("silent_before_hang_s", r.silent_s ? Value(*r.silent_s) : Value());
        rank.emplace_back("stacks", r.stacks.empty() ? Value() : text(r.stacks));
        rank.emplace_back("from", Value(r.source));
        ranks.emplace_back(Value(std::move(rank)));
    }
    if (d.hang) {
        // Which ranks printed last before the hang, the latest first.
        Value::List order;
        for (const RankReport* r : by_last_line(d.ranks))
            order.emplace_back(Value(static_cast<std::int64_t>(r->rank)));
        hang.emplace_back("last_to_print", order.empty() ? Value() : Value(std::move(order)));
    }
    out.emplace_back("hang", d.hang ? Value(std::move(hang)) : Value());
    out.emplace_back("first_failure_of_job",
                     d.first_failure_of_job.empty()
                         ? Value()
                         : Value(masked(replace_invalid_utf8(d.first_failure_of_job))));
    out.emplace_back("error_message", Value(masked(replace_invalid_utf8(d.error_message))));
    out.emplace_back("last_lines", Value(std::move(last)));
    out.emplace_back("ranks", d.ranks.empty() ? Value() : Value(std::move(ranks)));
    out.emplace_back("timeline", d.timeline);
    return dump_json(Value(std::move(out)), JsonDumpOptions{.sort_keys = false, .indent = 2}) + "\n";
}

void write_diagnostics(const std::filesystem::path& output_dir, const FailureDiagnostics& d,
                       const Environ& environ) {
    const std::filesystem::path dir = output_dir / "data";
    try {
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        write_file_atomically(dir / "sm-train-diagnostics.json", diagnostics_json(d, environ), true);
        spdlog::info("Diagnostics written to {}", (dir / "sm-train-diagnostics.json").string());
    } catch (const std::exception& e) {
        spdlog::warn("No diagnostics file: {}", e.what());
    }
}

}  // namespace smtrain::launcher
