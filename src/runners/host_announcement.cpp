// SPDX-License-Identifier: Apache-2.0
#include "runners/host_announcement.hpp"

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

}  // namespace smtrain::runners
