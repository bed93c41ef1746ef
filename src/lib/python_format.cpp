// SPDX-License-Identifier: Apache-2.0
// Python's str(), repr() and str.upper(), as the toolkit's renderings use them.
#include "lib/python_format.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "lib/unicode.hpp"

namespace smtrain {

namespace {

const char kHex[] = "0123456789abcdef";

void append_hex(std::string& out, char32_t value, int digits) {
    for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) out += kHex[(value >> shift) & 0xF];
}

// Python's unicode_repr: pick the quote, then escape what is not printable.
void append_string_repr(std::string& out, std::string_view s) {
    bool has_single = s.find('\'') != std::string_view::npos;
    bool has_double = s.find('"') != std::string_view::npos;
    char quote = has_single && !has_double ? '"' : '\'';
    out += quote;
    for (std::size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++i;
            if (c == static_cast<unsigned char>(quote) || c == '\\') {
                out += '\\';
                out += static_cast<char>(c);
            } else if (c == '\t') {
                out += "\\t";
            } else if (c == '\n') {
                out += "\\n";
            } else if (c == '\r') {
                out += "\\r";
            } else if (c < 0x20 || c == 0x7F) {
                out += "\\x";
                append_hex(out, c, 2);
            } else {
                out += static_cast<char>(c);
            }
            continue;
        }
        // An invalid byte is shown as the surrogate Python's surrogateescape makes of it.
        unicode::Decoded d = unicode::decode(s, i);
        if (d.valid && unicode::is_printable(d.cp)) {
            out.append(s.substr(i, d.length));
        } else if (d.cp <= 0xFF) {
            out += "\\x";
            append_hex(out, d.cp, 2);
        } else if (d.cp <= 0xFFFF) {
            out += "\\u";
            append_hex(out, d.cp, 4);
        } else {
            out += "\\U";
            append_hex(out, d.cp, 8);
        }
        i += d.length;
    }
    out += quote;
}

// repr of a value, walking containers with an explicit stack (no recursion,
// so any depth parse_json accepts is safe). Dicts keep insertion order.
void append_repr(std::string& out, const Value& root) {
    struct Open {
        const Value* value;
        std::size_t next = 0;
    };
    std::vector<Open> open;
    auto begin = [&](const Value& v) {
        switch (v.kind()) {
            case Value::Kind::Null:
                out += "None";
                break;
            case Value::Kind::Bool:
                out += v.as_bool() ? "True" : "False";
                break;
            case Value::Kind::Int:
                out += v.int_digits();
                break;
            case Value::Kind::Float:
                out += python_float_repr(v.as_double());
                break;
            case Value::Kind::String:
                append_string_repr(out, v.as_string());
                break;
            case Value::Kind::List:
                out += '[';
                open.push_back(Open{&v});
                break;
            case Value::Kind::Dict:
                out += '{';
                open.push_back(Open{&v});
                break;
        }
    };
    begin(root);
    while (!open.empty()) {
        Open& top = open.back();
        const Value& container = *top.value;
        const std::size_t count =
            container.is_dict() ? container.as_dict().size() : container.as_list().size();
        if (top.next == count) {
            out += container.is_dict() ? '}' : ']';
            open.pop_back();
            continue;
        }
        if (top.next) out += ", ";
        const std::size_t i = top.next++;
        if (container.is_dict()) {
            append_string_repr(out, container.as_dict()[i].first);
            out += ": ";
            begin(container.as_dict()[i].second);  // may grow `open`; `top` is not used after
        } else {
            begin(container.as_list()[i]);
        }
    }
}

}  // namespace

std::string python_str(const Value& v) {
    if (v.is_string()) return v.as_string();
    return python_repr(v);
}

std::string python_repr(const Value& v) {
    std::string out;
    append_repr(out, v);
    return out;
}

std::string python_float_repr(double d) {
    if (std::isnan(d)) return "nan";
    if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
    // Shortest round-trip digits (as Python's repr), then Python's layout.
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    (void)ec;  // 64 bytes always hold a double
    std::string_view sci(buf, static_cast<std::size_t>(end - buf));
    std::string out;
    if (sci.front() == '-') {
        out += '-';
        sci.remove_prefix(1);
    }
    std::size_t e_at = sci.find('e');
    std::string digits;
    for (char c : sci.substr(0, e_at)) {
        if (c != '.') digits += c;
    }
    int exponent = std::atoi(std::string(sci.substr(e_at + 1)).c_str());
    // Python switches to exponent notation outside 1e-4 <= |d| < 1e16.
    if (exponent < -4 || exponent >= 16) {
        out += digits[0];
        if (digits.size() > 1) {
            out += '.';
            out.append(digits, 1);
        }
        out += exponent < 0 ? "e-" : "e+";
        int magnitude = std::abs(exponent);
        if (magnitude < 10) out += '0';
        out += std::to_string(magnitude);
        return out;
    }
    int point = exponent + 1;  // digits before the decimal point
    if (point <= 0) {
        out += "0.";
        out.append(static_cast<std::size_t>(-point), '0');
        out += digits;
    } else if (static_cast<std::size_t>(point) >= digits.size()) {
        out += digits;
        out.append(static_cast<std::size_t>(point) - digits.size(), '0');
        out += ".0";
    } else {
        out.append(digits, 0, static_cast<std::size_t>(point));
        out += '.';
        out.append(digits, static_cast<std::size_t>(point));
    }
    return out;
}

std::string python_upper(std::string_view utf8) {
    std::string out;
    out.reserve(utf8.size());
    for (std::size_t i = 0; i < utf8.size();) {
        unsigned char c = static_cast<unsigned char>(utf8[i]);
        if (c < 0x80) {
            out += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
            ++i;
            continue;
        }
        unicode::Decoded d = unicode::decode(utf8, i);
        if (d.valid) {
            unicode::append_upper(out, d.cp);
        } else {
            out += utf8[i];  // kept as it is
        }
        i += d.length;
    }
    return out;
}

}  // namespace smtrain
