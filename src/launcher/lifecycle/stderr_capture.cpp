// SPDX-License-Identifier: Apache-2.0
#include "launcher/lifecycle/stderr_capture.hpp"

#include "launcher/lifecycle/python_strip.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>

namespace smtrain::launcher {

const std::vector<std::string_view>& toolkit_error_markers() {
    // The toolkit's _PYTHON_ERRORS_ + _MPI_ERRORS_ + its default error class.
    static const std::vector<std::string_view> markers = {"BaseException",
                                                          "Exception",
                                                          "ArithmeticError",
                                                          "AssertionError",
                                                          "AttributeError",
                                                          "BlockingIOError",
                                                          "BrokenPipeError",
                                                          "BufferError",
                                                          "ChildProcessError",
                                                          "ConnectionAbortedError",
                                                          "ConnectionError",
                                                          "ConnectionRefusedError",
                                                          "ConnectionResetError",
                                                          "EOFError",
                                                          "EnvironmentError",
                                                          "FileExistsError",
                                                          "FileNotFoundError",
                                                          "FloatingPointError",
                                                          "IOError",
                                                          "ImportError",
                                                          "IndentationError",
                                                          "IndexError",
                                                          "InterruptedError",
                                                          "IsADirectoryError",
                                                          "KeyError",
                                                          "LookupError",
                                                          "MemoryError",
                                                          "ModuleNotFoundError",
                                                          "NameError",
                                                          "NotADirectoryError",
                                                          "NotImplementedError",
                                                          "OSError",
                                                          "OverflowError",
                                                          "PermissionError",
                                                          "ProcessLookupError",
                                                          "RecursionError",
                                                          "ReferenceError",
                                                          "RuntimeError",
                                                          "SyntaxError",
                                                          "SystemError",
                                                          "TabError",
                                                          "TimeoutError",
                                                          "TypeError",
                                                          "UnboundLocalError",
                                                          "UnicodeDecodeError",
                                                          "UnicodeEncodeError",
                                                          "UnicodeError",
                                                          "UnicodeTranslateError",
                                                          "ValueError",
                                                          "ZeroDivisionError",
                                                          "Invalid requirement",
                                                          "ResourceExhaustedError",
                                                          "OutOfRangeError",
                                                          "InvalidArgumentError",
                                                          "mpirun.real",
                                                          "ORTE",
                                                          "ExecuteUserScriptError"};
    return markers;
}

namespace {

bool contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

/// Whether `text` holds `marker` at a position in [from, to) where the
/// vector pass saw its first and last letters.
bool marker_in(std::string_view text, std::size_t from, std::size_t to, std::string_view marker) {
    for (std::size_t j = from; j < to; ++j) {
        if (text.substr(j, marker.size()) == marker) return true;
    }
    return false;
}

/// Muła's "generic SIMD" substring search: `Vector` positions at a time are
/// tested for the marker's first letter with its last letter where it would
/// end, a pair that ordinary text seldom has; only such positions are
/// compared in full. Returns whether `marker` occurs in `text`.
template <class Vector>
[[gnu::always_inline]] inline bool find_by_first_and_last(std::string_view text, std::string_view marker) {
    constexpr std::size_t kWidth = sizeof(Vector);
    const std::size_t last = marker.size() - 1;
    Vector first_letter, last_letter;
    std::memset(&first_letter, marker.front(), kWidth);
    std::memset(&last_letter, marker.back(), kWidth);
    std::size_t i = 0;
    for (; i + last + kWidth <= text.size(); i += kWidth) {
        Vector firsts, lasts;  // (no helper returning a vector: that is ABI-dependent for 32 bytes)
        std::memcpy(&firsts, text.data() + i, kWidth);
        std::memcpy(&lasts, text.data() + i + last, kWidth);
        Vector pairs = (firsts == first_letter) & (lasts == last_letter);
        std::uint64_t words[kWidth / 8];
        std::memcpy(words, &pairs, kWidth);
        std::uint64_t seen = 0;
        for (std::uint64_t w : words) seen |= w;
        if (seen && marker_in(text, i, i + kWidth, marker)) return true;
    }
    return contains(text.substr(i), marker);
}

using Bytes16 = unsigned char __attribute__((vector_size(16)));
using Bytes32 = unsigned char __attribute__((vector_size(32)));

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
[[gnu::target("avx2")]] bool find_by_first_and_last_avx2(std::string_view text, std::string_view marker) {
    return find_by_first_and_last<Bytes32>(text, marker);
}
#endif

/// Whether "mpirun.real" occurs in `text`. Its first letter is too common in
/// logs to look for with memchr (which starts over at every 'm').
bool contains_mpirun_real(std::string_view text) {
    constexpr std::string_view kMarker = "mpirun.real";
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    // Twice the positions per step where the CPU has them (every x86-64 since 2013).
    static const bool avx2 = __builtin_cpu_supports("avx2");
    if (avx2) return find_by_first_and_last_avx2(text, kMarker);
#endif
    return find_by_first_and_last<Bytes16>(text, kMarker);
}

}  // namespace

bool names_marker_anchor(std::string_view text) {
    // 'E' starts "Error" and "Exception" and ends "ORTE": one memchr pass for the three.
    const char* const begin = text.data();
    const char* const end = begin + text.size();
    for (const char* p = begin; p != end; ++p) {
        p = static_cast<const char*>(std::memchr(p, 'E', static_cast<std::size_t>(end - p)));
        if (!p) break;
        std::string_view from(p, static_cast<std::size_t>(end - p));
        if (from.starts_with("Error") || from.starts_with("Exception")) return true;
        if (p - begin >= 3 && std::string_view(p - 3, 4) == "ORTE") return true;
    }
    return contains(text, "Invalid requirement") || contains_mpirun_real(text);
}

namespace {

bool names_error_class(std::string_view line) {
    if (!names_marker_anchor(line)) return false;
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
            if (digits() && j < line.size() && line[j] == ',' && (++j, digits()) && j < line.size() &&
                line[j] == ']') {
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

/// The longest marker's length less one: a marker cut between two appends of
/// a line has at most that many bytes before the cut.
std::size_t marker_overlap() {
    static const std::size_t overlap = [] {
        std::size_t longest = 0;
        for (std::string_view m : toolkit_error_markers()) longest = std::max(longest, m.size());
        return longest - 1;
    }();
    return overlap;
}

bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

/// `at` moved back to the start of the UTF-8 character that holds text[at]
/// (at most 3 bytes: a character is at most 4), so a cut there splits none.
std::size_t character_start(std::string_view text, std::size_t at) {
    for (int i = 0; i < 3 && at > 0 && is_continuation_byte(text[at]); ++i) --at;
    return at;
}

/// `head` + "[... N bytes cut ...]" + `tail`, `tail` moved forward to a UTF-8
/// character start; `whole_size` is the length of the line they come from.
std::string join_cut(std::string_view head, std::string_view tail, std::size_t whole_size) {
    for (int i = 0; i < 3 && !tail.empty() && is_continuation_byte(tail.front()); ++i) tail.remove_prefix(1);
    std::string out;
    out.reserve(head.size() + tail.size() + 40);
    out.append(head);
    out.append("[... ");
    out.append(std::to_string(whole_size - head.size() - tail.size()));
    out.append(" bytes cut ...]");
    out.append(tail);
    return out;
}

/// Whether a kept line counts for the fallback: not empty or blank.
std::string_view fallback_form(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) return {};
    return line;
}

}  // namespace

std::string shorten_line(std::string_view line, std::size_t limit) {
    if (line.size() <= limit) return std::string(line);
    std::size_t half = limit / 2;
    return join_cut(line.substr(0, character_start(line, half)), line.substr(line.size() - half),
                    line.size());
}

void LongLine::append(std::string_view bytes) {
    if (bytes.empty()) return;
    if (!names_error_) {
        // A marker cut between the previous append and this one, then one inside this one.
        std::size_t overlap = marker_overlap();
        if (!carry_.empty()) {
            std::string joined = carry_;
            joined.append(bytes.substr(0, overlap));
            names_error_ = launcher::names_error_class(joined);
        }
        names_error_ = names_error_ || launcher::names_error_class(bytes);
        if (bytes.size() >= overlap) {
            carry_.assign(bytes.substr(bytes.size() - overlap));
        } else {
            carry_.append(bytes);
            if (carry_.size() > overlap) carry_.erase(0, carry_.size() - overlap);
        }
    }
    size_ += bytes.size();
    if (head_.size() < limit_) head_.append(bytes.substr(0, limit_ - head_.size()));
    std::size_t half = limit_ / 2;
    tail_.append(bytes.size() > half ? bytes.substr(bytes.size() - half) : bytes);
    if (tail_.size() > half) tail_.erase(0, tail_.size() - half);
}

std::string LongLine::kept() const {
    if (size_ <= limit_) return head_;
    // The byte after the kept head is in head_ (it holds limit_ > half bytes).
    std::string_view head = head_;
    return join_cut(head.substr(0, character_start(head, limit_ / 2)), tail_, size_);
}

void LongLine::clear() {
    size_ = 0;
    head_.clear();
    tail_.clear();
    carry_.clear();
    names_error_ = false;
}

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

