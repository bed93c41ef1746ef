// SPDX-License-Identifier: Apache-2.0
#include "dns_wait.hpp"

#include "timeline.hpp"

#include "signals.hpp"

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

/// Sleeps for `delay` unless a stop signal comes first (then throws).
void sleep_or_stop(std::chrono::milliseconds delay, const std::string& host) {
    sigset_t stop;
    sigemptyset(&stop);
    for (int s : kForwardedSignals) sigaddset(&stop, s);
    auto deadline = Clock::now() + delay;
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - Clock::now());
        if (left.count() <= 0) return;
        timespec ts{static_cast<time_t>(left.count() / 1'000'000'000),
                    static_cast<long>(left.count() % 1'000'000'000)};
        int signo = sigtimedwait(&stop, nullptr, &ts);
        if (signo < 0) {
            if (errno == EAGAIN) return;
            continue;  // EINTR
        }
        if (is_stop_signal(signo)) {
            throw Error(
                "stopped by " + signal_name(signo) + " while waiting for host " + host + " to resolve",
                static_cast<ExitCode>(128 + signo));
        }
        spdlog::info("Ignoring {} received before the program started", signal_name(signo));
    }
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

void wait_for_hosts(const std::vector<std::string>& hosts, const DnsWaitOptions& options,
                    const SignalBlock&) {
    auto phase = Timeline::job().phase("wait for hosts");
    for (const auto& host : hosts) {
        auto start = Clock::now();
        auto delay = options.first_delay;
        int attempts = 0;
        while (!resolves(host)) {
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
            sleep_or_stop(std::min(delay, left), host);
            delay = std::min(delay * 2, options.max_delay);
        }
    }
}

}  // namespace smtrain::launcher
