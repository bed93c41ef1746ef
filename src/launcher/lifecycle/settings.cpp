// SPDX-License-Identifier: Apache-2.0
#include "launcher/lifecycle/settings.hpp"

#include <smtrain/error.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <regex>

namespace smtrain::launcher {
namespace fs = std::filesystem;
namespace {

/// `environ[name]`, or nullopt when unset or empty: an empty variable keeps the default.
std::optional<std::string> non_empty(const Environ& environ, std::string_view name) {
    auto value = lookup(environ, name);
    if (!value || value->empty()) return std::nullopt;
    return value;
}

/// A duration in seconds (e.g. "110", "0.5"), else `fallback`.
std::chrono::milliseconds seconds_variable(const Environ& environ, const char* name,
                                           std::chrono::milliseconds fallback) {
    const auto text = non_empty(environ, name);
    if (!text) return fallback;
    double seconds = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), seconds);
    if (ec != std::errc() || end != text->data() + text->size() || !std::isfinite(seconds) || seconds < 0 ||
        seconds > 1e9) {
        throw ConfigError(name, "", "expected a number of seconds, got '" + *text + "'");
    }
    return std::chrono::milliseconds(static_cast<long long>(std::llround(seconds * 1000)));
}

DnsWaitOptions dns_wait_options(const Environ& environ) {
    DnsWaitOptions options;
    options.give_up_after = seconds_variable(environ, "SMTRAIN_DNS_WAIT_TIMEOUT_S", options.give_up_after);
    options.max_delay = seconds_variable(environ, "SMTRAIN_DNS_WAIT_MAX_DELAY_S", options.max_delay);
    options.first_delay = std::min(options.first_delay, options.max_delay);
    return options;
}

SyncWaitBounds sync_wait_bounds(const Environ& environ) {
    SyncWaitBounds bounds;
    bounds.after_end = seconds_variable(environ, "SMTRAIN_SYNC_WAIT_S", bounds.after_end);
    bounds.after_stop = seconds_variable(environ, "SMTRAIN_SYNC_STOP_WAIT_S", bounds.after_stop);
    return bounds;
}

runners::MpiClusterSettings mpi_cluster_settings(const Environ& environ) {
    runners::MpiClusterSettings mpi;
    if (auto sshd = non_empty(environ, "SMTRAIN_SSHD")) {
        if (!fs::path(*sshd).is_absolute()) {
            throw ConfigError("SMTRAIN_SSHD", "", "expected an absolute path, got '" + *sshd + "'");
        }
        mpi.sshd = *sshd;
    }
    return mpi;
}

/// Checked as the S3 layer checked it before Settings existed (strtol: the
/// whole value, base 10, leading blanks and a sign allowed).
unsigned s3_concurrency_variable(const Environ& environ, unsigned fallback) {
    const auto value = lookup(environ, "SMTRAIN_S3_MAX_CONCURRENCY");
    if (!value) return fallback;
    char* end = nullptr;
    errno = 0;
    const long n = std::strtol(value->c_str(), &end, 10);
    if (value->empty() || *end != '\0' || errno != 0 || n < 1 || n > 1000) {
        throw ConfigError("SMTRAIN_S3_MAX_CONCURRENCY", "",
                          "expected a whole number from 1 to 1000, got '" + *value + "'");
    }
    return static_cast<unsigned>(n);
}

const char* const kTimeline = "SMTRAIN_TIMELINE";

TimelineFormat timeline_format(const Environ& environ) {
    const std::string value = lookup(environ, kTimeline).value_or("");
    const std::optional<TimelineFormat> format = parse_timeline_format(value);
    if (!format) throw ConfigError(kTimeline, "", "expected text, json or off, got '" + value + "'");
    return *format;
}

/// SMTRAIN_DIAGNOSTICS (issue 21): on (the default) or off.
bool diagnostics_enabled(const Environ& environ) {
    const std::string value = lookup(environ, "SMTRAIN_DIAGNOSTICS").value_or("on");
    if (value.empty() || value == "on") return true;
    if (value == "off") return false;
    throw ConfigError("SMTRAIN_DIAGNOSTICS", "", "expected on or off, got '" + value + "'");
}

/// SMTRAIN_DEADLINE_SIGNAL, SMTRAIN_DEADLINE_WARNING_S, SMTRAIN_MAX_RUNTIME_S, SMTRAIN_STOP_WINDOW_S.
void read_deadline_settings(const Environ& environ, Settings& settings) {
    if (auto name = non_empty(environ, "SMTRAIN_DEADLINE_SIGNAL")) {
        const auto signo = parse_signal(*name);
        if (!signo) {
            throw ConfigError(
                "SMTRAIN_DEADLINE_SIGNAL", "",
                "expected a signal name such as USR1 or SIGUSR1, or a number, got '" + *name + "'");
        }
        settings.deadline_warning.signal = *signo;
    }
    settings.deadline_warning.lead =
        seconds_variable(environ, "SMTRAIN_DEADLINE_WARNING_S", settings.deadline_warning.lead);
    if (non_empty(environ, "SMTRAIN_MAX_RUNTIME_S")) {
        const auto max = seconds_variable(environ, "SMTRAIN_MAX_RUNTIME_S", {});
        if (max.count() < 1000 || max.count() % 1000 != 0) {
            throw ConfigError("SMTRAIN_MAX_RUNTIME_S", "",
                              "expected a whole number of seconds, at least 1, got '" +
                                  *lookup(environ, "SMTRAIN_MAX_RUNTIME_S") + "'");
        }
        settings.max_runtime = std::chrono::duration_cast<std::chrono::seconds>(max);
    }
    settings.stop_window = seconds_variable(environ, "SMTRAIN_STOP_WINDOW_S", settings.stop_window);
}

