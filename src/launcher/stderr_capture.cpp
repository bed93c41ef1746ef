// SPDX-License-Identifier: Apache-2.0
#include "stderr_capture.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace smtrain::launcher {

const std::vector<std::string_view>& toolkit_error_markers() {
    // The toolkit's _PYTHON_ERRORS_ + _MPI_ERRORS_ + its default error class.
    static const std::vector<std::string_view> markers = {
        "BaseException", "Exception", "ArithmeticError", "AssertionError", "AttributeError",
        "BlockingIOError", "BrokenPipeError", "BufferError", "ChildProcessError", "ConnectionAbortedError",
        "ConnectionError", "ConnectionRefusedError", "ConnectionResetError", "EOFError", "EnvironmentError",
        "FileExistsError", "FileNotFoundError", "FloatingPointError", "IOError", "ImportError",
        "IndentationError", "IndexError", "InterruptedError", "IsADirectoryError", "KeyError", "LookupError",
        "MemoryError", "ModuleNotFoundError", "NameError", "NotADirectoryError", "NotImplementedError",
        "OSError", "OverflowError", "PermissionError", "ProcessLookupError", "RecursionError",
        "ReferenceError", "RuntimeError", "SyntaxError", "SystemError", "TabError", "TimeoutError",
        "TypeError", "UnboundLocalError", "UnicodeDecodeError", "UnicodeEncodeError", "UnicodeError",
        "UnicodeTranslateError", "ValueError", "ZeroDivisionError", "Invalid requirement",
        "ResourceExhaustedError", "OutOfRangeError", "InvalidArgumentError", "mpirun.real", "ORTE",
        "ExecuteUserScriptError"};
    return markers;
}

namespace {

bool contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

bool names_error_class(std::string_view line) {
    // Every marker but three contains "Error" or "Exception": test those two
    // first so ordinary log lines cost two searches, not fifty-seven.
    bool maybe = contains(line, "Error") || contains(line, "Exception") || contains(line, "Invalid requirement") ||
                 contains(line, "mpirun.real") || contains(line, "ORTE");
    if (!maybe) return false;
    const auto& markers = toolkit_error_markers();
    return std::any_of(markers.begin(), markers.end(), [&](std::string_view m) { return contains(line, m); });
}

/// Removes Open MPI's `[1,0]<stderr>` / `[1,0]<stdout>` tags so the same line
/// from every rank counts once (the toolkit does this for one-digit ranks).
std::string strip_mpi_tags(std::string_view line) {
    std::string out;
    out.reserve(line.size());
    std::size_t i = 0;
    while (i < line.size()) {
        if (line[i] == '[') {
            std::size_t j = i + 1;
            auto digits = [&] {
                std::size_t s = j;
                while (j < line.size() && std::isdigit(static_cast<unsigned char>(line[j]))) ++j;
                return j > s;
            };
            if (digits() && j < line.size() && line[j] == ',' && (++j, digits()) && j < line.size() && line[j] == ']') {
                std::string_view rest = line.substr(j + 1);
                for (std::string_view tag : {"<stderr>", "<stdout>"}) {
                    if (rest.substr(0, tag.size()) == tag) {
                        i = j + 1 + tag.size();
                        goto next;
                    }
                }
            }
        }
        out.push_back(line[i++]);
    next:;
    }
    return out;
}

/// Python's str.strip(" :\n"), plus '\r' so CRLF and progress-bar lines compare equal.
std::string_view strip_line(std::string_view s) {
    constexpr std::string_view chars = " :\n\r";
    std::size_t b = s.find_first_not_of(chars);
    if (b == std::string_view::npos) return {};
    std::size_t e = s.find_last_not_of(chars);
    return s.substr(b, e - b + 1);
}

}  // namespace

