// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// JSON read and written exactly as Python's `json` module does it. Internal
/// (smtrain::internal): the one JSON parser of libsmtrain and sm-train, not a
/// public API (docs/architecture.md, "One JSON parser"). A syntax error is the
/// public smtrain::JsonSyntaxError (<smtrain/error.hpp>).

#include <smtrain/error.hpp>
#include <smtrain/value.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace smtrain {

/// Python's `json.loads(text)`: NaN/Infinity/-Infinity accepted as floats,
/// integers kept exact at any size, later duplicate keys win, strict control
/// characters, surrounding whitespace allowed. Input is UTF-8 (a leading BOM is
/// refused as Python does for str input). Nesting deeper than `max_depth`
/// throws instead of exhausting the stack.
Value parse_json(std::string_view text, std::size_t max_depth = 10000);

struct JsonParseOptions {
    std::size_t max_depth = 10000;
    /// Accept surrogate code points encoded in the text (ED A0 80 for U+D800).
    /// Off for file contents (Python's UTF-8 codec refuses them before
    /// `json.loads` runs); on for re-parsing a string that came out of a Value,
    /// which may hold a lone surrogate from a "\ud800" escape, as a Python str can.
    bool allow_surrogates = false;
};

/// `parse_json` with every option spelled out.
Value parse_json(std::string_view text, const JsonParseOptions& options);

struct JsonDumpOptions {
    bool sort_keys = true;
    /// -1: compact `separators=(",", ":")`; >= 0: `indent=N` with `(",", ": ")`.
    int indent = -1;
    /// With indent -1: json.dumps's default separators `(", ", ": ")` instead of
    /// the compact ones (what the SageMaker SDK v3's drivers write).
    bool spaced = false;
};

/// Python's `json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=True)`
/// by default: keys sorted by code point, non-ASCII as \uXXXX (surrogate pairs
/// above U+FFFF), floats as `repr`, NaN/Infinity/-Infinity spelled as Python does.
std::string dump_json(const Value& v, const JsonDumpOptions& options = {});

}  // namespace smtrain
