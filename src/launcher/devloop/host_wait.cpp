// SPDX-License-Identifier: Apache-2.0
#include "launcher/devloop/host_wait.hpp"

#include "launcher/lifecycle/process_tree.hpp"
#include "process/reaper.hpp"
#include "process/signals.hpp"
#include "process/stop.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <ctime>
#include <set>

namespace smtrain::launcher {
namespace {

double seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

void kill_process_tree(pid_t root) {
    // Stop the root first, so it starts nothing new; its orphans come to us (a
    // subreaper) and stay findable by pid until they are killed too.
    std::set<pid_t> seen = descendants_of(root);
    ::kill(root, SIGKILL);
    for (int round = 0; round < 50 && !seen.empty(); ++round) {
        for (pid_t pid : seen) ::kill(pid, SIGKILL);
        process::Reaper::collect();
        std::set<pid_t> next;
        for (pid_t pid : seen) {
            for (pid_t child : descendants_of(pid)) next.insert(child);
        }
        const auto parents = process_parents();
        for (pid_t pid : seen) {
            auto it = parents.find(pid);
            // Still there and not yet a zombie reaped: try again.
            if (it != parents.end()) next.insert(pid);
        }
        seen = std::move(next);
        if (!seen.empty()) {
            timespec pause{0, 10 * 1000 * 1000};
            ::nanosleep(&pause, nullptr);
        }
    }
}

bool wait_for_host_processes(std::vector<HostProcess>& hosts, const Lifecycle& lifecycle,
                             const std::optional<Interruption>& interruption) {
    using Clock = std::chrono::steady_clock;
    const Clock::time_point start = Clock::now();
    std::optional<Clock::time_point> term_at;
    bool killed = false;
    const process::StopListener::Paused paused(lifecycle.listener);
    std::size_t running = 0;
    for (const auto& host : hosts) running += host.done ? 0 : 1;
    while (running > 0) {
        timespec tick{0, 20 * 1000 * 1000};
        siginfo_t info{};
        const int signo = ::sigtimedwait(&lifecycle.signals.blocked(), &info, &tick);
        if (signo > 0 && process::is_stop_signal(signo)) {
            lifecycle.stop.request(signo);  // a series of runs ends with it too
            for (const auto& host : hosts) {
                if (!host.done) ::kill(host.pid, signo);
            }
        }
        const Clock::time_point now = Clock::now();
        if (interruption && !term_at && now - start >= interruption->after) {
            term_at = now;
            spdlog::warn("sm-train local: interruption at {:.3f} s: SIGTERM to the job, SIGKILL in {:g} s",
                         seconds(now - start), seconds(interruption->stop_window));
            for (const auto& host : hosts) {
                if (!host.done) ::kill(host.pid, SIGTERM);
            }
        }
        if (term_at && !killed && now - *term_at >= interruption->stop_window) {
            killed = true;
            spdlog::warn("sm-train local: the stop window is over: SIGKILL to every process of the job");
            for (const auto& host : hosts) {
                if (!host.done) kill_process_tree(host.pid);
            }
        }
        for (auto& host : hosts) {
            if (host.done) continue;
            if (const auto status = process::Reaper::take(host.pid)) {
                host.status = *status;
                host.done = true;
                --running;
            }
        }
    }
    if (term_at) {
        // What the host left behind dies with its container.
        process::Reaper::collect();
    }
    return term_at.has_value();
}

}  // namespace smtrain::launcher
