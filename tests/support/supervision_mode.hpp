// SPDX-License-Identifier: Apache-2.0
#pragma once
// Test support: the two modes sm-train supervises in. By default a test starts
// sm-train as an ordinary child, and sm-train makes itself a child subreaper;
// with SMTRAIN_TEST_AS_PID1=1 (the `pid1.` copies of the process tests in ctest)
// it starts sm-train as PID 1 of a PID namespace of its own, as in a container.
// dumb-init runs each of its tests in both modes the same way.

#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>

namespace smtrain::test_support {

/// True when this test run asks for sm-train as PID 1 (SMTRAIN_TEST_AS_PID1=1).
inline bool test_as_pid1() {
    const char* mode = std::getenv("SMTRAIN_TEST_AS_PID1");
    return mode != nullptr && std::string_view(mode) == "1";
}

/// Called in a forked child before execve, so only async-signal-safe calls: with
/// `asked`, the child becomes a relay that unshares a PID namespace, forks the
/// real child (PID 1 there), passes on every signal it gets and exits as it did.
/// SIGKILL cannot be passed on: the real child gets it from the kernel when the
/// relay dies (PR_SET_PDEATHSIG), and with it everything in its namespace.
/// Returns only in the real child. When namespaces are refused the child exits
/// 252 at once, never running in the other mode (pid1_mode_guard.hpp skips the
/// whole binary on such a machine before any test starts a child).
inline void become_pid1_when_asked(bool asked) {
    if (!asked) return;
    if (unshare(CLONE_NEWPID) != 0) _exit(252);
    sigset_t all;
    sigfillset(&all);
    sigset_t before;
    sigprocmask(SIG_SETMASK, &all, &before);
    const pid_t init = fork();
    if (init < 0) _exit(253);
    if (init == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        sigprocmask(SIG_SETMASK, &before, nullptr);
        return;
    }
    for (;;) {
        siginfo_t info;
        const int signo = sigwaitinfo(&all, &info);
        if (signo < 0) continue;
        if (signo == SIGCHLD) {
            int status = 0;
            if (waitpid(init, &status, WNOHANG) == init) {
                if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
                // Killed by a signal: the same, as far as the parent can tell (128+N).
                signal(WTERMSIG(status), SIG_DFL);
                sigset_t one;
                sigemptyset(&one);
                sigaddset(&one, WTERMSIG(status));
                sigprocmask(SIG_UNBLOCK, &one, nullptr);
                kill(getpid(), WTERMSIG(status));
                _exit(128 + WTERMSIG(status));
            }
            continue;
        }
        kill(init, signo);
    }
}

/// The process that runs the command a test started as `started`: `started`
/// itself, or in PID-1 mode the relay's child (as this PID namespace numbers it),
/// waited for up to `timeout`. -1 when the relay has no child by then.
inline pid_t command_pid(pid_t started, bool as_pid1,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    if (!as_pid1) return started;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const std::string children =
        "/proc/" + std::to_string(started) + "/task/" + std::to_string(started) + "/children";
    do {
        std::ifstream in(children);
        pid_t child = -1;
        if (in >> child) return child;
        std::this_thread::sleep_for(std::chrono::microseconds(50));
    } while (std::chrono::steady_clock::now() < deadline);
    return -1;
}

/// Waits up to `timeout` until process `pid` runs the program named `name` (its
/// comm, set by execve) and has `signo` blocked or caught: from then on the kernel
/// keeps the signal for it even as a namespace's PID 1, which drops one that
/// arrives while its disposition is still the default. False on time-out or
/// when the process is gone.
inline bool wait_until_it_takes(pid_t pid, int signo, std::string_view name,
                                std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const unsigned long long bit = 1ULL << (signo - 1);
    const std::filesystem::path status_file = "/proc/" + std::to_string(pid) + "/status";
    do {
        // One read of the file: "Name:" comes before the masks in it, so masks
        // read with the new name are those of the new program.
        std::ifstream in(status_file);
        if (!in) return false;
        bool named = false;
        unsigned long long taken = 0;
        for (std::string line; std::getline(in, line);) {
            if (line.rfind("Name:\t", 0) == 0) named = line.substr(6) == name;
            if (line.rfind("SigBlk:\t", 0) == 0 || line.rfind("SigCgt:\t", 0) == 0)
                taken |= std::stoull(line.substr(8), nullptr, 16);
        }
        if (named && (taken & bit) != 0) return true;
        std::this_thread::sleep_for(std::chrono::microseconds(50));
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
}

}  // namespace smtrain::test_support
