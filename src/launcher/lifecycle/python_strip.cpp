// SPDX-License-Identifier: Apache-2.0
#include "launcher/lifecycle/python_strip.hpp"

namespace smtrain::launcher {
namespace {

/// The length of the whitespace character (Python's str.isspace()) that `s` starts
/// with, 0 when it does not start with one.
std::size_t leading_space(std::string_view s) {
    if (s.empty()) return 0;
    unsigned char c = static_cast<unsigned char>(s[0]);
    if (c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f)) return 1;
    // U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000 in UTF-8.
    static constexpr std::string_view wide[] = {
        "\xC2\x85",     "\xC2\xA0",     "\xE1\x9A\x80", "\xE2\x80\x80", "\xE2\x80\x81",
        "\xE2\x80\x82", "\xE2\x80\x83", "\xE2\x80\x84", "\xE2\x80\x85", "\xE2\x80\x86",
        "\xE2\x80\x87", "\xE2\x80\x88", "\xE2\x80\x89", "\xE2\x80\x8A", "\xE2\x80\xA8",
        "\xE2\x80\xA9", "\xE2\x80\xAF", "\xE2\x81\x9F", "\xE3\x80\x80"};
    for (std::string_view w : wide) {
        if (s.substr(0, w.size()) == w) return w.size();
    }
    return 0;
}

/// The length of the whitespace character `s` ends with, 0 when none.
std::size_t trailing_space(std::string_view s) {
    for (std::size_t n = 1; n <= 3 && n <= s.size(); ++n) {
        std::string_view last = s.substr(s.size() - n);
        if (leading_space(last) == n) return n;
    }
    return 0;
}

}  // namespace

std::string_view python_strip(std::string_view text) {
    while (std::size_t n = leading_space(text)) text.remove_prefix(n);
    while (std::size_t n = trailing_space(text)) text.remove_suffix(n);
    return text;
}

std::string_view python_strip(std::string_view text, std::string_view chars) {
    const std::size_t b = text.find_first_not_of(chars);
    if (b == std::string_view::npos) return {};
    const std::size_t e = text.find_last_not_of(chars);
    return text.substr(b, e - b + 1);
}

}  // namespace smtrain::launcher
