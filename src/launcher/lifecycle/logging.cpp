// SPDX-License-Identifier: Apache-2.0
#include "launcher/lifecycle/logging.hpp"

#include "process/output_sink.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <mutex>

namespace smtrain::launcher {
namespace {

/// `%(levelname)-8s`: Python's level names, padded to 8.
class PythonLevelName final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
        std::string_view name = "INFO    ";
        switch (msg.level) {
            case spdlog::level::trace:
            case spdlog::level::debug:
                name = "DEBUG   ";
                break;
            case spdlog::level::info:
                name = "INFO    ";
                break;
            case spdlog::level::warn:
                name = "WARNING ";
                break;
            case spdlog::level::err:
                name = "ERROR   ";
                break;
            case spdlog::level::critical:
                name = "CRITICAL";
                break;
            default:
                break;
        }
        dest.append(name.data(), name.data() + name.size());
    }
    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<PythonLevelName>();
    }
};

/// Log records to stderr_sink(): a stalled log reader never blocks sm-train.
class NonBlockingStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        spdlog::memory_buf_t formatted;
        formatter_->format(msg, formatted);
        process::stderr_sink().write(std::string_view(formatted.data(), formatted.size()));
    }
    void flush_() override { process::stderr_sink().flush(); }
};

spdlog::level::level_enum to_spdlog(int python_level) {
    if (python_level <= 10) return spdlog::level::debug;
    if (python_level <= 20) return spdlog::level::info;
    if (python_level <= 30) return spdlog::level::warn;
    if (python_level <= 40) return spdlog::level::err;
    return spdlog::level::critical;
}

}  // namespace

void configure_logging(int python_level) {
    // No async queue: a logger thread of its own is not needed. The sink
    // takes a mutex: the S3 sync and the stop listener run on other threads.
    auto logger = spdlog::get("sm-train");
    if (!logger) {
        logger = std::make_shared<spdlog::logger>("sm-train", std::make_shared<NonBlockingStderrSink>());
        auto formatter = std::make_unique<spdlog::pattern_formatter>();
        formatter->add_flag<PythonLevelName>('*').set_pattern("%Y-%m-%d %H:%M:%S,%e sm-train     %* %v");
        logger->set_formatter(std::move(formatter));
        logger->flush_on(spdlog::level::trace);
        spdlog::set_default_logger(logger);
    }
    logger->set_level(to_spdlog(python_level));
}

}  // namespace smtrain::launcher
