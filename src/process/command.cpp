// SPDX-License-Identifier: Apache-2.0
#include "process/command.hpp"

#include "lib/path_search.hpp"

namespace smtrain::process {

std::string Command::to_string() const {
    std::string text;
    for (const auto& arg : argv) {
        if (!text.empty()) text += ' ';
        text += arg;
    }
    return text;
}

std::vector<std::string> to_envp(const Environ& env) {
    std::vector<std::string> envp;
    envp.reserve(env.size());
    for (const auto& [name, value] : env) envp.push_back(name + "=" + value);
    return envp;
}

std::filesystem::path find_in_path(std::string_view name, const Environ& environ) {
    return detail::find_in_path(name, environ);
}

}  // namespace smtrain::process
