// SPDX-License-Identifier: Apache-2.0
#include "launcher/lifecycle/process_tree.hpp"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

namespace smtrain::launcher {
namespace fs = std::filesystem;
namespace {

std::optional<pid_t> pid_name(const std::string& name) {
    pid_t pid = 0;
    auto [end, err] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (err != std::errc() || end != name.data() + name.size()) return std::nullopt;
    return pid;
}

}  // namespace

std::optional<pid_t> parent_of(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    if (!std::getline(in, stat)) return std::nullopt;
    // The parent follows the state, after the command name in parentheses (which may hold anything).
    const auto close = stat.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream fields(stat.substr(close + 1));
    std::string state;
    pid_t ppid = 0;
    if (!(fields >> state >> ppid)) return std::nullopt;
    return ppid;
}

std::map<pid_t, pid_t> process_parents() {
    std::map<pid_t, pid_t> parents;
    std::error_code ec;
    for (auto it = fs::directory_iterator("/proc", ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
        const auto pid = pid_name(it->path().filename().string());
        if (!pid) continue;
        if (const auto ppid = parent_of(*pid)) parents[*pid] = *ppid;
    }
    return parents;
}

std::vector<pid_t> children_of(pid_t parent) {
    std::vector<pid_t> children;
    for (const auto& [pid, ppid] : process_parents()) {
        if (ppid == parent) children.push_back(pid);
    }
    return children;
}

std::set<pid_t> descendants_of(pid_t root) {
    const auto parents = process_parents();
    std::set<pid_t> tree{root};
    for (bool grew = true; grew;) {
        grew = false;
        for (const auto& [pid, ppid] : parents) {
            if (tree.count(ppid) && tree.insert(pid).second) grew = true;
        }
    }
    tree.erase(root);
    return tree;
}

}  // namespace smtrain::launcher
