// SPDX-License-Identifier: Apache-2.0
#include "launcher/lifecycle/root_cause.hpp"

#include "process/signals.hpp"
#include "runners/mpi_output.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <vector>

namespace smtrain::launcher {

namespace {

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines.push_back(line);
        start = end + 1;
    }
    return lines;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

/// `pkg.module.SomeError: text` or `KeyboardInterrupt`: a Python exception line.
bool is_exception_line(std::string_view line) {
    if (line.empty() || std::isspace(static_cast<unsigned char>(line.front()))) return false;
    const std::string_view name = line.substr(0, line.find(':'));
    if (name.empty() || name.size() > 200) return false;
    for (char c : name) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.')) return false;
    }
    for (std::string_view end : {"Error", "Exception", "Interrupt", "Exit", "Failure"}) {
        if (ends_with(name, end)) return true;
    }
    return false;
}

/// The first int in `s`, e.g. "1 (local_rank: 0)" -> 1.
std::optional<int> leading_int(std::string_view s) {
    s = trim(s);
    if (s.empty()) return std::nullopt;
    const std::string text(s);
    char* end = nullptr;
    const long value = std::strtol(text.c_str(), &end, 10);
    if (end == text.c_str()) return std::nullopt;
    return static_cast<int>(value);
}

/// The value after "key:" in "  key      : value".
std::optional<std::string_view> field(std::string_view line, std::string_view key) {
    const std::string_view t = trim(line);
    if (t.substr(0, key.size()) != key) return std::nullopt;
    const std::string_view rest = trim(t.substr(key.size()));
    if (rest.empty() || rest.front() != ':') return std::nullopt;
    return trim(rest.substr(1));
}

/// The exception lines ending the workers' tracebacks in `text`, in order
/// (not torchrun's own ChildFailedError).
std::vector<std::string> worker_exceptions(std::string_view text) {
    std::vector<std::string> found;
    bool in_traceback = false;
    for (std::string_view line : split_lines(text)) {
        if (trim(line) == "Traceback (most recent call last):") {
            in_traceback = true;
            continue;
        }
        if (in_traceback && is_exception_line(line)) {
            if (line.find("ChildFailedError") == std::string_view::npos) found.emplace_back(trim(line));
            in_traceback = false;
        }
    }
    return found;
}

/// One failed worker of torchrun's summary.
struct TorchFailure {
    int rank = -1;
    std::optional<int> local_rank;
    int exit_code = 1;
    int signal = 0;
    std::string error;  ///< from its error file's traceback, when it has one
};

/// The failures of torchrun's ChildFailedError summary, the root cause first:
/// "Root Cause" and "Failures" each hold `[i]:` blocks of `key : value` lines.
std::vector<TorchFailure> torch_failures(std::string_view summary) {
    std::vector<TorchFailure> failures;
    std::optional<TorchFailure> current;
    std::string traceback;
    bool in_traceback = false;
    bool in_root = false;  // the "Root Cause" section, which the template prints after "Failures"
    auto finish = [&] {
        if (!current) return;
        if (traceback.find("Traceback") != std::string::npos) current->error = decisive_line(traceback);
        if (current->rank >= 0) failures.insert(in_root ? failures.begin() : failures.end(), *current);
        current.reset();
        traceback.clear();
        in_traceback = false;
    };
    for (std::string_view line : split_lines(summary)) {
        const std::string_view t = trim(line);
        const bool block_start =
            t.size() >= 3 && t.front() == '[' && t.back() == ':' && t[t.size() - 2] == ']';
        if (block_start || t.substr(0, 3) == "===" || t.substr(0, 3) == "---" || t == "Failures:" ||
            t == "Root Cause (first observed failure):") {
            finish();
            if (t == "Failures:") in_root = false;
            if (t == "Root Cause (first observed failure):") in_root = true;
            if (block_start) current.emplace();
            continue;
        }
        if (!current) continue;
        if (in_traceback) {
            traceback += std::string(line) + "\n";
        } else if (auto v = field(line, "rank")) {
            current->rank = leading_int(*v).value_or(-1);
            const auto local = v->find("local_rank:");
            if (local != std::string_view::npos) current->local_rank = leading_int(v->substr(local + 11));
        } else if (auto e = field(line, "exitcode")) {
            const int code = leading_int(*e).value_or(1);
            // torchrun says -N for a worker killed by signal N.
            current->exit_code = code < 0 ? 128 - code : code;
            current->signal = code < 0 ? -code : 0;
        } else if (auto tb = field(line, "traceback")) {
            traceback = std::string(*tb) + "\n";
            in_traceback = true;
        }
    }
    finish();
    return failures;
}

