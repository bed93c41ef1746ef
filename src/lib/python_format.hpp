// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// Python's text renderings of values, as the toolkit produces them. Internal
/// (smtrain::internal): TrainingEnv's SM_* values and the launcher's use them.

#include <smtrain/value.hpp>

#include <string>
#include <string_view>

namespace smtrain {

/// Python's `str(v)`: strings as they are, `True`/`False`, `None`, floats as
/// `repr`, lists and dicts as `repr`.
std::string python_str(const Value& v);

/// Python's `repr(v)`: strings quoted as Python quotes them (`'a'`, `"it's"`,
/// `\n`, `\x00`, non-printable code points escaped, printable ones kept).
std::string python_repr(const Value& v);

/// Python's `repr(float)`: shortest round-trip digits, `1e-05`, `100.0`,
/// `1e+16`, `inf`, `-inf`, `nan`.
std::string python_float_repr(double d);

/// Python's `str.upper()` on UTF-8 text with full Unicode case mapping
/// (`straße` -> `STRASSE`). Invalid UTF-8 bytes are kept unchanged.
std::string python_upper(std::string_view utf8);

}  // namespace smtrain
