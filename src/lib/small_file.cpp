// SPDX-License-Identifier: Apache-2.0
#include "lib/small_file.hpp"

#include "lib/unique_fd.hpp"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

namespace smtrain::detail {

std::optional<std::string> read_small_file(const std::filesystem::path& file) {
    const UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return std::nullopt;
    std::string text;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        text.append(buffer, static_cast<std::size_t>(n));
    }
    return text;
}

}  // namespace smtrain::detail