bool is_consequence(std::string_view error) {
    return classify(error, 1, 0, false) == FailureClass::CollectiveFailure;
}

/// Where torchrun's last ChildFailedError summary starts in `tail`: at its
/// title ("train.py FAILED") before the root cause; npos when there is none.
std::size_t torchrun_summary_start(std::string_view tail) {
    const std::size_t root = tail.rfind("Root Cause (first observed failure):");
    if (root == std::string_view::npos) return root;
    const std::size_t title = tail.rfind(" FAILED\n", root);
    return title == std::string_view::npos ? root : title;
}

std::optional<RootCause> from_torchrun(std::string_view tail, const std::string& host) {
    const std::size_t begin = torchrun_summary_start(tail);
    if (begin == std::string_view::npos) return std::nullopt;
    std::vector<TorchFailure> failures = torch_failures(tail.substr(begin));
    if (failures.empty()) return std::nullopt;
    // torchrun's "first observed" is the earliest error-file timestamp, in whole
    // seconds, else the order it noticed them: a rank whose barrier failed
    // because another rank died often ties with it and comes first. A failure
    // whose own error is not a collective one is the cause, the others its
    // consequences.
    const TorchFailure* chosen = &failures.front();
    for (const TorchFailure& f : failures) {
        if (!f.error.empty() && !is_consequence(f.error)) {
            chosen = &f;
            break;
        }
    }
    RootCause cause;
    cause.host = host;
    cause.rank = chosen->rank;
    cause.local_rank = chosen->local_rank;
    cause.exit_code = chosen->exit_code;
    cause.signal = chosen->signal;
    cause.error = chosen->error;
    if (!cause.error.empty() || cause.signal != 0 || cause.exit_code != 1) return cause;
    // No error file: the workers' tracebacks on this host's stderr carry no
    // rank. An uncaught Python exception exits with 1; with one such failure
    // they are its own, or those of ranks torchrun stopped after it.
    std::vector<std::string> exceptions = worker_exceptions(tail.substr(0, begin));
    std::string own;
    for (const auto& e : exceptions) {
        if (!is_consequence(e)) {
            own = e;
            break;
        }
    }
    if (own.empty()) {
        // Only collective errors (a barrier broken because a peer left) on this
        // host's stderr: a rank that ended with a code of its own, not 1 (an
        // uncaught exception's) nor a signal (how torchrun stops the others),
        // left first, whatever order torchrun's whole-second times gave them.
        for (const TorchFailure& f : failures) {
            if (f.error.empty() && f.signal == 0 && f.exit_code != 1) {
                cause.rank = f.rank;
                cause.local_rank = f.local_rank;
                cause.exit_code = f.exit_code;
                return cause;
            }
        }
    }
    if (own.empty() && !exceptions.empty()) own = exceptions.front();
    int with_code_one = 0;
    for (const TorchFailure& f : failures) with_code_one += f.exit_code == 1 && f.signal == 0 ? 1 : 0;
    if (with_code_one > 1) {
        // Which of them raised it, their shared stderr cannot say: name them all.
        for (const TorchFailure& f : failures) {
            if (f.exit_code == 1 && f.signal == 0) cause.candidates.push_back(f.rank);
        }
        std::sort(cause.candidates.begin(), cause.candidates.end());
    }
    cause.error = own;
    return cause;
}

