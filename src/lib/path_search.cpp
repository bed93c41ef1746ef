// SPDX-License-Identifier: Apache-2.0
#include "lib/path_search.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <string>

namespace smtrain::detail {

std::filesystem::path find_in_path(std::string_view name, std::string_view path_list) {
    if (name.empty()) return {};
    if (name.find('/') != std::string_view::npos) return std::filesystem::path(name);
    // One buffer for every candidate, and a path object only for the one found:
    // std::filesystem::path's parse of each directory and each join was most of
    // the cost of the four searches every job makes (smddprun, smddpmprun,
    // nvidia-smi, neuron-ls). The candidate is spelled as `dir / name` spells it.
    // A directory named twice is searched once, as Python's shutil.which does:
    // the answer is the same, and each candidate is a failed stat() for a name
    // that is not installed (PATHs with a directory twice are common: a
    // profile script that prepends it again).
    std::string candidate;
    std::size_t start = 0;
    auto seen_before = [&](std::string_view dir) {
        for (std::size_t at = 0; at < start;) {
            const std::size_t colon = path_list.find(':', at);
            if (path_list.substr(at, colon - at) == dir) return true;
            at = colon + 1;  // colon < start here: `start` follows one
        }
        return false;
    };
    while (true) {
        const std::size_t end = path_list.find(':', start);
        const std::string_view dir =
            path_list.substr(start, end == std::string_view::npos ? end : end - start);
        if (!seen_before(dir)) {
            candidate.assign(dir.empty() ? std::string_view(".") : dir);
            if (candidate.back() != '/') candidate += '/';
            candidate += name;
            struct stat st {};
            if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
                ::access(candidate.c_str(), X_OK) == 0)
                return std::filesystem::path(std::move(candidate));
        }
        if (end == std::string_view::npos) return {};
        start = end + 1;
    }
}

std::filesystem::path find_in_path(std::string_view name, const Environ& environ) {
    const auto path = lookup(environ, "PATH");
    return find_in_path(name, path ? std::string_view(*path) : kDefaultPath);
}

}  // namespace smtrain::detail