/// SMTRAIN_HANG_*: the hang watchdog. A pattern or heartbeat without a
/// progress deadline would silently do nothing: a bad setting.
process::WatchdogSettings hang_watchdog_settings(const Environ& environ) {
    process::WatchdogSettings watchdog;
    auto deadline = [&](const char* name) -> std::optional<std::chrono::milliseconds> {
        if (!non_empty(environ, name)) return std::nullopt;
        const auto value = seconds_variable(environ, name, {});
        if (value.count() <= 0)
            throw ConfigError(name, "",
                              "expected a number of seconds above 0, got '" + *lookup(environ, name) + "'");
        return value;
    };
    watchdog.start_deadline = deadline("SMTRAIN_HANG_START_S");
    watchdog.progress_deadline = deadline("SMTRAIN_HANG_PROGRESS_S");
    watchdog.start_source = "SMTRAIN_HANG_START_S";
    watchdog.progress_source = "SMTRAIN_HANG_PROGRESS_S";
    watchdog.pattern_source = "SMTRAIN_HANG_PATTERN";
    if (auto pattern = non_empty(environ, "SMTRAIN_HANG_PATTERN")) {
        try {
            std::regex check(*pattern, std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
            throw ConfigError(
                "SMTRAIN_HANG_PATTERN", "",
                "expected a regular expression (ECMAScript), got '" + *pattern + "': " + e.what());
        }
        watchdog.pattern = *pattern;
    }
    if (auto file = non_empty(environ, "SMTRAIN_HANG_HEARTBEAT_FILE")) {
        if (!fs::path(*file).is_absolute())
            throw ConfigError("SMTRAIN_HANG_HEARTBEAT_FILE", "",
                              "expected an absolute path, got '" + *file + "'");
        watchdog.heartbeat_file = *file;
    }
    for (const char* name : {"SMTRAIN_HANG_PATTERN", "SMTRAIN_HANG_HEARTBEAT_FILE"}) {
        if (non_empty(environ, name) && !watchdog.progress_deadline)
            throw ConfigError(name, "", "needs SMTRAIN_HANG_PROGRESS_S, the progress deadline it is for");
    }
    return watchdog;
}

}  // namespace

Settings Settings::from_environment(const Environ& environ) {
    Settings settings;
    settings.grace_period = seconds_variable(environ, "SMTRAIN_GRACE_PERIOD_S", settings.grace_period);
    settings.dns_wait = dns_wait_options(environ);
    settings.sync_wait = sync_wait_bounds(environ);
    settings.python = lookup(environ, "SMTRAIN_PYTHON").value_or("");
    settings.mpi = mpi_cluster_settings(environ);
    settings.s3_max_concurrency = s3_concurrency_variable(environ, settings.s3_max_concurrency);
    settings.timeline = timeline_format(environ);
    settings.arguments = ArgumentStyle::parse(lookup(environ, "SMTRAIN_ARGS").value_or(""), "SMTRAIN_ARGS");
    settings.diagnostics = diagnostics_enabled(environ);
    std::string local = lookup(environ, "SM_STUDIO_LOCAL_MODE").value_or("");
    std::transform(local.begin(), local.end(), local.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    settings.studio_local_mode = local == "true";
    settings.codeartifact_repository_arn = lookup(environ, "CA_REPOSITORY_ARN").value_or("");
    if (auto tmp = non_empty(environ, "TMPDIR")) settings.temp_dir = *tmp;
    if (auto v3 = non_empty(environ, "SMTRAIN_SDK_V3_VARIABLES")) {
        if (*v3 != "true" && *v3 != "false") {
            throw ConfigError("SMTRAIN_SDK_V3_VARIABLES", "", "expected true or false, got '" + *v3 + "'");
        }
        settings.sdk_v3_variables = *v3 == "true";
    }
    read_deadline_settings(environ, settings);
    settings.hang_watchdog = hang_watchdog_settings(environ);
    return settings;
}

TimelineFormat timeline_format_without_settings(const Environ& environ) noexcept {
    try {
        return timeline_format(environ);
    } catch (...) {
        return TimelineFormat::Text;
    }
}

Environ with_absolute_base_dir(Environ environ) {
    auto it = environ.find(std::string_view("SAGEMAKER_BASE_DIR"));
    if (it == environ.end() || it->second.empty() || fs::path(it->second).is_absolute()) return environ;
    std::error_code ec;
    const fs::path absolute = fs::absolute(it->second, ec);
    if (!ec) it->second = absolute.lexically_normal().string();
    return environ;
}

}  // namespace smtrain::launcher
