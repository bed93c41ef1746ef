// SPDX-License-Identifier: Apache-2.0
// Python's json.loads, as its C scanner (Modules/_json.c) behaves: the same
// accepted texts, the same values, the same error words at the same positions.
#include "lib/json.hpp"

#include <charconv>
#include <cmath>
#include <deque>
#include <limits>
#include <unordered_set>

#include "lib/unicode.hpp"

namespace smtrain {

namespace {

std::string position_suffix(std::size_t line, std::size_t column, std::size_t offset) {
    return ": line " + std::to_string(line) + " column " + std::to_string(column) + " (char " +
           std::to_string(offset) + ")";
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool is_high_surrogate(char32_t c) { return c >= 0xD800 && c <= 0xDBFF; }
bool is_low_surrogate(char32_t c) { return c >= 0xDC00 && c <= 0xDFFF; }

// Dicts grow past this size get a hash index for the duplicate-key check;
// below it a linear scan is cheaper.
constexpr std::size_t kLinearKeyScan = 16;

// Adds entries with Python dict semantics: a repeated key replaces the
// earlier value where it stands. Hash-indexed once the dict is large, so a
// 100,000-key object stays linear.
class KeyIndex {
public:
    explicit KeyIndex(Value::Dict& entries) : entries_(entries), index_(0, Hash{&entries}, Equal{&entries}) {}

    void add(std::string key, Value v) {
        if (index_.empty() && entries_.size() < kLinearKeyScan) {
            for (auto& [k, existing] : entries_) {
                if (k == key) {
                    existing = std::move(v);
                    return;
                }
            }
            entries_.emplace_back(std::move(key), std::move(v));
            if (entries_.size() == kLinearKeyScan) {
                for (std::size_t i = 0; i < entries_.size(); ++i) index_.insert(i);
            }
            return;
        }
        entries_.emplace_back(std::move(key), std::move(v));
        auto [it, inserted] = index_.insert(entries_.size() - 1);
        if (!inserted) {
            entries_[*it].second = std::move(entries_.back().second);
            entries_.pop_back();
        }
    }

private:
    // Indices into the dict, hashed by the key they point at, so no key is copied.
    struct Hash {
        const Value::Dict* d;
        std::size_t operator()(std::size_t i) const { return std::hash<std::string>{}((*d)[i].first); }
    };
    struct Equal {
        const Value::Dict* d;
        bool operator()(std::size_t a, std::size_t b) const { return (*d)[a].first == (*d)[b].first; }
    };
    Value::Dict& entries_;
    std::unordered_set<std::size_t, Hash, Equal> index_;
};

// A container being filled. It refers to itself (the index to its dict), so it
// never moves: frames live in a std::deque, which keeps them in place.
struct Frame {
    explicit Frame(bool object) : is_dict(object) {}
    Frame(const Frame&) = delete;
    Frame& operator=(const Frame&) = delete;

    void add(Value v) {
        if (is_dict) {
            index.add(std::move(key), std::move(v));
        } else {
            list.push_back(std::move(v));
        }
    }
    Value take() { return is_dict ? Value(std::move(dict)) : Value(std::move(list)); }

    bool is_dict;
    Value::List list;
    Value::Dict dict;
    KeyIndex index{dict};
    std::string key;  // of the value being parsed, in a dict
};

class Parser {
public:
    Parser(std::string_view text, std::size_t max_depth) : text_(text), max_depth_(max_depth) {}

    Value parse_document() {
        skip_whitespace();
        Value v = parse_value();
        skip_whitespace();
        if (pos_ != text_.size()) fail("Extra data", pos_);
        return v;
    }

    // Python reports positions in characters (code points), lines from 1 and
    // columns from 1; we hold a byte offset, so convert once, at the error.
    [[noreturn]] void fail(const std::string& reason, std::size_t byte_offset) const {
        std::string_view before = text_.substr(0, byte_offset);
        std::size_t line = 1;
        std::size_t line_start = 0;
        for (std::size_t i = 0; i < before.size(); ++i) {
            if (before[i] == '\n') {
                ++line;
                line_start = i + 1;
            }
        }
        std::size_t column = unicode::count_code_points(before.substr(line_start)) + 1;
        throw JsonSyntaxError(reason, line, column, unicode::count_code_points(before));
    }

private:
    bool at(char c) const { return pos_ < text_.size() && text_[pos_] == c; }

    bool starts_with(std::string_view word) const { return text_.substr(pos_).starts_with(word); }

    // JSON whitespace only: Python does not skip \f or \v.
    void skip_whitespace() {
        while (pos_ < text_.size()) {
            char c = text_[pos_];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
            ++pos_;
        }
    }

    // The parse is a loop over an explicit stack of open containers, not a
    // recursion, so nesting depth costs heap, never the C++ stack (a deep
    // document must fail cleanly, also under sanitizers' big frames).
    Value parse_value() {
        std::deque<Frame> open;
        Value done;  // the value just completed
        while (true) {
            if (pos_ >= text_.size()) fail("Expecting value", pos_);
            const char c = text_[pos_];
            if (c == '[' || c == '{') {
                // Python would raise RecursionError; we refuse before memory runs out.
                if (open.size() >= max_depth_) {
                    fail("nesting too deep (more than " + std::to_string(max_depth_) + " levels)", pos_);
                }
                ++pos_;
                skip_whitespace();
                Frame& frame = open.emplace_back(c == '{');
                if (!(c == '[' ? at(']') : at('}'))) {
                    if (frame.is_dict) read_key(frame);
                    continue;  // now parse the first item
                }
                ++pos_;  // empty container
                done = frame.take();
                open.pop_back();
            } else {
                done = parse_scalar();
            }
            // Hand the finished value to its container; close every container
            // that ends here; stop when the next item is due.
            while (true) {
                if (open.empty()) return done;
                Frame& frame = open.back();
                frame.add(std::move(done));
                skip_whitespace();
                if (at(frame.is_dict ? '}' : ']')) {
                    ++pos_;
                    done = frame.take();
                    open.pop_back();
                    continue;
                }
                if (!at(',')) fail("Expecting ',' delimiter", pos_);
                ++pos_;
                skip_whitespace();
                if (frame.is_dict) read_key(frame);
                break;
            }
        }
    }

    // `"key"` then `:`; leaves pos_ at the value.
    void read_key(Frame& frame) {
        if (!at('"')) fail("Expecting property name enclosed in double quotes", pos_);
        frame.key = parse_string();
        skip_whitespace();
        if (!at(':')) fail("Expecting ':' delimiter", pos_);
        ++pos_;
        skip_whitespace();
    }

    Value parse_scalar() {
        switch (text_[pos_]) {
            case '"':
                return Value(parse_string());
            case 'n':
                if (starts_with("null")) return pos_ += 4, Value();
                break;
            case 't':
                if (starts_with("true")) return pos_ += 4, Value(true);
                break;
            case 'f':
                if (starts_with("false")) return pos_ += 5, Value(false);
                break;
            case 'N':
                if (starts_with("NaN")) return pos_ += 3, Value(std::numeric_limits<double>::quiet_NaN());
                break;
            case 'I':
                if (starts_with("Infinity")) return pos_ += 8, Value(std::numeric_limits<double>::infinity());
                break;
            case '-':
                if (starts_with("-Infinity"))
                    return pos_ += 9, Value(-std::numeric_limits<double>::infinity());
                break;
            default:
                break;
        }
        return parse_number();
    }
    // Four hex digits at `p`; -1 when any is not hex.
    long hex4(std::size_t p) const {
        long v = 0;
        for (std::size_t i = 0; i < 4; ++i) {
            int h = hex_value(text_[p + i]);
            if (h < 0) return -1;
            v = (v << 4) | h;
        }
        return v;
    }

    std::string parse_string() {
        const std::size_t begin = pos_;  // the opening quote
        std::size_t p = pos_ + 1;
        const std::size_t n = text_.size();
        std::string out;
        while (true) {
            // Copy the run of plain characters in one go.
            std::size_t run = p;
            while (run < n) {
                unsigned char c = static_cast<unsigned char>(text_[run]);
                if (c == '"' || c == '\\' || c < 0x20) break;
                ++run;
            }
            out.append(text_.data() + p, run - p);
            p = run;
            if (p >= n) fail("Unterminated string starting at", begin);
            char c = text_[p];
            if (c == '"') {
                pos_ = p + 1;
                return out;
            }
            if (c != '\\') fail("Invalid control character at", p);
            // An escape: `p` is the backslash.
            if (p + 1 >= n) fail("Unterminated string starting at", begin);
            char e = text_[p + 1];
            switch (e) {
                case '"':
                    out += '"';
                    break;
                case '\\':
                    out += '\\';
                    break;
                case '/':
                    out += '/';
                    break;
                case 'b':
                    out += '\b';
                    break;
                case 'f':
                    out += '\f';
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'u':
                    p = parse_unicode_escape(p, out);
                    continue;
                default:
                    fail("Invalid \\escape", p);
            }
            p += 2;
        }
    }

    // \uXXXX at backslash `p`; returns the position after it. As in Python, the
    // digits must be followed by at least one more character, and a high
    // surrogate joins with an immediately following \u low surrogate.
    std::size_t parse_unicode_escape(std::size_t p, std::string& out) const {
        const std::size_t n = text_.size();
        std::size_t end = p + 6;
        long cp = end < n ? hex4(p + 2) : -1;
        if (cp < 0) fail("Invalid \\uXXXX escape", p + 1);
        char32_t c = static_cast<char32_t>(cp);
        if (is_high_surrogate(c) && end + 6 < n && text_[end] == '\\' && text_[end + 1] == 'u') {
            long low = hex4(end + 2);
            if (low < 0) fail("Invalid \\uXXXX escape", end + 1);
            if (is_low_surrogate(static_cast<char32_t>(low))) {
                c = 0x10000 + ((c - 0xD800) << 10) + (static_cast<char32_t>(low) - 0xDC00);
                end += 6;
            }
        }
        unicode::append_utf8(out, c);
        return end;
    }

    // Python's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?
    // A '.' or 'e' without digits after it is not part of the number (it is
    // then "Extra data").
    Value parse_number() {
        const std::size_t start = pos_;
        const std::size_t n = text_.size();
        std::size_t p = pos_;
        if (text_[p] == '-') ++p;
        if (p < n && text_[p] >= '1' && text_[p] <= '9') {
            while (p < n && is_digit(text_[p])) ++p;
        } else if (p < n && text_[p] == '0') {
            ++p;
        } else {
            fail("Expecting value", start);
        }
        const std::size_t int_end = p;
        bool is_float = false;
        if (p + 1 < n && text_[p] == '.' && is_digit(text_[p + 1])) {
            p += 2;
            while (p < n && is_digit(text_[p])) ++p;
            is_float = true;
        }
        std::size_t exponent_at = 0;
        if (p < n && (text_[p] == 'e' || text_[p] == 'E')) {
            std::size_t q = p + 1;
            if (q < n && (text_[q] == '+' || text_[q] == '-')) ++q;
            if (q < n && is_digit(text_[q])) {
                while (q < n && is_digit(text_[q])) ++q;
                exponent_at = p;
                p = q;
                is_float = true;
            }
        }
        pos_ = p;
        std::string_view number = text_.substr(start, p - start);
        if (!is_float) {
            if (number == "-0") return Value::integer("0");
            return Value::integer(std::string(number));
        }
        return Value(to_double(number, int_end - start, exponent_at ? exponent_at - start : number.size()));
    }

    // Python's float(text): correctly rounded, and past the double range
    // inf or 0.0 (with the sign) instead of an error.
    static double to_double(std::string_view number, std::size_t int_end, std::size_t mantissa_end) {
        double d = 0;
        auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), d);
        bool negative = number.front() == '-';
        if (ec == std::errc::result_out_of_range) {
            bool overflow = decimal_magnitude(number, int_end, mantissa_end) > 0;
            d = overflow ? std::numeric_limits<double>::infinity() : 0.0;
            return negative ? -d : d;
        }
        (void)end;
        return d;
    }