std::optional<RootCause> from_mpirun(std::string_view tail, const std::string& host) {
    RootCause cause;
    std::size_t at = tail.rfind("MPI_ABORT was invoked on rank ");
    if (at != std::string_view::npos) {
        // A rank that called MPI_Abort (as `python -m mpi4py` does on an uncaught
        // exception) failed first; mpirun then kills the others and reports no
        // "first process":
        // "MPI_ABORT was invoked on rank 3 in communicator MPI_COMM_WORLD\nwith errorcode 1."
        cause.rank = leading_int(tail.substr(at + 30));
        const auto code = tail.find("with errorcode ", at);
        cause.exit_code =
            code == std::string_view::npos ? 1 : leading_int(tail.substr(code + 15)).value_or(1);
    } else if ((at = tail.rfind("The first process to do so was:")) != std::string_view::npos) {
        for (std::string_view line : split_lines(tail.substr(at))) {
            if (auto name = field(line, "Process name")) {
                // [[jobid,1],rank]
                const auto comma = name->rfind(',');
                if (comma != std::string_view::npos) cause.rank = leading_int(name->substr(comma + 1));
            } else if (auto code = field(line, "Exit code")) {
                cause.exit_code = leading_int(*code).value_or(1);
                break;
            }
        }
    } else if ((at = tail.rfind("mpirun noticed that process rank ")) != std::string_view::npos) {
        // "mpirun noticed that process rank 1 with PID 42 on node algo-2 exited on signal 9 (Killed)."
        const std::string_view line = split_lines(tail.substr(at)).front();
        cause.rank = leading_int(line.substr(33));
        const auto on_signal = line.find("exited on signal ");
        if (on_signal != std::string_view::npos) {
            cause.signal = leading_int(line.substr(on_signal + 17)).value_or(0);
            cause.exit_code = 128 + cause.signal;
        }
    }
    if (!cause.rank) return std::nullopt;
    // Its own lines: mpirun's tags, as sm-train rewrote them: [1,mpirank:R,algo-2]<stderr>:
    std::string own;
    for (std::string_view line : split_lines(tail)) {
        const auto tagged = runners::parse_rank_line(line);
        if (!tagged || tagged->rank != *cause.rank) continue;
        if (cause.host.empty()) cause.host = std::string(tagged->host);
        if (tagged->stream != "stderr") continue;
        // Open MPI tags each piece of a line written in pieces (Python writes an
        // exception's name, ": " and its message apart): the tag again inside it.
        const std::string tag(line.substr(0, static_cast<std::size_t>(tagged->text.data() - line.data())));
        std::string text(tagged->text);
        for (std::size_t piece; (piece = text.find(tag)) != std::string::npos;) text.erase(piece, tag.size());
        own += text + "\n";
    }
    if (cause.host.empty()) cause.host = host;
    cause.error = decisive_line(own);
    return cause;
}

}  // namespace

std::vector<RootCause> torchrun_failures(std::string_view tail, const std::string& host) {
    const std::size_t begin = torchrun_summary_start(tail);
    if (begin == std::string_view::npos) return {};
    std::vector<RootCause> out;
    for (const TorchFailure& f : torch_failures(tail.substr(begin))) {
        RootCause c;
        c.host = host;
        c.rank = f.rank;
        c.local_rank = f.local_rank;
        c.exit_code = f.exit_code;
        c.signal = f.signal;
        c.error = f.error;
        out.push_back(std::move(c));
    }
    return out;
}

std::string decisive_line(std::string_view text) {
    const auto lines = split_lines(text);
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
        const std::string_view line = trim(*it);
        if (is_exception_line(line)) return std::string(line);
    }
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
        const std::string_view line = trim(*it);
        // Banners ("-----", "=====") say nothing.
        if (line.find_first_not_of("-=*_ ") != std::string_view::npos) return std::string(line);
    }
    return {};
}

std::string RootCause::to_string() const {
    std::string text;
    const std::string_view name = class_name(failure_class);
    if (!name.empty()) text += std::string(name) + ": ";
    if (candidates.size() > 1) {
        text += "one of ranks ";
        for (std::size_t i = 0; i < candidates.size(); ++i)
            text += (i == 0                       ? ""
                     : i + 1 == candidates.size() ? " and "
                                                  : ", ") +
                    std::to_string(candidates[i]);
        text += " on " + host;
    } else if (rank) {
        text += "rank " + std::to_string(*rank);
        if (local_rank) text += " (local rank " + std::to_string(*local_rank) + ")";
        text += " on " + host;
    } else {
        text += "the program on " + host;
    }
    text += signal != 0 ? " was killed by " + process::signal_name(signal)
                        : " exited with code " + std::to_string(exit_code);
    if (!error.empty()) text += ": " + error;
    for (char& c : text) {
        if (c == '\n' || c == '\r') c = ' ';
    }
    return text;
}

std::optional<RootCause> find_root_cause(runners::RunnerKind kind, std::string_view tail,
                                         const std::string& host, int exit_code, int term_signal) {
    if (exit_code == 0) return std::nullopt;
    std::optional<RootCause> cause;
    switch (kind) {
        case runners::RunnerKind::TorchDistributed:
            cause = from_torchrun(tail, host);
            break;
        case runners::RunnerKind::Mpi:
        case runners::RunnerKind::SmDataParallel:
            cause = from_mpirun(tail, host);
            break;
        default:
            break;
    }
    if (!cause) {
        // The launcher named no rank: the process sm-train started is the one that failed.
        cause.emplace();
        cause->host = host;
        cause->exit_code = exit_code;
        cause->signal = term_signal;
        cause->error = decisive_line(tail);
    }
    return cause;
}

}  // namespace smtrain::launcher
