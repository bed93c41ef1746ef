// SPDX-License-Identifier: Apache-2.0
#pragma once
// Internal: reading SageMaker's JSON config files and checking their shape,
// with errors that name the file and the JSON path ("$.hosts[2]").

#include <smtrain/error.hpp>
#include <smtrain/value.hpp>

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace smtrain::detail {

/// How deeply nested SageMaker's JSON may be. Python's json module gives up near its
/// recursion limit of 1000 (RecursionError); real configs are a few levels deep.
inline constexpr std::size_t max_json_depth = 1000;

/// `parent` extended by a dict key: `$.hosts`, or `$["key with space"]` when the
/// key is not an identifier.
std::string json_path_key(std::string_view parent, std::string_view key);
/// `parent` extended by a list index: `$.hosts[2]`.
std::string json_path_index(std::string_view parent, std::size_t index);

/// Reads and parses one config file as Python's `json.load(open(path))` does
/// (text mode: "\r\n" and "\r" read as "\n"). ConfigError "<basename>: ..." when the
/// file is missing, unreadable, empty or not JSON (with Python's reason and position).
Value read_json_file(const std::filesystem::path& path);

/// Type checks on one value of a config source (`file` is the name errors start with).
class Checker {
public:
    explicit Checker(std::string file) : file_(std::move(file)) {}
    const std::string& file() const { return file_; }

    [[noreturn]] void fail(std::string json_path, std::string detail) const;
    /// "expected <what>, got <type of v>".
    [[noreturn]] void wrong_type(std::string json_path, std::string_view what, const Value& v) const;

    const Value::Dict& object(const Value& v, const std::string& path) const;
    const Value::List& array(const Value& v, const std::string& path) const;
    const std::string& string(const Value& v, const std::string& path) const;
    /// A list whose every item is a string.
    std::vector<std::string> string_list(const Value& v, const std::string& path) const;
    /// The value of a key that must be present.
    const Value& required(const Value::Dict& d, std::string_view key, const std::string& parent) const;

private:
    std::string file_;
};

/// A quoted rendering of a name for messages: JSON string syntax, so that control
/// characters and quotes cannot garble the one-line message.
std::string quote_name(std::string_view text);

}  // namespace smtrain::detail
