// SPDX-License-Identifier: Apache-2.0
#include "launcher/lifecycle/root_cause.hpp"

#include "launcher/lifecycle/rank_evidence.hpp"
#include "process/signals.hpp"
#include "runners/mpi_output.hpp"

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdlib>
#include <utility>
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
    std::string error;                    ///< from its error file's traceback, when it has one
    std::vector<std::string> last_lines;  ///< its own last lines, where they can be told apart
    std::string lines_from;               ///< how they were told apart; empty when they were not
};

/// One worker's failure as the report names it, on `host`.
RootCause cause_of(const TorchFailure& failure, const std::string& host) {
    RootCause cause;
    cause.host = host;
    cause.rank = failure.rank;
    cause.local_rank = failure.local_rank;
    cause.exit_code = failure.exit_code;
    cause.signal = failure.signal;
    cause.error = failure.error;
    return cause;
}

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

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

/// The int of `[rank12]:` or `[default3]:` at the start of `line` (`name` is
/// "rank" or "default"), and the length of that prefix; nullopt when absent.
std::optional<std::pair<int, std::size_t>> rank_prefix(std::string_view line, std::string_view name) {
    if (line.size() < name.size() + 4 || line[0] != '[' || line.substr(1, name.size()) != name)
        return std::nullopt;
    std::size_t i = 1 + name.size();
    const std::size_t digits = i;
    while (i < line.size() && std::isdigit(static_cast<unsigned char>(line[i]))) ++i;
    if (i == digits || i - digits > 6 || line.substr(i, 2) != "]:") return std::nullopt;
    return std::make_pair(std::stoi(std::string(line.substr(digits, i - digits))), i + 2);
}

