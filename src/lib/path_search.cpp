// SPDX-License-Identifier: Apache-2.0
#include "path_search.hpp"

#include <sys/stat.h>
#include <unistd.h>

namespace smtrain::detail {

std::filesystem::path find_in_path(std::string_view name, std::string_view path_list) {
    if (name.empty()) return {};
    if (name.find('/') != std::string_view::npos) return std::filesystem::path(name);
    std::size_t start = 0;
    while (true) {
        const std::size_t end = path_list.find(':', start);
        const std::string_view dir =
            path_list.substr(start, end == std::string_view::npos ? end : end - start);
        std::filesystem::path candidate =
            (dir.empty() ? std::filesystem::path(".") : std::filesystem::path(dir)) / name;
        struct stat st {};
        if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
            ::access(candidate.c_str(), X_OK) == 0)
            return candidate;
        if (end == std::string_view::npos) return {};
        start = end + 1;
    }
}

std::filesystem::path find_in_path(std::string_view name, const Environ& environ) {
    const auto path = lookup(environ, "PATH");
    return find_in_path(name, path ? std::string_view(*path) : kDefaultPath);
}

}  // namespace smtrain::detail
