// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// What the failure report needs from a program's stderr, in bounded memory:
/// the toolkit's report format (its error classes, Open MPI's tags, Python's
/// strip rules), which the process layer knows nothing of.
///
/// The toolkit's ErrorMessage is the stderr from the first line that names one
/// of its Python error classes onwards, each line stripped of " :" at both ends
/// and duplicates dropped, joined as the toolkit joins them (every line after the
/// first starts with a space) and stripped of whitespace. It keeps all of it; we keep at most kCaptureLimit
/// bytes of it, and the last kTailLimit bytes of the raw stream so that a
/// program that names no error class still leaves its last words.
///
/// Lines of any length are scanned whole for the error classes (the toolkit
/// scans all of stderr too), but a line is kept for the report as at most
/// kMaxLine bytes: a longer one keeps its first and last kMaxLine / 2 bytes
/// around a visible "[... N bytes cut ...]", so neither the error class at the
/// end of a huge line nor the lines before it are lost. Memory stays bounded
/// whatever the line lengths.
///
/// Errors: none but std::bad_alloc; the capture is bounded, whatever the
/// program writes.

#include "process/stream_observer.hpp"

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace smtrain::launcher {

/// The strings whose presence in a stderr line starts the capture: Python's
/// built-in error classes, MPI's markers and ExecuteUserScriptError, as the toolkit lists them.
const std::vector<std::string_view>& toolkit_error_markers();

/// Whether `text` contains "Error", "Exception", "Invalid requirement",
/// "mpirun.real" or "ORTE": every marker contains one of them, so a text
/// without any names no error class. One pass over ordinary log text (with
/// memchr for 'E' and 'I') plus a vector pass for "mpirun.real".
bool names_marker_anchor(std::string_view text);

/// `line` as the report keeps it: unchanged up to `limit` bytes, else its
/// first and last limit / 2 bytes (moved to UTF-8 character boundaries) around
/// "[... N bytes cut ...]".
std::string shorten_line(std::string_view line, std::size_t limit);

/// One line as it streams in, held in bounded memory: its first bytes, its
/// last bytes, its length, and whether any part of it named an error class.
class LongLine {
public:
    explicit LongLine(std::size_t limit) : limit_(limit) {}
    void append(std::string_view bytes);
    /// The line as shorten_line() would keep it.
    std::string kept() const;
    bool names_error_class() const { return names_error_; }
    bool empty() const { return size_ == 0; }
    void clear();

private:
    std::size_t limit_;
    std::size_t size_ = 0;
    std::string head_;   // the first `limit_` bytes
    std::string tail_;   // the last limit_ / 2 bytes, once the line is longer than limit_
    std::string carry_;  // the last bytes seen, for a marker cut between two appends
    bool names_error_ = false;
};

/// The supervisor hands it the program's stderr (process::StreamObserver).
class StderrCapture final : public process::StreamObserver {
public:
    static constexpr std::size_t kTailLimit = 64 * 1024;
    static constexpr std::size_t kCaptureLimit = 64 * 1024;
    static constexpr std::size_t kMaxLine = 1024;  ///< longer lines are shortened (shorten_line)
    static constexpr std::size_t kFallbackLines = 20;
    static constexpr std::size_t kFallbackBytes = 4096;

    /// Feeds bytes as they come; lines may span calls.
    void feed(std::string_view bytes) override;
    /// Ends the stream (a last line without '\n' counts).
    void finish() override;

    /// The last kTailLimit bytes of the stream.
    std::string tail() const;
    /// The toolkit's ErrorMessage; when no line named an error class, the
    /// last kFallbackLines non-empty lines (each shortened to kMaxLine, at most
    /// kFallbackBytes of them, the last one always). Invalid UTF-8 is
    /// replaced by U+FFFD, as the toolkit's decode("utf-8", "replace").
    std::string error_message() const;
    /// Whether a line named an error class.
    bool found_error_class() const { return started_; }

private:
    /// A whole line: `kept` is at most about kMaxLine bytes, `names_error`
    /// whether the whole line named an error class.
    void on_line(std::string_view kept, bool names_error);
    void on_line(std::string_view whole);
    void end_partial();
    void remember_for_fallback(std::string_view kept);
    /// The last kFallbackLines non-empty lines of `lines` (whole lines, no
    /// error class among them), for the fallback, without splitting the rest.
    void remember_last_lines(std::string_view lines);

    std::string ring_;  // kTailLimit bytes, circular
    std::size_t ring_pos_ = 0;
    bool ring_full_ = false;

    LongLine partial_{kMaxLine};  // the current, unfinished line

    std::deque<std::string> fallback_;  // the last kFallbackLines non-empty lines, shortened

    bool started_ = false;
    std::vector<std::string> captured_;
    std::size_t captured_bytes_ = 0;
    std::unordered_set<std::string> seen_;
};

/// `text` with every invalid UTF-8 sequence replaced by U+FFFD.
std::string replace_invalid_utf8(std::string_view text);

}  // namespace smtrain::launcher