    // The power of ten of the leading nonzero digit, saturated; only its sign
    // matters (out of range and above 1 means overflow).
    static long long decimal_magnitude(std::string_view number, std::size_t int_end,
                                       std::size_t mantissa_end) {
        long long exponent = 0;
        if (mantissa_end < number.size()) {
            std::size_t q = mantissa_end + 1;
            bool neg = number[q] == '-';
            if (number[q] == '+' || number[q] == '-') ++q;
            for (; q < number.size() && exponent < 1'000'000'000'000LL; ++q)
                exponent = exponent * 10 + (number[q] - '0');
            if (neg) exponent = -exponent;
        }
        std::size_t int_start = number.front() == '-' ? 1 : 0;
        for (std::size_t i = int_start; i < int_end; ++i) {
            if (number[i] != '0') return exponent + static_cast<long long>(int_end - i) - 1;
        }
        for (std::size_t i = int_end + 1; i < mantissa_end; ++i) {
            if (number[i] != '0') return exponent - static_cast<long long>(i - int_end);
        }
        return std::numeric_limits<long long>::min();  // zero never overflows
    }

    std::string_view text_;
    std::size_t max_depth_;
    std::size_t pos_ = 0;
};

}  // namespace

JsonSyntaxError::JsonSyntaxError(std::string reason, std::size_t line, std::size_t column, std::size_t offset)
    : Error(reason + position_suffix(line, column, offset), ExitCode::BadConfig),
      reason_(std::move(reason)),
      line_(line),
      column_(column),
      offset_(offset) {}

Value parse_json(std::string_view text, std::size_t max_depth) {
    JsonParseOptions options;
    options.max_depth = max_depth;
    return parse_json(text, options);
}

Value parse_json(std::string_view text, const JsonParseOptions& options) {
    Parser parser(text, options.max_depth);
    // Python decodes the whole text before parsing, so a bad byte anywhere is
    // reported first, whatever JSON error may come before it.
    if (auto bad = unicode::validate_utf8(text, options.allow_surrogates))
        parser.fail(bad->message, bad->position);
    if (text.starts_with("\xEF\xBB\xBF")) parser.fail("Unexpected UTF-8 BOM (decode using utf-8-sig)", 0);
    return parser.parse_document();
}

}  // namespace smtrain
