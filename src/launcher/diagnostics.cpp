// SPDX-License-Identifier: Apache-2.0
#include "diagnostics.hpp"

#include "invocation_log.hpp"
#include "report.hpp"
#include "signals.hpp"
#include "stderr_capture.hpp"

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
    for (auto& line : lines) last.emplace_back(Value(process::replace_invalid_utf8(line)));
    Value::Dict cause;
    if (d.root_cause) {
        const RootCause& c = *d.root_cause;
        cause.emplace_back("host", Value(c.host));
        cause.emplace_back("rank", c.rank ? Value(static_cast<std::int64_t>(*c.rank)) : Value());
        cause.emplace_back("local_rank",
                           c.local_rank ? Value(static_cast<std::int64_t>(*c.local_rank)) : Value());
        cause.emplace_back("exit_code", Value(static_cast<std::int64_t>(c.exit_code)));
        cause.emplace_back("signal", c.signal ? Value(process::signal_name(c.signal)) : Value());
        cause.emplace_back("error", Value(masked(process::replace_invalid_utf8(c.error))));
        cause.emplace_back("summary", Value(masked(process::replace_invalid_utf8(c.to_string()))));
    }
    Value::Dict out;
    out.emplace_back("version", Value(static_cast<std::int64_t>(1)));
    out.emplace_back("host", Value(d.host));
    out.emplace_back("runner", Value(std::string(runners::to_string(d.runner))));
    out.emplace_back("command", Value(masked(process::replace_invalid_utf8(d.command))));
    out.emplace_back("exit_code", Value(static_cast<std::int64_t>(d.exit_code)));
    out.emplace_back("signal", d.term_signal ? Value(process::signal_name(d.term_signal)) : Value());
    const std::string_view klass = d.hang         ? "Hang"
                                   : d.root_cause ? class_name(d.root_cause->failure_class)
                                                  : "";
    out.emplace_back("class", klass.empty() ? Value() : Value(std::string(klass)));
    out.emplace_back("root_cause", d.root_cause ? Value(std::move(cause)) : Value());
    Value::Dict hang;
    if (d.hang) {
        hang.emplace_back("reason", Value(masked(process::replace_invalid_utf8(d.hang->reason))));
        hang.emplace_back("stacks_requested", Value(static_cast<std::int64_t>(d.hang->stacks_requested)));
    }
    out.emplace_back("hang", d.hang ? Value(std::move(hang)) : Value());
    out.emplace_back("first_failure_of_job",
                     d.first_failure_of_job.empty()
                         ? Value()
                         : Value(masked(process::replace_invalid_utf8(d.first_failure_of_job))));
    out.emplace_back("error_message", Value(masked(process::replace_invalid_utf8(d.error_message))));
    out.emplace_back("last_lines", Value(std::move(last)));
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
