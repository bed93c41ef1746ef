// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// What the failure report needs from a program's stderr, in bounded memory.
///
/// The toolkit's ErrorMessage is the stderr from the first line that names one
/// of its Python error classes onwards, each line stripped of " :" at both ends
/// and duplicates dropped, joined as the toolkit joins them (every line after the
/// first starts with a space) and stripped of whitespace. It keeps all of it; we keep at most kCaptureLimit
/// bytes of it, and the last kTailLimit bytes of the raw stream so that a
/// program that names no error class still leaves its last words.

#include <cstddef>
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

class StderrCapture {
public:
    static constexpr std::size_t kTailLimit = 64 * 1024;
    static constexpr std::size_t kCaptureLimit = 64 * 1024;
    static constexpr std::size_t kMaxLine = 16 * 1024;  ///< longer lines are cut for the capture
    static constexpr std::size_t kFallbackLines = 20;

    /// Feeds bytes as they come; lines may span calls.
    void feed(std::string_view bytes);
    /// Ends the stream (a last line without '\n' counts).
    void finish();

    /// The last kTailLimit bytes of the stream.
    std::string tail() const;
    /// The toolkit's ErrorMessage; when no line named an error class, the
    /// last kFallbackLines non-empty lines of the tail. Invalid UTF-8 is
    /// replaced by U+FFFD, as the toolkit's decode("utf-8", "replace").
    std::string error_message() const;
    /// Whether a line named an error class.
    bool found_error_class() const { return started_; }

private:
    void on_line(std::string_view line);

    std::string ring_;  // kTailLimit bytes, circular
    std::size_t ring_pos_ = 0;
    bool ring_full_ = false;

    std::string partial_;  // current line, up to kMaxLine bytes
    bool partial_cut_ = false;

    bool started_ = false;
    std::vector<std::string> captured_;
    std::size_t captured_bytes_ = 0;
    std::unordered_set<std::string> seen_;
};

/// `text` with every invalid UTF-8 sequence replaced by U+FFFD.
std::string replace_invalid_utf8(std::string_view text);

}  // namespace smtrain::launcher
