// SPDX-License-Identifier: Apache-2.0
#include "runners/mpi_output.hpp"

#include <cctype>

namespace smtrain::runners {

namespace {
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

std::string host_of(std::string_view rank_digits, int processes_per_host,
                    const std::vector<std::string>& hosts) {
    // Ranks are short digit strings; anything too long to be a rank maps past the host list.
    std::size_t rank = 0;
    bool overflow = rank_digits.size() > 9;
    if (!overflow) {
        for (char c : rank_digits) rank = rank * 10 + static_cast<std::size_t>(c - '0');
    }
    const std::size_t per_host = processes_per_host > 0 ? static_cast<std::size_t>(processes_per_host) : 1;
    const std::size_t index = rank / per_host;
    if (!overflow && index < hosts.size()) return hosts[index];
    return "algo-" + (overflow ? std::string("?") : std::to_string(index + 1));
}
}  // namespace

std::string rewrite_mpi_tags(std::string_view line, int processes_per_host,
                             const std::vector<std::string>& hosts) {
    std::string_view stream;
    if (line.find("<stdout>") != std::string_view::npos) {
        stream = "]<stdout>";
    } else if (line.find("<stderr>") != std::string_view::npos) {
        stream = "]<stderr>";
    } else {
        return std::string(line);
    }
    std::string out;
    out.reserve(line.size() + 32);
    std::size_t i = 0;
    while (i < line.size()) {
        // A tag is "[" digit "," digits "]<stdout>".
        if (line[i] == '[' && i + 3 < line.size() && is_digit(line[i + 1]) && line[i + 2] == ',') {
            std::size_t j = i + 3;
            while (j < line.size() && is_digit(line[j])) ++j;
            if (j > i + 3 && line.substr(j, stream.size()) == stream) {
                const std::string_view rank = line.substr(i + 3, j - i - 3);
                out += '[';
                out += line[i + 1];
                out += ",mpirank:";
                out += rank;
                out += ',';
                out += host_of(rank, processes_per_host, hosts);
                out += stream;
                i = j + stream.size();
                continue;
            }
        }
        out += line[i++];
    }
    return out;
}

std::optional<RankLine> parse_rank_line(std::string_view line) {
    // "[" digit ",mpirank:" digits "," host "]<" stream ">:"
    constexpr std::string_view kRank = ",mpirank:";
    if (line.size() < 4 || line[0] != '[' || !is_digit(line[1]) || line.substr(2, kRank.size()) != kRank)
        return std::nullopt;
    std::size_t i = 2 + kRank.size();
    const std::size_t digits = i;
    while (i < line.size() && is_digit(line[i])) ++i;
    if (i == digits || i - digits > 9 || i >= line.size() || line[i] != ',') return std::nullopt;
    const std::string_view rank_digits = line.substr(digits, i - digits);
    const std::size_t host_start = i + 1;
    const std::size_t close = line.find("]<", host_start);
    if (close == std::string_view::npos || close == host_start) return std::nullopt;
    RankLine out;
    for (char c : rank_digits) out.rank = out.rank * 10 + (c - '0');
    out.host = line.substr(host_start, close - host_start);
    for (std::string_view stream : {"stdout", "stderr"}) {
        if (line.substr(close + 2, stream.size() + 2) == std::string(stream) + ">:") {
            out.stream = stream;
            out.text = line.substr(close + 2 + stream.size() + 2);
            // The tag itself, again, at the end: a fragment Open MPI tagged apart.
            const std::string_view tag = line.substr(0, close + 2 + stream.size() + 2);
            if (out.text.size() >= tag.size() && out.text.substr(out.text.size() - tag.size()) == tag)
                out.text.remove_suffix(tag.size());
            return out;
        }
    }
    return std::nullopt;
}

}  // namespace smtrain::runners
