// SPDX-License-Identifier: Apache-2.0
#include "mpi_output.hpp"

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

}  // namespace smtrain::runners
