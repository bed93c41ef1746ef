// SPDX-License-Identifier: Apache-2.0
#include <smtrain/error.hpp>

#include <utility>

namespace smtrain {

namespace {

std::string config_message(const std::string& file, const std::string& json_path, const std::string& detail) {
    std::string message = file;
    message += ": ";
    if (!json_path.empty()) {
        message += json_path;
        message += ": ";
    }
    message += detail;
    return message;
}

}  // namespace

ConfigError::ConfigError(std::string file, std::string json_path, std::string detail)
    : Error(config_message(file, json_path, detail), ExitCode::BadConfig),
      file_(std::move(file)),
      json_path_(std::move(json_path)),
      detail_(std::move(detail)) {}

}  // namespace smtrain