void StderrCapture::feed(std::string_view bytes) {
    if (bytes.empty()) return;
    // Tail: keep the last kTailLimit bytes in a circular buffer.
    if (ring_.empty()) ring_.resize(kTailLimit);
    std::string_view tail_part = bytes.size() > kTailLimit ? bytes.substr(bytes.size() - kTailLimit) : bytes;
    if (bytes.size() >= kTailLimit) ring_full_ = true;
    while (!tail_part.empty()) {
        std::size_t n = std::min(tail_part.size(), kTailLimit - ring_pos_);
        std::memcpy(ring_.data() + ring_pos_, tail_part.data(), n);
        ring_pos_ += n;
        tail_part.remove_prefix(n);
        if (ring_pos_ == kTailLimit) {
            ring_pos_ = 0;
            ring_full_ = true;
        }
    }

    // Lines: only needed until the capture is full.
    if (captured_bytes_ >= kCaptureLimit) return;
    if (!started_ && !partial_cut_) {
        // Fast path while no error has been seen: markers hold no '\n', so
        // a chunk whose complete lines name no error class needs no line
        // splitting at all; only its unfinished last line is kept.
        const void* last_nl_ptr = memrchr(bytes.data(), '\n', bytes.size());
        if (last_nl_ptr) {
            std::size_t last_nl = static_cast<std::size_t>(static_cast<const char*>(last_nl_ptr) - bytes.data());
            std::size_t first_nl = bytes.find('\n');
            std::string first_line = partial_;
            first_line.append(bytes.substr(0, first_nl));
            if (!names_error_class(first_line) && !names_error_class(bytes.substr(first_nl, last_nl - first_nl))) {
                partial_.assign(bytes.substr(last_nl + 1, kMaxLine));
                partial_cut_ = bytes.size() - last_nl - 1 > kMaxLine;
                return;
            }
        }
    }
    while (!bytes.empty()) {
        const void* nl = std::memchr(bytes.data(), '\n', bytes.size());
        std::size_t len = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - bytes.data()) : bytes.size();
        std::string_view piece = bytes.substr(0, len);
        if (partial_.empty() && nl && !partial_cut_) {
            on_line(piece);  // the common case: a whole line in this chunk, no copy
        } else {
            std::size_t room = kMaxLine - partial_.size();
            if (piece.size() > room) partial_cut_ = true;
            partial_.append(piece.substr(0, std::min(room, piece.size())));
            if (nl) {
                on_line(partial_);
                partial_.clear();
                partial_cut_ = false;
            }
        }
        if (!nl) break;
        bytes.remove_prefix(len + 1);
    }
}

void StderrCapture::finish() {
    if (!partial_.empty()) on_line(partial_);
    partial_.clear();
    partial_cut_ = false;
}

void StderrCapture::on_line(std::string_view raw) {
    if (captured_bytes_ >= kCaptureLimit) return;
    if (raw.size() > kMaxLine) raw = raw.substr(0, kMaxLine);
    if (!started_) {
        if (!names_error_class(raw)) return;
        started_ = true;
    }
    std::string cleaned = strip_mpi_tags(raw);
    std::string line(strip_line(cleaned));
    if (line.empty() || seen_.count(line)) return;
    captured_bytes_ += line.size() + 1;
    seen_.insert(line);
    captured_.push_back(std::move(line));
}

std::string StderrCapture::tail() const {
    if (!ring_full_) return ring_.substr(0, ring_pos_);
    return ring_.substr(ring_pos_) + ring_.substr(0, ring_pos_);
}

std::string StderrCapture::error_message() const {
    std::string message;
    if (started_) {
        for (const auto& line : captured_) {
            if (!message.empty()) message += '\n';
            message += line;
        }
        return replace_invalid_utf8(message);
    }
    // No error class named: the last lines, which usually say what went wrong.
    std::string text = tail();
    if (ring_full_) {
        std::size_t first_nl = text.find('\n');  // the first line was cut by the ring
        text.erase(0, first_nl == std::string::npos ? text.size() : first_nl + 1);
    }
    constexpr std::size_t kFallbackBytes = 4096;
    std::vector<std::string_view> lines;
    std::size_t bytes = 0;
    std::string_view rest = text;
    while (!rest.empty() && lines.size() < kFallbackLines && bytes < kFallbackBytes) {
        std::size_t nl = rest.find_last_of('\n');
        std::string_view line = nl == std::string_view::npos ? rest : rest.substr(nl + 1);
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(0, nl);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
        if (bytes + line.size() > kFallbackBytes) line = line.substr(line.size() - (kFallbackBytes - bytes));
        bytes += line.size() + 1;
        lines.push_back(line);
    }
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
        if (!message.empty()) message += '\n';
        message += *it;
    }
    return replace_invalid_utf8(message);
}

std::string replace_invalid_utf8(std::string_view text) {
    static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
        unsigned char c = byte(i);
        std::size_t len = 0;
        unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
        if (c < 0x80) {
            out.push_back(static_cast<char>(c));
            ++i;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0) lo = 0xA0;  // no overlongs
            if (c == 0xED) hi = 0x9F;  // no surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0) lo = 0x90;
            if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
        }
        std::size_t valid = len ? 1 : 0;
        while (valid && valid < len && i + valid < text.size()) {
            unsigned char b = byte(i + valid);
            unsigned char min = valid == 1 ? lo : 0x80, max = valid == 1 ? hi : 0xBF;
            if (b < min || b > max) break;
            ++valid;
        }
        if (len && valid == len) {
            out.append(text.substr(i, len));
            i += len;
        } else {
            // One U+FFFD per maximal invalid prefix, as Python's "replace".
            out.append(kReplacement);
            i += valid ? valid : 1;
        }
    }
    return out;
}

}  // namespace smtrain::launcher