    bool fast_path_tried = false;
    while (!bytes.empty()) {
        // Lines: only needed until the capture is full.
        if (started_ && captured_bytes_ >= kCaptureLimit) return;
        const void* nl = std::memchr(bytes.data(), '\n', bytes.size());
        if (!nl) {
            partial_.append(bytes);
            return;
        }
        std::size_t len = static_cast<std::size_t>(static_cast<const char*>(nl) - bytes.data());
        if (partial_.empty()) {
            on_line(bytes.substr(0, len));  // the common case: a whole line in this chunk, no copy
        } else {
            partial_.append(bytes.substr(0, len));
            end_partial();
        }
        bytes.remove_prefix(len + 1);
        if (!started_ && !fast_path_tried) {
            // Fast path while no error has been seen: markers hold no '\n', so
            // when the chunk's whole lines name no error class they need no
            // splitting, only their last few lines are kept for the fallback.
            fast_path_tried = true;
            const void* last_nl_ptr = memrchr(bytes.data(), '\n', bytes.size());
            if (last_nl_ptr) {
                std::size_t last_nl =
                    static_cast<std::size_t>(static_cast<const char*>(last_nl_ptr) - bytes.data());
                std::string_view lines = bytes.substr(0, last_nl);
                if (!names_error_class(lines)) {
                    remember_last_lines(lines);
                    bytes.remove_prefix(last_nl + 1);
                }
            }
        }
    }
}

void StderrCapture::finish() {
    if (!partial_.empty()) end_partial();
}

void StderrCapture::end_partial() {
    on_line(partial_.kept(), partial_.names_error_class());
    partial_.clear();
}

void StderrCapture::on_line(std::string_view whole) {
    bool names_error = names_error_class(whole);
    if (whole.size() <= kMaxLine) return on_line(whole, names_error);
    on_line(shorten_line(whole, kMaxLine), names_error);
}

void StderrCapture::on_line(std::string_view kept, bool names_error) {
    if (!started_) {
        if (!names_error) return remember_for_fallback(kept);
        started_ = true;
        fallback_.clear();
    }
    if (captured_bytes_ >= kCaptureLimit) return;
    std::string cleaned = strip_mpi_tags(kept);
    // Python's str.strip(" :\n"), as the toolkit cleans each captured line ('\r' stays,
    // so a CRLF line keeps its '\r' as in the toolkit's ErrorMessage).
    std::string line(python_strip(cleaned, " :\n"));
    // Empty lines count as lines (the toolkit keeps one of them), and repeats go.
    if (seen_.count(line)) return;
    captured_bytes_ += line.size() + 2;  // with the "\n " that joins it
    seen_.insert(line);
    captured_.push_back(std::move(line));
}

void StderrCapture::remember_for_fallback(std::string_view kept) {
    std::string_view line = fallback_form(kept);
    if (line.empty()) return;
    if (fallback_.size() == kFallbackLines) fallback_.pop_front();
    fallback_.emplace_back(line);
}

void StderrCapture::remember_last_lines(std::string_view lines) {
    // Walk back over at most kFallbackLines non-empty lines, then keep them in order.
    std::vector<std::string_view> last;
    std::string_view rest = lines;
    bool more = true;
    while (more && last.size() < kFallbackLines) {
        std::size_t nl = rest.rfind('\n');
        more = nl != std::string_view::npos;
        std::string_view line = more ? rest.substr(nl + 1) : rest;
        if (more) rest = rest.substr(0, nl);
        if (!fallback_form(line).empty()) last.push_back(line);
    }
    for (auto it = last.rbegin(); it != last.rend(); ++it) {
        if (it->size() <= kMaxLine) {
            remember_for_fallback(*it);
        } else {
            remember_for_fallback(shorten_line(*it, kMaxLine));
        }
    }
}

std::string StderrCapture::tail() const {
    if (!ring_full_) return ring_.substr(0, ring_pos_);
    return ring_.substr(ring_pos_) + ring_.substr(0, ring_pos_);
}

std::string StderrCapture::error_message() const {
    std::string message;
    if (started_) {
        // The toolkit joins the captured lines with " " after each line's '\n' (so
        // every line but the first starts with a space) and strips the whole text.
        for (const auto& line : captured_) {
            message += message.empty() ? " " : "\n ";
            message += line;
        }
        return std::string(python_strip(replace_invalid_utf8(message)));
    }
    // No error class named: the last lines, which usually say what went wrong.
    // Whole (shortened) lines only, the last one always.
    std::size_t first = fallback_.size();
    std::size_t bytes = 0;
    while (first > 0) {
        std::size_t size = fallback_[first - 1].size() + 1;
        if (first < fallback_.size() && bytes + size > kFallbackBytes) break;
        bytes += size;
        --first;
    }
    for (std::size_t i = first; i < fallback_.size(); ++i) {
        if (!message.empty()) message += '\n';
        message += fallback_[i];
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
