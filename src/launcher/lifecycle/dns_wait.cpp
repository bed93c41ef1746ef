// SPDX-License-Identifier: Apache-2.0
#include "launcher/lifecycle/dns_wait.hpp"

#include "launcher/lifecycle/timeline.hpp"
#include "process/stop.hpp"

#include <smtrain/error.hpp>

#include <errno.h>
#include <netdb.h>
#include <spdlog/spdlog.h>

#include <algorithm>

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

bool wait_for_hosts(const std::vector<std::string>& hosts, const DnsWaitOptions& options,
                    const process::StopRequest& stop) {
    auto phase = Timeline::job().phase(JobPhase::HostWait);
    stop.before_wait();  // a name lookup can block for seconds
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
