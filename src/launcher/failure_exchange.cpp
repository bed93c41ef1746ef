// SPDX-License-Identifier: Apache-2.0
#include "failure_exchange.hpp"

#include <thread>

namespace smtrain::launcher {

std::string announcement(const RootCause& own) {
    return std::string(own.failure_class == FailureClass::CollectiveFailure ? "1 " : "0 ") + own.to_string();
}

bool parse_announcement(const std::string& text, HeardCause& heard) {
    if (text.size() < 3 || (text[0] != '0' && text[0] != '1') || text[1] != ' ') return false;
    heard.consequence = text[0] == '1';
    heard.cause = text.substr(2);
    return true;
}

std::vector<HeardCause> exchange_causes(process::System& system, const RootCause& own,
                                        const std::vector<std::string>& peers, int port,
                                        std::chrono::milliseconds window) {
    const std::string text = announcement(own);
    std::thread announcer([&] { system.announce(port, text, window); });
    std::vector<HeardCause> heard;
    std::vector<bool> answered(peers.size(), false);
    const auto deadline = std::chrono::steady_clock::now() + window;
    while (std::chrono::steady_clock::now() < deadline && heard.size() < peers.size()) {
        for (std::size_t i = 0; i < peers.size(); ++i) {
            if (answered[i]) continue;
            if (auto reply = system.read_announcement(peers[i], port, std::chrono::milliseconds(500))) {
                HeardCause cause;
                cause.host = peers[i];
                if (parse_announcement(*reply, cause)) heard.push_back(std::move(cause));
                answered[i] = true;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    // The others may still be reading this host's cause: keep answering to the end.
    announcer.join();
    return heard;
}

std::string first_failure_elsewhere(const RootCause& own, const std::vector<HeardCause>& heard) {
    if (own.failure_class != FailureClass::CollectiveFailure) return {};
    for (const HeardCause& h : heard) {
        if (!h.consequence) return h.cause;
    }
    return {};
}

}  // namespace smtrain::launcher
