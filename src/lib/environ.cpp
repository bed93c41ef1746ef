// SPDX-License-Identifier: Apache-2.0
#include <smtrain/environ.hpp>

#include <cstring>

extern char** environ;  // NOLINT: POSIX global

namespace smtrain {

Environ current_environ() {
    Environ env;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        const char* text = *entry;
        const char* equals = std::strchr(text, '=');
        if (equals == nullptr) continue;  // not a NAME=value entry; getenv() cannot see it either
        // The first of duplicate names wins, as with getenv() and Python's os.environ.
        env.emplace(std::string(text, equals), std::string(equals + 1));
    }
    return env;
}

std::optional<std::string> lookup(const Environ& env, std::string_view name) {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
}

}  // namespace smtrain
