// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The exceptions libsmtrain throws, and the exit codes sm-train maps them to.
///
/// Every message is one line that a person can act on. Config errors name the
/// file and the JSON path: `resourceconfig.json: $.hosts[2]: expected string, got number`.

#include <cstddef>
#include <stdexcept>
#include <string>

namespace smtrain {

/// Exit codes of sm-train's own failures (a failing user program exits with its
/// own code, or 128+N when killed by signal N). docs/compatibility.md lists them.
enum class ExitCode : int {
    Success = 0,
    Failure = 1,          ///< generic failure of sm-train itself
    Usage = 64,           ///< bad command line
    BadConfig = 65,       ///< a config file or SM_* variable is invalid
    NoProgram = 66,       ///< the user program is not set or not found
    Unavailable = 69,     ///< a host never resolved, a peer never answered
    Internal = 70,        ///< a bug in sm-train
    CannotWrite = 73,     ///< output dir not writable, disk full
    Hang = 124,           ///< the hang watchdog stopped the program (as timeout(1)'s 124)
    NotExecutable = 126,  ///< the program exists but cannot be executed
    NotFound = 127,       ///< the program (or interpreter) does not exist
};

/// Base of everything libsmtrain throws on purpose.
class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message, ExitCode code = ExitCode::Failure)
        : std::runtime_error(message), code_(code) {}
    ExitCode exit_code() const { return code_; }

private:
    ExitCode code_;
};

/// A config file (or the SM_* environment) that cannot be used.
/// `what()` is "<file>: <json_path>: <detail>", or "<file>: <detail>" when
/// the problem is the file itself (missing, empty, unreadable).
class ConfigError : public Error {
public:
    ConfigError(std::string file, std::string json_path, std::string detail);
    const std::string& file() const { return file_; }
    const std::string& json_path() const { return json_path_; }  ///< "$.hosts[2]", or "" for the whole file
    const std::string& detail() const { return detail_; }

private:
    std::string file_, json_path_, detail_;
};

/// A channel or hyperparameter that the program asked for and that is not there.
class LookupError : public Error {
public:
    using Error::Error;
};

/// A text that `json.loads` would reject. `what()` is
/// "<reason>: line L column C (char N)", Python's own wording: a config file
/// that is not JSON. A smtrain::Error (exit code BadConfig), so one
/// `catch (const smtrain::Error&)` takes every error libsmtrain throws on purpose.
class JsonSyntaxError : public Error {
public:
    JsonSyntaxError(std::string reason, std::size_t line, std::size_t column, std::size_t offset);
    const std::string& reason() const { return reason_; }
    std::size_t line() const { return line_; }
    std::size_t column() const { return column_; }
    std::size_t offset() const { return offset_; }

private:
    std::string reason_;
    std::size_t line_, column_, offset_;
};

}  // namespace smtrain
