// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// Python's str.strip, the one copy: the toolkit strips each captured stderr
/// line with `.strip(" :\n")` and the whole ErrorMessage and report with
/// `.strip()`, which removes every Unicode whitespace character (str.isspace():
/// U+3000 ideographic space, U+00A0, U+2028, ..., not only ASCII).
///
/// Errors: none.

#include <string_view>

namespace smtrain::launcher {

/// `text.strip()`: Unicode whitespace removed at both ends. `text` is UTF-8
/// (an invalid sequence is not whitespace and stays).
std::string_view python_strip(std::string_view text);

/// `text.strip(chars)` for ASCII `chars`: those bytes removed at both ends.
std::string_view python_strip(std::string_view text, std::string_view chars);

}  // namespace smtrain::launcher
