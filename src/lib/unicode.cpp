// SPDX-License-Identifier: Apache-2.0
#include "lib/unicode.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>

namespace smtrain::unicode {
namespace {

struct CodePointRange {
    char32_t first, last;
};

struct UpperRun {
    char32_t first, last;
    int stride;
    int delta;
};

struct UpperSpecial {
    char32_t cp;
    const char* utf8;
};

#include "lib/unicode_tables.inc"

unsigned char byte_at(std::string_view s, std::size_t i) { return static_cast<unsigned char>(s[i]); }

bool is_continuation(unsigned char b) { return (b & 0xC0) == 0x80; }

// Length of the sequence a lead byte announces, or 0 for a byte that cannot
// start one (continuation bytes, C0/C1 overlong leads, F5..FF).
std::size_t sequence_length(unsigned char lead) {
    if (lead < 0x80) return 1;
    if (lead >= 0xC2 && lead <= 0xDF) return 2;
    if (lead >= 0xE0 && lead <= 0xEF) return 3;
    if (lead >= 0xF0 && lead <= 0xF4) return 4;
    return 0;
}

// The range the second byte must fall in; narrower than 80..BF after the leads
// where the plain range would allow overlongs, values past U+10FFFF, or (when
// `surrogates` is false) the surrogates ED A0..ED BF.
bool second_byte_ok(unsigned char lead, unsigned char b, bool surrogates) {
    switch (lead) {
        case 0xE0:
            return b >= 0xA0 && b <= 0xBF;
        case 0xED:
            return surrogates ? is_continuation(b) : (b >= 0x80 && b <= 0x9F);
        case 0xF0:
            return b >= 0x90 && b <= 0xBF;
        case 0xF4:
            return b >= 0x80 && b <= 0x8F;
        default:
            return is_continuation(b);
    }
}

// Number of bytes of a well-formed prefix of the sequence starting at `pos`
// (the whole sequence when it is complete), as Python's decoder measures it.
std::size_t valid_prefix(std::string_view s, std::size_t pos, std::size_t need, bool surrogates) {
    std::size_t n = 1;
    while (n < need && pos + n < s.size()) {
        unsigned char b = byte_at(s, pos + n);
        bool ok = n == 1 ? second_byte_ok(byte_at(s, pos), b, surrogates) : is_continuation(b);
        if (!ok) break;
        ++n;
    }
    return n;
}

char32_t assemble(std::string_view s, std::size_t pos, std::size_t length) {
    unsigned char lead = byte_at(s, pos);
    char32_t cp = length == 2 ? (lead & 0x1F) : length == 3 ? (lead & 0x0F) : (lead & 0x07);
    for (std::size_t i = 1; i < length; ++i) cp = (cp << 6) | (byte_at(s, pos + i) & 0x3F);
    return cp;
}

const char kHex[] = "0123456789abcdef";

std::string hex_byte(unsigned char b) { return std::string("0x") + kHex[b >> 4] + kHex[b & 0xF]; }

}  // namespace

Decoded decode(std::string_view s, std::size_t pos) {
    unsigned char lead = byte_at(s, pos);
    if (lead < 0x80) return {lead, 1, true};
    std::size_t need = sequence_length(lead);
    if (need != 0 && valid_prefix(s, pos, need, true) == need) return {assemble(s, pos, need), need, true};
    return {static_cast<char32_t>(0xDC00 + lead), 1, false};
}

void append_utf8(std::string& out, char32_t cp) {
    auto put = [&out](unsigned v) { out.push_back(static_cast<char>(v)); };
    if (cp < 0x80) {
        put(cp);
    } else if (cp < 0x800) {
        put(0xC0 | (cp >> 6));
        put(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        put(0xE0 | (cp >> 12));
        put(0x80 | ((cp >> 6) & 0x3F));
        put(0x80 | (cp & 0x3F));
    } else {
        put(0xF0 | (cp >> 18));
        put(0x80 | ((cp >> 12) & 0x3F));
        put(0x80 | ((cp >> 6) & 0x3F));
        put(0x80 | (cp & 0x3F));
    }
}

std::optional<Utf8Error> validate_utf8(std::string_view s, bool allow_surrogates) {
    std::size_t i = 0;
    const std::size_t n = s.size();
    while (i < n) {
        // Fast path: eight ASCII bytes at a time (the common case for config files).
        if (i + 8 <= n) {
            std::uint64_t word;
            std::memcpy(&word, s.data() + i, 8);
            if ((word & 0x8080808080808080ULL) == 0) {
                i += 8;
                continue;
            }
        }
        unsigned char lead = byte_at(s, i);
        if (lead < 0x80) {
            ++i;
            continue;
        }
        std::size_t need = sequence_length(lead);
        if (need == 0) {
            return Utf8Error{i, "'utf-8' codec can't decode byte " + hex_byte(lead) + " in position " +
                                    std::to_string(i) + ": invalid start byte"};
        }
        std::size_t got = valid_prefix(s, i, need, allow_surrogates);
        if (got == need) {
            i += need;
            continue;
        }
        std::string what = got == 1
                               ? "byte " + hex_byte(lead) + " in position " + std::to_string(i)
                               : "bytes in position " + std::to_string(i) + "-" + std::to_string(i + got - 1);
        const char* reason = i + got == n ? "unexpected end of data" : "invalid continuation byte";
        return Utf8Error{i, "'utf-8' codec can't decode " + what + ": " + reason};
    }
    return std::nullopt;
}

std::size_t count_code_points(std::string_view s) {
    std::size_t count = 0;
    for (std::size_t i = 0; i < s.size();) {
        i += byte_at(s, i) < 0x80 ? 1 : decode(s, i).length;
        ++count;
    }
    return count;
}

bool is_printable(char32_t cp) {
    if (cp >= 0x20 && cp < 0x7F) return true;
    auto it = std::upper_bound(std::begin(kNonPrintable), std::end(kNonPrintable), cp,
                               [](char32_t c, const CodePointRange& r) { return c < r.first; });
    if (it == std::begin(kNonPrintable)) return true;
    --it;
    return cp > it->last;
}

void append_upper(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp >= 'a' && cp <= 'z' ? cp - 32 : cp));
        return;
    }
    auto special = std::lower_bound(std::begin(kUpperSpecial), std::end(kUpperSpecial), cp,
                                    [](const UpperSpecial& e, char32_t c) { return e.cp < c; });
    if (special != std::end(kUpperSpecial) && special->cp == cp) {
        out += special->utf8;
        return;
    }
    auto run = std::upper_bound(std::begin(kUpperRuns), std::end(kUpperRuns), cp,
                                [](char32_t c, const UpperRun& r) { return c < r.first; });
    if (run != std::begin(kUpperRuns)) {
        --run;
        if (cp <= run->last && (cp - run->first) % static_cast<char32_t>(run->stride) == 0) {
            cp = static_cast<char32_t>(static_cast<std::int64_t>(cp) + run->delta);
        }
    }
    append_utf8(out, cp);
}

}  // namespace smtrain::unicode
