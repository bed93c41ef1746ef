// SPDX-License-Identifier: Apache-2.0
#include "launcher/cli/env_format.hpp"

#include "lib/json.hpp"

namespace smtrain::launcher {
namespace {

/// A comment line naming a variable that cannot be written; every byte that
/// could end the comment or confuse a terminal is shown as '?'.
std::string skipped_comment(std::string_view name) {
    std::string shown;
    for (char c : name) shown += (c >= 0x20 && c < 0x7f) ? c : '?';
    return "# skipped " + shown + ": not a valid shell variable name\n";
}

}  // namespace

std::string shell_quote(std::string_view s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') {
            out += "'\\''";
        } else {
            out += c;
        }
    }
    out += '\'';
    return out;
}

bool is_shell_name(std::string_view name) {
    if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
    for (char c : name) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok) return false;
    }
    return true;
}

std::string format_variables(const EnvVars& variables, EnvFormat format) {
    std::string out;
    switch (format) {
        case EnvFormat::Export:
            for (const auto& [name, value] : variables) {
                if (is_shell_name(name)) {
                    out += "export " + name + "=" + shell_quote(value) + "\n";
                } else {
                    out += skipped_comment(name);  // a comment, so `eval` still works
                }
            }
            break;
        case EnvFormat::Json: {
            Value::Dict dict;
            for (const auto& [name, value] : variables) dict.emplace_back(name, Value(value));
            out = dump_json(Value(std::move(dict)), JsonDumpOptions{.sort_keys = false, .indent = 2}) + "\n";
            break;
        }
        case EnvFormat::Dotenv:
            for (const auto& [name, value] : variables) {
                if (!is_shell_name(name)) {
                    out += skipped_comment(name);
                    continue;
                }
                out += name + "=\"";
                for (char c : value) {
                    switch (c) {
                        case '\\':
                            out += "\\\\";
                            break;
                        case '"':
                            out += "\\\"";
                            break;
                        case '$':
                            out += "\\$";
                            break;
                        case '\n':
                            out += "\\n";
                            break;
                        default:
                            out += c;
                    }
                }
                out += "\"\n";
            }
            break;
    }
    return out;
}

}  // namespace smtrain::launcher
