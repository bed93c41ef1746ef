// SPDX-License-Identifier: Apache-2.0
#include "launcher/lifecycle/rank_evidence.hpp"

#include "runners/mpi_output.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace smtrain::launcher {

namespace {

std::string cut(std::string_view text, std::size_t bytes) {
    return std::string(text.substr(0, std::min(text.size(), bytes)));
}

std::string joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& line : lines) out += line + "\n";
    if (!out.empty()) out.pop_back();
    return out;
}

}  // namespace

void RankLines::observe(std::string_view line, Clock::time_point now) {
    const auto tagged = runners::parse_rank_line(line);
    if (!tagged) return;
    auto it = ranks_.find(tagged->rank);
    if (it == ranks_.end()) {
        if (ranks_.size() >= kMaxRanks) return;
        it = ranks_.emplace(tagged->rank, Rank{std::string(tagged->host), {}, now, {}}).first;
    }
    Rank& rank = it->second;
    if (hang_at_) {
        if (rank.stacks.size() < kStackLines) rank.stacks.push_back(cut(tagged->text, kLineBytes));
        return;
    }
    rank.lines.push_back(cut(tagged->text, kLineBytes));
    if (rank.lines.size() > kLastLines) rank.lines.pop_front();
    rank.last_at = now;
}

void RankLines::hang_seen(Clock::time_point now) {
    if (!hang_at_) hang_at_ = now;
}

std::vector<RankReport> RankLines::reports() const {
    std::vector<RankReport> out;
    for (const auto& [number, rank] : ranks_) {
        RankReport r;
        r.rank = number;
        r.host = rank.host;
        r.last_lines.assign(rank.lines.begin(), rank.lines.end());
        if (hang_at_ && !rank.lines.empty())
            r.silent_s = std::chrono::duration<double>(*hang_at_ - rank.last_at).count();
        r.stacks = joined(rank.stacks);
        r.source = "mpirun's rank tags";
        out.push_back(std::move(r));
    }
    return out;
}

std::vector<std::string> stacks_in_order(std::string_view stderr_text, std::size_t asked) {
    constexpr std::string_view kStart = "Fatal Python error: Aborted";
    constexpr std::string_view kEnd = "Extension modules:";
    std::vector<std::size_t> starts;
    for (std::size_t at = stderr_text.find(kStart); at != std::string_view::npos;
         at = stderr_text.find(kStart, at + kStart.size())) {
        if (at == 0 || stderr_text[at - 1] == '\n') starts.push_back(at);
    }
    if (asked == 0 || starts.size() < asked) return {};
    starts.erase(starts.begin(), starts.end() - static_cast<std::ptrdiff_t>(asked));
    constexpr std::size_t kMaxBytes = 8192;
    std::vector<std::string> dumps;
    for (std::size_t i = 0; i < starts.size(); ++i) {
        const std::size_t next = i + 1 < starts.size() ? starts[i + 1] : stderr_text.size();
        std::string_view dump = stderr_text.substr(starts[i], next - starts[i]);
        const std::size_t end = dump.find(kEnd);
        if (end != std::string_view::npos) dump = dump.substr(0, std::min(dump.size(), dump.find('\n', end)));
        while (!dump.empty() && (dump.back() == '\n' || dump.back() == '\r')) dump.remove_suffix(1);
        dumps.push_back(cut(dump, kMaxBytes));
    }
    return dumps;
}

void merge_reports(std::vector<RankReport>& into, const std::vector<RankReport>& more) {
    for (const RankReport& m : more) {
        auto it =
            std::find_if(into.begin(), into.end(), [&](const RankReport& r) { return r.rank == m.rank; });
        if (it == into.end()) {
            into.push_back(m);
            continue;
        }
        RankReport& r = *it;
        if (!r.local_rank) r.local_rank = m.local_rank;
        if (r.host.empty()) r.host = m.host;
        if (r.last_lines.empty()) r.last_lines = m.last_lines;
        if (!r.silent_s) r.silent_s = m.silent_s;
        if (!r.exit_code) {
            r.exit_code = m.exit_code;
            r.signal = m.signal;
        }
        if (r.error.empty()) r.error = m.error;
        // A rank's stacks may come from several processes (a DataLoader worker has its RANK too).
        if (!m.stacks.empty()) r.stacks += (r.stacks.empty() ? "" : "\n") + m.stacks;
        if (m.source != r.source) r.source += (r.source.empty() ? "" : "; ") + m.source;
    }
    std::sort(into.begin(), into.end(),
              [](const RankReport& a, const RankReport& b) { return a.rank < b.rank; });
}

std::vector<const RankReport*> by_last_line(const std::vector<RankReport>& reports) {
    std::vector<const RankReport*> printed;
    for (const RankReport& r : reports) {
        if (r.silent_s && !r.last_lines.empty()) printed.push_back(&r);
    }
    std::stable_sort(printed.begin(), printed.end(),
                     [](const RankReport* a, const RankReport* b) { return *a->silent_s < *b->silent_s; });
    return printed;
}

std::string last_to_print(const std::vector<RankReport>& reports) {
    const std::vector<const RankReport*> printed = by_last_line(reports);
    if (printed.empty()) return {};
    constexpr std::size_t kShown = 8;
    std::string text = "Last to print (rank tags): ";
    for (std::size_t i = 0; i < printed.size() && i < kShown; ++i) {
        const RankReport& r = *printed[i];
        std::string line = cut(r.last_lines.back(), 100);
        for (char& c : line) {
            if (c == '"') c = '\'';
        }
        text += fmt::format("{}rank {} on {}, {:.1f} s before{}: \"{}\"", i == 0 ? "" : "; then ", r.rank,
                            r.host, *r.silent_s, i == 0 ? " the watchdog fired" : "", line);
    }
    if (printed.size() > kShown) text += fmt::format("; and {} more rank(s)", printed.size() - kShown);
    return text;
}

}  // namespace smtrain::launcher
