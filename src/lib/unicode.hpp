// SPDX-License-Identifier: Apache-2.0
#pragma once
// Internal: UTF-8 decoding/encoding and the few Unicode properties Python's
// renderings need (str.isprintable, str.upper).
//
// Strings inside a Value are "generalized UTF-8" (WTF-8): a lone surrogate
// from a JSON escape such as "\ud800" is kept as its 3-byte encoding
// ED A0 80, so it survives and is written back as \ud800, as Python does.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace smtrain::unicode {

/// One decoded code point. `valid` is false for a byte that starts no
/// well-formed sequence; then `cp` is that byte mapped as Python's
/// "surrogateescape" does (U+DC80..U+DCFF) and `length` is 1.
struct Decoded {
    char32_t cp;
    std::size_t length;
    bool valid;
};

/// Decodes the code point at `pos` (< s.size()) of generalized UTF-8
/// (surrogate code points accepted, overlongs and > U+10FFFF refused).
Decoded decode(std::string_view s, std::size_t pos);

/// Appends the UTF-8 (WTF-8 for surrogates) encoding of `cp`.
void append_utf8(std::string& out, char32_t cp);

/// Where and why strict UTF-8 decoding fails, worded as Python's codec does:
/// "'utf-8' codec can't decode byte 0xff in position 3: invalid start byte".
struct Utf8Error {
    std::size_t position;  ///< byte offset of the offending sequence
    std::string message;
};

/// The first error of `s` as UTF-8, or nothing when it is well formed. Strict
/// (the default) refuses surrogates as Python's codec does; `allow_surrogates`
/// accepts the generalized UTF-8 our own strings use.
std::optional<Utf8Error> validate_utf8(std::string_view s, bool allow_surrogates = false);

/// Number of code points in `s` (each invalid byte counts as one).
std::size_t count_code_points(std::string_view s);

/// Python's str.isprintable() for one code point.
bool is_printable(char32_t cp);

/// Appends Python's chr(cp).upper() as UTF-8.
void append_upper(std::string& out, char32_t cp);

}  // namespace smtrain::unicode