/// A line torchrun's agent writes itself, not a worker: its Python logging
/// (`WARNING:torch.distributed.run:`, torch 1.x's default format; torch 2.x's
/// `W1207 20:30:04.123000 140 torch/distributed/run.py:793] ...`), the banner
/// of its OMP_NUM_THREADS warning, and the summary's rules.
bool is_torchrun_line(std::string_view line) {
    for (std::string_view level :
         {"DEBUG:torch.", "INFO:torch.", "WARNING:torch.", "ERROR:torch.", "CRITICAL:torch."}) {
        if (starts_with(line, level)) return true;
    }
    if (line.size() > 6 && std::string_view("DIWEF").find(line[0]) != std::string_view::npos &&
        std::all_of(line.begin() + 1, line.begin() + 5,
                    [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) &&
        line[5] == ' ') {
        const std::size_t end = line.find("] ");
        const std::size_t torch = line.find(" torch/distributed/");
        if (torch != std::string_view::npos && end != std::string_view::npos && torch < end) return true;
    }
    if (starts_with(line, "Setting OMP_NUM_THREADS environment variable for each process") ||
        starts_with(line, "torch.distributed.elastic.multiprocessing.errors.ChildFailedError"))
        return true;
    const std::string_view t = trim(line);
    return !t.empty() && (t.find_first_not_of('*') == std::string_view::npos ||
                          t.find_first_not_of('=') == std::string_view::npos);
}

/// A line of the workers' that torch tagged with a rank, its prefixes removed.
struct TaggedLine {
    std::optional<int> rank;   ///< `[rankN]:`: global rank N
    std::optional<int> local;  ///< `[defaultN]:`: local rank N
    std::string text;
};

/// The workers' part of torchrun's stderr (before its summary), torchrun's own
/// lines and its ChildFailedError traceback left out. Lines that torch tags
/// with a rank are told apart: torch 2.x's excepthook writes an uncaught
/// exception's traceback as `[rank1]: ...` (global rank); `--tee` (and torch
/// 2.x's log prefixes) writes every line of local rank 1 as `[default1]:...`.
struct WorkerOutput {
    std::vector<TaggedLine> tagged;  ///< in the order written
    std::string untagged;            ///< lines of no rank's
};

WorkerOutput worker_output(std::string_view text) {
    WorkerOutput out;
    std::vector<std::string_view> traceback;  // an untagged traceback until its exception line
    auto flush = [&] {
        for (std::string_view l : traceback) out.untagged += std::string(l) + "\n";
        traceback.clear();
    };
    for (std::string_view line : split_lines(text)) {
        std::optional<int> local;
        std::optional<int> global;
        if (auto p = rank_prefix(line, "default")) {
            local = p->first;
            line.remove_prefix(p->second);
        }
        if (auto p = rank_prefix(line, "rank")) {
            global = p->first;
            line.remove_prefix(p->second);
            if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
        }
        if (global || local) {
            out.tagged.push_back({global, local, std::string(line)});
            continue;
        }
        if (!traceback.empty() && is_exception_line(line)) {
            traceback.push_back(line);
            // torchrun's own traceback, which ends in its ChildFailedError, is not a worker's.
            if (line.find("ChildFailedError") != std::string_view::npos) traceback.clear();
            flush();
        } else if (is_torchrun_line(line)) {
            continue;
        } else if (trim(line) == "Traceback (most recent call last):") {
            flush();
            traceback.push_back(line);
        } else if (!traceback.empty()) {
            traceback.push_back(line);
        } else {
            out.untagged += std::string(line) + "\n";
        }
    }
    flush();
    return out;
}

/// `f`'s own lines of the workers' output, in the order written, where they
/// can be told apart from the other workers': those torch tagged with its rank
/// (a `[rankN]:` line by its global rank, else a `[defaultN]:` one by its local
/// rank), or, on a host that runs one worker, every worker line there. `from`
/// says which; both are empty when its lines cannot be told apart.
struct OwnLines {
    std::vector<std::string_view> lines;
    std::string_view from;
};

OwnLines own_lines(const TorchFailure& f, const WorkerOutput& out, int local_workers) {
    OwnLines own;
    for (const TaggedLine& line : out.tagged) {
        const bool its = line.rank ? *line.rank == f.rank : f.local_rank && line.local == f.local_rank;
        if (its) own.lines.push_back(line.text);
    }
    if (!own.lines.empty()) {
        own.from = "its rank-prefixed lines";
    } else if (local_workers == 1) {
        own.lines = split_lines(out.untagged);
        if (!own.lines.empty()) own.from = "the lines of the host's only worker";
    }
    return own;
}

/// Gives each failure its own last lines, and each without an error file's its
/// own error line, where its lines can be told apart (own_lines()).
void attribute_own_lines(std::vector<TorchFailure>& failures, const WorkerOutput& out, int local_workers) {
    for (TorchFailure& f : failures) {
        const OwnLines own = own_lines(f, out, local_workers);
        if (f.error.empty()) {
            std::string text;
            for (std::string_view line : own.lines) text += std::string(line) + "\n";
            f.error = decisive_line(text);
        }
        // Bounded as MPI ranks' are (RankLines): the last lines, each cut.
        const std::size_t first = own.lines.size() - std::min(own.lines.size(), RankLines::kLastLines);
        for (std::size_t i = first; i < own.lines.size(); ++i)
            f.last_lines.emplace_back(own.lines[i].substr(0, RankLines::kLineBytes));
        f.lines_from = own.from;
    }
}

/// The distinct exception lines of `text` that are not collective failures
/// (a traceback's last line, or a line a program wrote itself before exiting,
/// `OSError: [Errno 5] ...`), in order; and how many collective failures
/// (`Connection closed by peer`) are there.
struct SharedErrors {
    std::vector<std::string> own;
    std::size_t collective = 0;
};

SharedErrors shared_errors(std::string_view text) {
    SharedErrors found;
    for (std::string_view line : split_lines(text)) {
        if (!is_exception_line(line)) continue;
        const std::string error(trim(line));
        if (is_consequence(error)) {
            ++found.collective;
        } else if (std::find(found.own.begin(), found.own.end(), error) == found.own.end()) {
            found.own.push_back(error);
        }
    }
    return found;
}

/// Where torchrun's last ChildFailedError summary starts in `tail`: at its
/// title's line ("train.py FAILED") before the root cause; npos when there is none.
std::size_t torchrun_summary_start(std::string_view tail) {
    const std::size_t root = tail.rfind("Root Cause (first observed failure):");
    if (root == std::string_view::npos) return root;
    const std::size_t title = tail.rfind(" FAILED\n", root);
    if (title == std::string_view::npos) return root;
    const std::size_t line = tail.rfind('\n', title);  // the title's line ("train.py FAILED")
    return line == std::string_view::npos ? 0 : line + 1;
}

/// torchrun's failures, in its summary's order, each with its own error where
/// that can be known: its error file's, else its lines told apart
/// (attribute_own_lines); and, when this host's workers share one untagged
/// stderr, the one error there that is not a collective one, given to the one
/// worker that failed on its own. `first` gets the index of the failure that
/// came first (torchrun's root cause unless the errors say otherwise);
/// `candidates` the ranks that may have written the error when that is unknown.
std::vector<TorchFailure> resolved_failures(std::string_view tail, int local_workers,
                                            std::size_t* first = nullptr,
                                            std::vector<int>* candidates = nullptr) {
    const std::size_t begin = torchrun_summary_start(tail);
    if (begin == std::string_view::npos) return {};
    std::vector<TorchFailure> failures = torch_failures(tail.substr(begin));
    const WorkerOutput out = worker_output(tail.substr(0, begin));
    attribute_own_lines(failures, out, local_workers);
    const auto name_first = [&](const TorchFailure* f) {
        if (first) *first = static_cast<std::size_t>(f - failures.data());
    };
    if (first) *first = 0;
    // torchrun's "first observed" is the earliest error-file timestamp, in whole
    // seconds, else the order it noticed them: a rank whose barrier failed
    // because another rank died often ties with it and comes first. A failure
    // whose own error is not a collective one is the cause, the others its
    // consequences. A worker torchrun stopped (SIGTERM) did not fail first
    // while another failed otherwise (its last line may be any line of its own).
    const bool all_stopped = std::all_of(failures.begin(), failures.end(),
                                         [](const TorchFailure& f) { return f.signal == SIGTERM; });
    for (const TorchFailure& f : failures) {
        if ((all_stopped || f.signal != SIGTERM) && !f.error.empty() && !is_consequence(f.error)) {
            name_first(&f);
            return failures;
        }
    }
    // Untold failures: neither an error file nor lines of their own. One that
    // exited 1 is an uncaught exception's (Python's exit code for it); one with
    // another code (os._exit(3), sys.exit(3)) ended on its own; one killed by a
    // signal was stopped (torchrun sends SIGTERM to the others after a failure).
    std::vector<TorchFailure*> exit_one;
    std::vector<TorchFailure*> own_code;
    for (TorchFailure& f : failures) {
        if (!f.error.empty() || f.signal != 0) continue;
        (f.exit_code == 1 ? exit_one : own_code).push_back(&f);
    }
    const SharedErrors shared = shared_errors(out.untagged);
    if (shared.own.empty()) {
        // Only collective errors (a barrier broken because a peer left) on this
        // host's stderr: a rank that ended with a code of its own, not 1 (an
        // uncaught exception's) nor a signal (how torchrun stops the others),
        // left first, whatever order torchrun's whole-second times gave them.
        if (!own_code.empty()) name_first(own_code.front());
        return failures;
    }
    TorchFailure* author = nullptr;
    if (shared.own.size() == 1) {
        if (exit_one.size() + own_code.size() == 1) {
            // One worker failed; the others were stopped by torchrun or had not
            // ended: the one error that is not a consequence is its own.
            author = exit_one.empty() ? own_code.front() : exit_one.front();
        } else if (own_code.size() == 1 && shared.collective >= exit_one.size()) {
            // Each worker that exited 1 is accounted for by a collective error
            // (its barrier broke when the peer left); the one that ended with a
            // code of its own wrote the one error that is not a consequence.
            author = own_code.front();
        }
    }
    if (author) {
        author->error = shared.own.front();
        name_first(author);
        return failures;
    }
    // Genuinely ambiguous: several workers exited 1 (or wrote several errors),
    // and their shared, untagged stderr does not say whose traceback is whose
    // (torch 1.x writes no rank prefix; @record's error files would say). The
    // caller names the error with every worker that may have written it.
    if (candidates && exit_one.size() > 1) {
        for (const TorchFailure* f : exit_one) candidates->push_back(f->rank);
        std::sort(candidates->begin(), candidates->end());
    }
    return failures;
}

std::optional<RootCause> from_torchrun(std::string_view tail, const std::string& host, int local_workers) {
    std::size_t first = 0;
    std::vector<int> candidates;
    const std::vector<TorchFailure> failures = resolved_failures(tail, local_workers, &first, &candidates);
    if (failures.empty()) return std::nullopt;
    RootCause cause = cause_of(failures[first], host);
    cause.candidates = candidates;
    if (!candidates.empty() || (cause.error.empty() && cause.exit_code == 1 && cause.signal == 0)) {
        // An uncaught exception whose author is not known: the workers' error
        // that is not a collective one, else the first of their tracebacks'.
        const WorkerOutput out = worker_output(tail.substr(0, torchrun_summary_start(tail)));
        const SharedErrors shared = shared_errors(out.untagged);
        const std::vector<std::string> exceptions = worker_exceptions(out.untagged);
        if (!shared.own.empty())
            cause.error = shared.own.front();
        else if (!exceptions.empty())
            cause.error = exceptions.front();
    }
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

std::vector<TorchrunFailure> torchrun_failures(std::string_view tail, const std::string& host,
                                               int local_workers) {
    std::vector<TorchrunFailure> out;
    for (const TorchFailure& f : resolved_failures(tail, local_workers))
        out.push_back(TorchrunFailure{cause_of(f, host), f.last_lines, f.lines_from});
    return out;
}

int torchrun_local_workers(const std::vector<std::string>& argv) {
    for (std::size_t i = 0; i < argv.size(); ++i) {
        for (std::string_view flag : {"--nproc_per_node", "--nproc-per-node"}) {
            const std::string_view arg = argv[i];
            std::string_view value;
            if (arg == flag && i + 1 < argv.size())
                value = argv[i + 1];
            else if (starts_with(arg, flag) && arg.substr(flag.size(), 1) == "=")
                value = arg.substr(flag.size() + 1);
            else
                continue;
            if (value.empty() || value.size() > 6 || !std::all_of(value.begin(), value.end(), [](char c) {
                    return std::isdigit(static_cast<unsigned char>(c));
                }))
                return 0;
            return std::stoi(std::string(value));
        }
    }
    return 0;
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
                                         const std::string& host, int exit_code, int term_signal,
                                         int local_workers) {
    if (exit_code == 0) return std::nullopt;
    std::optional<RootCause> cause;
    switch (kind) {
        case runners::RunnerKind::TorchDistributed:
            cause = from_torchrun(tail, host, local_workers);
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
