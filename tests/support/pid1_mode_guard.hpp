// SPDX-License-Identifier: Apache-2.0
#pragma once
// Test support: a `pid1.` copy of a test (SMTRAIN_TEST_AS_PID1=1) runs in that
// mode or not at all. On a machine that refuses PID namespaces every test of
// the binary is skipped, saying why, instead of running sm-train as an
// ordinary child and passing in the other mode (supervision_mode.hpp).
// Linked into each test binary that has `pid1.` copies by pid1_mode_guard.cpp
// (smtrain_add_gtest(... PID1 EACH), tests/CMakeLists.txt).

#include "supervision_mode.hpp"

#include <gtest/gtest.h>

#include <sched.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

namespace smtrain::test_support {

/// Whether this process may make a PID namespace (tried in a child, which exits).
inline bool pid_namespaces_available() {
    const pid_t child = fork();
    if (child < 0) return false;
    if (child == 0) _exit(unshare(CLONE_NEWPID) == 0 ? 0 : 1);
    int status = 0;
    return waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

class Pid1ModeGuard : public ::testing::Environment {
public:
    void SetUp() override {
        if (!test_as_pid1() || pid_namespaces_available()) return;
        // gtest 1.12 skips every test after a skip here but counts them as
        // passed; the line ctest's gtest_discover_tests looks for
        // (SKIP_REGULAR_EXPRESSION "[  SKIPPED ]") makes ctest say skipped too.
        std::printf("[  SKIPPED ] %s\n", kWhy);
        std::fflush(stdout);
        GTEST_SKIP() << kWhy;
    }

private:
    static constexpr const char* kWhy =
        "SMTRAIN_TEST_AS_PID1=1 asks for sm-train as PID 1 of its own PID namespace, and "
        "unshare(CLONE_NEWPID) is refused here (needs root or a user namespace)";
};

inline ::testing::Environment* const pid1_mode_guard = ::testing::AddGlobalTestEnvironment(new Pid1ModeGuard);

}  // namespace smtrain::test_support
