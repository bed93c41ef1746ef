// SPDX-License-Identifier: Apache-2.0
#include "process/reaper.hpp"

#include <sys/wait.h>

#include <cerrno>
#include <thread>
#include <unordered_map>

namespace smtrain::process {
namespace {

std::mutex& reaper_mutex() {
    static std::mutex mutex;
    return mutex;
}

/// Watched children: nullopt while running, then their wait status.
std::unordered_map<pid_t, std::optional<int>>& watched() {
    static std::unordered_map<pid_t, std::optional<int>> table;
    return table;
}

int collect_locked() {
    int reaped_count = 0;
    for (;;) {
        int status = 0;
        const pid_t reaped = ::waitpid(-1, &status, WNOHANG);
        if (reaped < 0 && errno == EINTR) continue;
        if (reaped <= 0) return reaped_count;  // 0: none ready; -1/ECHILD: no children left
        ++reaped_count;
        if (auto it = watched().find(reaped); it != watched().end()) it->second = status;
    }
}

}  // namespace

int Reaper::collect() {
    const std::lock_guard lock(reaper_mutex());
    return collect_locked();
}

std::optional<int> Reaper::take(pid_t pid) {
    const std::lock_guard lock(reaper_mutex());
    collect_locked();
    const auto it = watched().find(pid);
    if (it == watched().end()) return std::nullopt;
    const std::optional<int> status = it->second;
    if (status) watched().erase(it);
    return status;
}

std::optional<int> Reaper::wait_until(pid_t pid, std::chrono::steady_clock::time_point deadline) {
    for (;;) {
        if (auto status = take(pid)) return status;
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

std::unique_lock<std::mutex> Reaper::hold() { return std::unique_lock(reaper_mutex()); }

void Reaper::watch(pid_t pid, const std::unique_lock<std::mutex>&) { watched()[pid] = std::nullopt; }

int exit_code_of(int wait_status) {
    if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
    return 1;
}

}  // namespace smtrain::process
