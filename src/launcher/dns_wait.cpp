// SPDX-License-Identifier: Apache-2.0
#include "dns_wait.hpp"

#include "stop.hpp"
#include "timeline.hpp"

#include <smtrain/error.hpp>

#include <errno.h>
#include <netdb.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace smtrain::launcher {
namespace {

using Clock = std::chrono::steady_clock;

bool resolves(const std::string& host) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* result = nullptr;
    int rc = getaddrinfo(host.c_str(), nullptr, &hints, &result);
    if (result) freeaddrinfo(result);
    return rc == 0;
}

}  // namespace

std::chrono::milliseconds seconds_variable(const Environ& env, const char* name,
                                           std::chrono::milliseconds fallback) {
    auto it = env.find(std::string_view(name));
    if (it == env.end() || it->second.empty()) return fallback;
    const std::string& text = it->second;
    double seconds = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(seconds) || seconds < 0 ||
        seconds > 1e9) {
        throw ConfigError(name, "", "expected a number of seconds, got '" + text + "'");
    }
    return std::chrono::milliseconds(static_cast<long long>(std::llround(seconds * 1000)));
}

DnsWaitOptions dns_wait_options(const Environ& env) {
    DnsWaitOptions options;
    options.give_up_after = seconds_variable(env, "SMTRAIN_DNS_WAIT_TIMEOUT_S", options.give_up_after);
    options.max_delay = seconds_variable(env, "SMTRAIN_DNS_WAIT_MAX_DELAY_S", options.max_delay);
    options.first_delay = std::min(options.first_delay, options.max_delay);
    return options;
}

bool wait_for_hosts(const std::vector<std::string>& hosts, const DnsWaitOptions& options,
                    const process::StopRequest& stop) {
    auto phase = Timeline::job().phase("wait for hosts");
    for (const auto& host : hosts) {
        if (stop.requested()) return false;
        auto start = Clock::now();
        auto delay = options.first_delay;
        int attempts = 0;
        while (!resolves(host)) {
            if (stop.requested()) return false;
            ++attempts;
            auto waited = Clock::now() - start;
            if (waited >= options.give_up_after) {
                throw Error(
                    "host " + host + " did not resolve after " + std::to_string(attempts) + " attempts in " +
                        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(waited).count()) +
                        " s; check the cluster's network configuration",
                    ExitCode::Unavailable);
            }
            if (attempts == 1) spdlog::info("Waiting for host {} to resolve", host);
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(options.give_up_after - waited);
            if (!stop.sleep_for(std::min(delay, left))) return false;
            delay = std::min(delay * 2, options.max_delay);
        }
    }
    return true;
}

}  // namespace smtrain::launcher
