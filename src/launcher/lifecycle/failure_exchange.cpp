// SPDX-License-Identifier: Apache-2.0
#include "launcher/lifecycle/failure_exchange.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

namespace smtrain::launcher {

runners::CauseKind kind_of(const RootCause& cause) {
    return cause.failure_class == FailureClass::CollectiveFailure ? runners::CauseKind::Consequence
                                                                  : runners::CauseKind::Failure;
}

bool parse_announcement(const std::string& text, HeardCause& heard) {
    auto announced = runners::parse_announcement(text);
    if (!announced) return false;
    heard.cause = std::move(announced->cause);
    heard.kind = announced->kind;
    heard.ended_at_ms = announced->ended_at_ms;
    return true;
}

std::vector<HeardCause> exchange_causes(process::System& system, const std::string& text,
                                        const std::vector<std::string>& peers, int port,
                                        std::chrono::milliseconds window) {
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

namespace {

/// The heard Failure whose program ended first (those that said when, before
/// `before` when given), else the first heard; nullptr when none.
const HeardCause* earliest_failure(const std::vector<HeardCause>& heard, std::optional<std::int64_t> before) {
    const HeardCause* first = nullptr;
    for (const HeardCause& h : heard) {
        if (h.kind != runners::CauseKind::Failure) continue;
        if (before && (!h.ended_at_ms || *h.ended_at_ms >= *before)) continue;
        if (!first || (h.ended_at_ms && first->ended_at_ms && *h.ended_at_ms < *first->ended_at_ms))
            first = &h;
    }
    return first;
}

}  // namespace

std::string first_failure_elsewhere(runners::CauseKind own, const std::vector<HeardCause>& heard,
                                    std::optional<std::int64_t> own_ended_at_ms) {
    if (own == runners::CauseKind::Failure) {
        // Two programs' own failures: the one that ended first, when both said when.
        if (!own_ended_at_ms) return {};
        const HeardCause* first = earliest_failure(heard, own_ended_at_ms);
        return first ? first->cause : std::string();
    }
    if (const HeardCause* first = earliest_failure(heard, std::nullopt)) return first->cause;
    for (const HeardCause& h : heard) {
        if (h.kind == runners::CauseKind::Hang && (own == runners::CauseKind::Consequence || h.earlier))
            return h.cause;
    }
    return {};
}

std::string hang_notice(const std::string& host, const std::string& line) {
    return host + " " + runners::announcement(runners::CauseKind::Hang, line);
}

bool parse_hang_notice(const std::string& text, HeardCause& heard) {
    const std::size_t space = text.find(' ');
    if (space == 0 || space == std::string::npos) return false;
    if (!parse_announcement(text.substr(space + 1), heard) || heard.kind != runners::CauseKind::Hang)
        return false;
    heard.host = text.substr(0, space);
    heard.earlier = true;
    return true;
}

HangNotices::HangNotices(process::System& system, int port, StacksAnswer answer)
    : system_(system), port_(port), answer_(std::move(answer)) {
    thread_ = std::thread([this] {
        system_.receive_notices(
            port_, [this](std::string text) { take(text); }, done_);
    });
}

void HangNotices::take(const std::string& text) {
    if (auto from = runners::parse_stacks_request(text)) {
        // The master asks again when it tells of its hang: the ranks asked once are gone.
        if (!answer_.ask_ranks || answered_) return;
        answered_ = true;
        spdlog::warn("{} asks for the stacks of this host's ranks (its hang watchdog fired)", *from);
        const std::size_t asked = answer_.ask_ranks();
        system_.send_notice(*from, port_, runners::stacks_written(answer_.host, asked),
                            std::chrono::seconds(1));
        return;
    }
    if (auto written = runners::parse_stacks_written(text)) {
        const std::lock_guard lock(mutex_);
        written_.push_back(std::move(*written));
        return;
    }
    HeardCause notice;
    if (!parse_hang_notice(text, notice)) return;
    const std::lock_guard lock(mutex_);
    heard_.push_back(std::move(notice));
}

std::vector<runners::StacksWritten> HangNotices::stacks_written() const {
    const std::lock_guard lock(mutex_);
    return written_;
}

std::vector<std::string> ask_for_stacks(process::System& system, const std::vector<std::string>& peers,
                                        int port, const std::string& host,
                                        std::chrono::milliseconds timeout) {
    const std::string text = runners::stacks_request(host);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<std::string> took;
    for (const auto& peer : peers) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left <= std::chrono::milliseconds(0)) break;
        if (system.send_notice(peer, port, text, left)) took.push_back(peer);
    }
    return took;
}

bool all_stacks_written(const std::vector<std::string>& asked,
                        const std::vector<runners::StacksWritten>& written) {
    return std::all_of(asked.begin(), asked.end(), [&](const std::string& host) {
        return std::any_of(written.begin(), written.end(),
                           [&](const runners::StacksWritten& w) { return w.host == host; });
    });
}

HangNotices::~HangNotices() {
    done_ = true;
    // Ends the listener's wait now rather than within its second.
    system_.send_notice("127.0.0.1", port_, "", std::chrono::milliseconds(100));
    thread_.join();
}

std::vector<HeardCause> HangNotices::heard() const {
    const std::lock_guard lock(mutex_);
    return heard_;
}

void tell_of_hang(process::System& system, const std::vector<std::string>& peers, int port,
                  const std::string& host, const std::string& line) {
    const std::string text = hang_notice(host, line);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (const auto& peer : peers) {
        if (std::chrono::steady_clock::now() >= deadline) break;
        system.send_notice(peer, port, text, std::chrono::seconds(1));
    }
}

}  // namespace smtrain::launcher
