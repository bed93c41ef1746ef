// SPDX-License-Identifier: Apache-2.0
// Python's json.dumps with ensure_ascii=True, compact or indented.
#include "lib/json.hpp"
#include "lib/python_format.hpp"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "lib/unicode.hpp"

namespace smtrain {

namespace {

const char kHex[] = "0123456789abcdef";

void append_u_escape(std::string& out, char32_t unit) {
    out += "\\u";
    out += kHex[(unit >> 12) & 0xF];
    out += kHex[(unit >> 8) & 0xF];
    out += kHex[(unit >> 4) & 0xF];
    out += kHex[unit & 0xF];
}

// ensure_ascii: printable ASCII as is, the short escapes Python uses, every
// other character as \uXXXX (UTF-16 surrogate pairs above U+FFFF).
void append_json_string(std::string& out, std::string_view s) {
    out += '"';
    for (std::size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
            out += static_cast<char>(c);
            ++i;
            continue;
        }
        if (c < 0x80) {
            switch (c) {
                case '"':
                    out += "\\\"";
                    break;
                case '\\':
                    out += "\\\\";
                    break;
                case '\n':
                    out += "\\n";
                    break;
                case '\r':
                    out += "\\r";
                    break;
                case '\t':
                    out += "\\t";
                    break;
                case '\b':
                    out += "\\b";
                    break;
                case '\f':
                    out += "\\f";
                    break;
                default:
                    append_u_escape(out, c);  // other controls and DEL
            }
            ++i;
            continue;
        }
        // Invalid bytes come out as Python's surrogateescape would show them (\udcff).
        unicode::Decoded d = unicode::decode(s, i);
        i += d.length;
        if (d.cp >= 0x10000) {
            char32_t v = d.cp - 0x10000;
            append_u_escape(out, 0xD800 + (v >> 10));
            append_u_escape(out, 0xDC00 + (v & 0x3FF));
        } else {
            append_u_escape(out, d.cp);
        }
    }
    out += '"';
}

// Writes a value with an explicit stack of open containers instead of a
// recursion, so any depth parse_json accepts renders without exhausting the
// C++ stack.
class Dumper {
public:
    Dumper(std::string& out, const JsonDumpOptions& options) : out_(out), options_(options) {}

    void dump(const Value& root) {
        begin(root);
        while (!open_.empty()) {
            Open& top = open_.back();
            const std::size_t count = top.order.empty() ? top.value->as_list().size() : top.order.size();
            if (top.next == count) {
                bool is_dict = !top.order.empty();
                open_.pop_back();
                newline(open_.size());
                out_ += is_dict ? '}' : ']';
                continue;
            }
            if (top.next) out_ += spaced() ? ", " : ",";
            newline(open_.size());
            const Value* child;
            if (!top.order.empty()) {
                const auto* entry = top.order[top.next];
                append_json_string(out_, entry->first);
                out_ += pretty() || spaced() ? ": " : ":";
                child = &entry->second;
            } else {
                child = &top.value->as_list()[top.next];
            }
            ++top.next;
            begin(*child);  // may grow open_; `top` is not used after this
        }
    }

private:
    using Entry = std::pair<std::string, Value>;
    struct Open {
        const Value* value;
        std::vector<const Entry*> order;  // dict entries in output order; empty for a list
        std::size_t next = 0;
    };

    // Writes a scalar or an empty container whole; opens any other container.
    void begin(const Value& v) {
        switch (v.kind()) {
            case Value::Kind::Null:
                out_ += "null";
                break;
            case Value::Kind::Bool:
                out_ += v.as_bool() ? "true" : "false";
                break;
            case Value::Kind::Int:
                out_ += v.int_digits();
                break;
            case Value::Kind::Float:
                dump_float(v.as_double());
                break;
            case Value::Kind::String:
                append_json_string(out_, v.as_string());
                break;
            case Value::Kind::List:
                if (v.as_list().empty()) {
                    out_ += "[]";
                } else {
                    out_ += '[';
                    open_.push_back(Open{&v, {}});
                }
                break;
            case Value::Kind::Dict:
                if (v.as_dict().empty()) {
                    out_ += "{}";
                } else {
                    out_ += '{';
                    open_.push_back(Open{&v, sorted_entries(v.as_dict())});
                }
                break;
        }
    }

    std::vector<const Entry*> sorted_entries(const Value::Dict& entries) const {
        std::vector<const Entry*> order;
        order.reserve(entries.size());
        for (const auto& e : entries) order.push_back(&e);
        // Byte order of UTF-8 is code point order, which is how Python sorts str.
        if (options_.sort_keys) {
            std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->first < b->first; });
        }
        return order;
    }

    void dump_float(double d) {
        if (std::isnan(d)) {
            out_ += "NaN";
        } else if (std::isinf(d)) {
            out_ += d > 0 ? "Infinity" : "-Infinity";
        } else {
            out_ += python_float_repr(d);
        }
    }

    bool pretty() const { return options_.indent >= 0; }
    bool spaced() const { return options_.spaced && !pretty(); }

    // In indent mode, a line break and the indent of `level`; nothing in compact mode.
    void newline(std::size_t level) {
        if (!pretty()) return;
        out_ += '\n';
        out_.append(static_cast<std::size_t>(options_.indent) * level, ' ');
    }

    std::string& out_;
    const JsonDumpOptions& options_;
    std::vector<Open> open_;
};

}  // namespace

std::string dump_json(const Value& v, const JsonDumpOptions& options) {
    std::string out;
    Dumper(out, options).dump(v);
    return out;
}

}  // namespace smtrain
