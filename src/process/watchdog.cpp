// SPDX-License-Identifier: Apache-2.0
#include "process/watchdog.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace smtrain::process {
namespace {

/// Enough of a line to match a pattern on and to show in the report.
constexpr std::size_t kMaxLine = 1024;
/// The last line as the reason shows it.
constexpr std::size_t kShownLine = 200;

std::string seconds(std::chrono::milliseconds d) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", static_cast<double>(d.count()) / 1000.0);
    return text;
}

std::string in_brackets(const std::string& source) { return source.empty() ? "" : " (" + source + ")"; }

/// Whether `pid` has ended: gone, or a zombie its parent has not reaped yet
/// (torchrun reaps its workers only at its next monitor round).
bool ended(pid_t pid) {
    const std::string path = "/proc/" + std::to_string(pid) + "/stat";
    char buffer[512];
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return true;
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    ::close(fd);
    const std::string_view text(buffer, n > 0 ? static_cast<std::size_t>(n) : 0);
    const auto paren = text.rfind(')');
    if (paren == std::string::npos || paren + 2 >= text.size()) return true;
    const char state = text[paren + 2];
    return state == 'Z' || state == 'X';
}

std::optional<std::chrono::system_clock::time_point::rep> mtime_of(const std::filesystem::path& file) {
    struct stat st {};
    if (file.empty() || ::stat(file.c_str(), &st) != 0) return std::nullopt;
    return static_cast<std::chrono::system_clock::time_point::rep>(st.st_mtim.tv_sec) * 1'000'000'000 +
           st.st_mtim.tv_nsec;
}

}  // namespace

HangWatchdog::HangWatchdog(WatchdogSettings settings, Clock::time_point started)
    : settings_(std::move(settings)), started_(started), last_progress_(started) {
    if (!settings_.pattern.empty()) pattern_.emplace(settings_.pattern, std::regex::ECMAScript);
    const bool plain = std::all_of(settings_.pattern.begin(), settings_.pattern.end(), [](unsigned char c) {
        return std::isalnum(c) || c == ' ' || c == '_' || c == '-' || c == ':' || c == '=' || c == '|';
    });
    if (pattern_ && plain) {
        std::size_t start = 0;
        for (;;) {
            const std::size_t bar = settings_.pattern.find('|', start);
            literals_.push_back(settings_.pattern.substr(start, bar - start));
            if (bar == std::string::npos) break;
            start = bar + 1;
        }
    }
    // A heartbeat left by an earlier run is not progress of this one.
    heartbeat_mtime_ = mtime_of(settings_.heartbeat_file);
}

void HangWatchdog::observe(std::string_view bytes) {
    if (bytes.empty()) return;
    const Clock::time_point now = Clock::now();
    if (!first_output_) {
        first_output_ = now;
        // The start deadline covered the time before the first output (an
        // import of torch, a download): the progress deadline counts from here.
        if (settings_.start_deadline) last_progress_ = now;
    }
    const bool lines_count = settings_.heartbeat_file.empty();
    auto take_partial = [&](std::string_view piece) {
        partial_.append(piece.substr(0, kMaxLine - std::min(kMaxLine, partial_.size())));
    };
    auto line_ended = [&] {
        if (partial_.empty()) return;
        last_line_ = partial_.substr(0, kShownLine);
        last_line_at_ = now;
        if (lines_count && (!pattern_ || matches(partial_))) last_progress_ = now;
        partial_.clear();
    };
    if (pattern_) {  // each line is matched
        while (!bytes.empty()) {
            const std::size_t end = bytes.find_first_of("\r\n");
            take_partial(bytes.substr(0, end));
            if (end == std::string_view::npos) return;
            line_ended();
            bytes.remove_prefix(end + 1);
        }
        return;
    }
    // Without a pattern only the last line of the bytes matters: a log flood
    // costs one backward search per read.
    const std::size_t end = bytes.find_last_of("\r\n");
    if (end == std::string_view::npos) {
        take_partial(bytes);
        return;
    }
    const std::string_view before = bytes.substr(0, end);
    const std::size_t last = before.find_last_not_of("\r\n");
    if (last != std::string_view::npos) {
        const std::size_t begin = before.find_last_of("\r\n", last);
        if (begin != std::string_view::npos) partial_.clear();
        take_partial(before.substr(begin == std::string_view::npos ? 0 : begin + 1,
                                   last + 1 - (begin == std::string_view::npos ? 0 : begin + 1)));
    }
    line_ended();
    if (lines_count) last_progress_ = now;  // a line ended, even an empty one
    take_partial(bytes.substr(end + 1));
}

