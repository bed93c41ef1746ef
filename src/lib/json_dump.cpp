// SPDX-License-Identifier: Apache-2.0
// Python's json.dumps with ensure_ascii=True, compact or indented.
#include <smtrain/json.hpp>
#include <smtrain/python_format.hpp>

#include <algorithm>
#include <cmath>

#include "unicode.hpp"

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
                case '"': out += "\\\""; break;
                case '\\': out += "\\\\"; break;
                case '\n': out += "\\n"; break;
                case '\r': out += "\\r"; break;
                case '\t': out += "\\t"; break;
                case '\b': out += "\\b"; break;
                case '\f': out += "\\f"; break;
                default: append_u_escape(out, c);  // other controls and DEL
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

class Dumper {
public:
    Dumper(std::string& out, const JsonDumpOptions& options) : out_(out), options_(options) {}

    void dump(const Value& v, int level) {
        switch (v.kind()) {
            case Value::Kind::Null: out_ += "null"; break;
            case Value::Kind::Bool: out_ += v.as_bool() ? "true" : "false"; break;
            case Value::Kind::Int: out_ += v.int_digits(); break;
            case Value::Kind::Float: dump_float(v.as_double()); break;
            case Value::Kind::String: append_json_string(out_, v.as_string()); break;
            case Value::Kind::List: dump_list(v.as_list(), level); break;
            case Value::Kind::Dict: dump_dict(v.as_dict(), level); break;
        }
    }

private:
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

    // Between items: "," compact, or ",\n" plus the indent of `level`.
    void newline(int level) {
        if (!pretty()) return;
        out_ += '\n';
        out_.append(static_cast<std::size_t>(options_.indent) * static_cast<std::size_t>(level), ' ');
    }

    void dump_list(const Value::List& items, int level) {
        if (items.empty()) {
            out_ += "[]";
            return;
        }
        out_ += '[';
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (i) out_ += ',';
            newline(level + 1);
            dump(items[i], level + 1);
        }
        newline(level);
        out_ += ']';
    }

    void dump_dict(const Value::Dict& entries, int level) {
        if (entries.empty()) {
            out_ += "{}";
            return;
        }
        std::vector<const std::pair<std::string, Value>*> order;
        order.reserve(entries.size());
        for (const auto& e : entries) order.push_back(&e);
        // Byte order of UTF-8 is code point order, which is how Python sorts str.
        if (options_.sort_keys) {
            std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->first < b->first; });
        }
        out_ += '{';
        for (std::size_t i = 0; i < order.size(); ++i) {
            if (i) out_ += ',';
            newline(level + 1);
            append_json_string(out_, order[i]->first);
            out_ += pretty() ? ": " : ":";
            dump(order[i]->second, level + 1);
        }
        newline(level);
        out_ += '}';
    }

    std::string& out_;
    const JsonDumpOptions& options_;
};

}  // namespace

std::string dump_json(const Value& v, const JsonDumpOptions& options) {
    std::string out;
    Dumper(out, options).dump(v, 0);
    return out;
}

}  // namespace smtrain
