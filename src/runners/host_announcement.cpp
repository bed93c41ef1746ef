// SPDX-License-Identifier: Apache-2.0
#include "runners/host_announcement.hpp"

#include <cstddef>
#include <string_view>

namespace smtrain::runners {

std::string announcement(CauseKind kind, const std::string& cause, std::optional<std::int64_t> ended_at_ms) {
    return std::to_string(static_cast<int>(kind)) + (ended_at_ms ? "@" + std::to_string(*ended_at_ms) : "") +
           " " + cause;
}

std::optional<Announced> parse_announcement(const std::string& text) {
    if (text.size() < 3 || text[0] < '0' || text[0] > '2') return std::nullopt;
    std::size_t space = 1;
    std::optional<std::int64_t> ended_at;
    if (text[1] == '@') {
        space = text.find(' ', 2);
        if (space == std::string::npos || space == 2 || space > 21) return std::nullopt;
        std::int64_t ms = 0;
        for (std::size_t i = 2; i < space; ++i) {
            if (text[i] < '0' || text[i] > '9') return std::nullopt;
            ms = ms * 10 + (text[i] - '0');
        }
        ended_at = ms;
    }
    if (text[space] != ' ' || space + 1 >= text.size()) return std::nullopt;
    return Announced{text.substr(space + 1), static_cast<CauseKind>(text[0] - '0'), ended_at};
}

namespace {

constexpr std::string_view kStacksRequest = "stacks? ";
constexpr std::string_view kStacksWritten = "stacks ";

/// A host's name as a notice carries it: not empty, no blank.
bool is_host_name(std::string_view name) {
    return !name.empty() && name.find_first_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace

std::string stacks_request(const std::string& from_host) { return std::string(kStacksRequest) + from_host; }

std::optional<std::string> parse_stacks_request(const std::string& text) {
    if (!text.starts_with(kStacksRequest)) return std::nullopt;
    const std::string host = text.substr(kStacksRequest.size());
    if (!is_host_name(host)) return std::nullopt;
    return host;
}

std::string stacks_written(const std::string& host, std::size_t ranks) {
    return std::string(kStacksWritten) + host + " " + std::to_string(ranks);
}

std::optional<StacksWritten> parse_stacks_written(const std::string& text) {
    if (!text.starts_with(kStacksWritten)) return std::nullopt;
    const std::string rest = text.substr(kStacksWritten.size());
    const std::size_t space = rest.rfind(' ');
    if (space == std::string::npos) return std::nullopt;
    const std::string host = rest.substr(0, space);
    const std::string count = rest.substr(space + 1);
    if (!is_host_name(host) || count.empty() || count.size() > 6 ||
        count.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    return StacksWritten{host, static_cast<std::size_t>(std::stoul(count))};
}

}  // namespace smtrain::runners