bool HangWatchdog::matches(const std::string& line) const {
    if (literals_.empty()) return std::regex_search(line, *pattern_);
    // An empty alternative (`step|`) matches every line, as the regex would.
    return std::any_of(literals_.begin(), literals_.end(),
                       [&](const std::string& word) { return line.find(word) != std::string::npos; });
}

void HangWatchdog::check_heartbeat(Clock::time_point now) {
    if (settings_.heartbeat_file.empty()) return;
    const auto mtime = mtime_of(settings_.heartbeat_file);
    if (mtime && mtime != heartbeat_mtime_) last_progress_ = now;
    heartbeat_mtime_ = mtime;
}

std::optional<std::string> HangWatchdog::overdue(Clock::time_point now) const {
    if (settings_.start_deadline && !first_output_ && now - started_ >= *settings_.start_deadline) {
        return "Hang: no output for " + seconds(*settings_.start_deadline) + " s after the program started" +
               in_brackets(settings_.start_source);
    }
    if (settings_.start_deadline && !first_output_) return std::nullopt;  // the start deadline's time
    if (!settings_.progress_deadline || now - last_progress_ < *settings_.progress_deadline)
        return std::nullopt;
    std::string what;
    if (!settings_.heartbeat_file.empty()) {
        what = "the heartbeat file " + settings_.heartbeat_file.string() + " was not touched";
    } else if (pattern_) {
        what = "no line matched '" + settings_.pattern + "'" + in_brackets(settings_.pattern_source);
    } else {
        what = "no line of output";
    }
    std::string reason = "Hang: no progress for " + seconds(*settings_.progress_deadline) + " s" +
                         in_brackets(settings_.progress_source) + "; " + what;
    if (last_line_.empty()) {
        reason += first_output_ ? "; no complete line yet" : "; no output at all";
    } else {
        char ago[32];
        std::snprintf(ago, sizeof ago, "%.1f", std::chrono::duration<double>(now - last_line_at_).count());
        reason += "; last line " + std::string(ago) + " s before: \"" + last_line_ + "\"";
    }
    return reason;
}

bool HangWatchdog::tick(Clock::time_point now, pid_t program, const StackDumper& dumper,
                        const StacksElsewhere& elsewhere) {
    if (stop_said_) return false;
    if (!hang_) {
        check_heartbeat(now);
        auto reason = overdue(now);
        if (!reason) return false;
        hang_ = Hang{std::move(*reason), 0, {}, last_line_};
        if (dumper) to_ask_ = dumper(program);
        std::reverse(to_ask_.begin(), to_ask_.end());
        dump_until_ = now + kStackDumpWait;
    }
    if (dumping_ != 0 && (ended(dumping_) || now >= dumping_until_)) dumping_ = 0;
    while (dumping_ == 0 && !to_ask_.empty() && now < dump_until_) {
        const pid_t next = to_ask_.back();
        to_ask_.pop_back();
        if (::kill(next, SIGABRT) != 0) continue;  // gone meanwhile
        ++hang_->stacks_requested;
        dumping_ = next;
        dumping_until_ = std::min(now + kOneDumpWait, dump_until_);
    }
    if (dumping_ != 0 && now < dump_until_) return false;
    // The other hosts' ranks write theirs meanwhile: the stop would end them first.
    if (elsewhere && now < dump_until_ && !elsewhere()) return false;
    stop_said_ = true;
    return true;
}

int HangWatchdog::poll_timeout_ms(Clock::time_point now) const {
    if (stop_said_) return -1;
    if (hang_) return 20;  // waiting for a rank's stacks: they take milliseconds
    Clock::time_point next = now + std::chrono::seconds(1);
    if (settings_.start_deadline && !first_output_) {
        next = std::min(next, started_ + *settings_.start_deadline);
    } else if (settings_.progress_deadline) {
        next = std::min(next, last_progress_ + *settings_.progress_deadline);
    }
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(next - now).count();
    return static_cast<int>(std::clamp<long long>(left, 0, 1000));
}

}  // namespace smtrain::process
