// SPDX-License-Identifier: Apache-2.0
// supervise() when one of its own steps fails (the wait through poll(2) here,
// made to fail through supervise_with_poll): the exception leaves, and behind it
// no descriptor stays open and no program keeps running unsupervised.
#include "../support/temp_tree.hpp"
#include "late_reader.hpp"
#include "process/signals.hpp"
#include "process/supervisor.hpp"

#include <smtrain/error.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <new>
#include <string>

namespace smtrain::process {
namespace {

using smtrain::testing::TempDir;

/// The descriptors this process has open now.
std::size_t open_fds() {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
    return n;  // the iterator's own descriptor is counted every time alike
}

/// Whether `pid` still exists, as a running process or as a zombie nobody reaped.
bool exists(pid_t pid) { return kill(pid, 0) == 0 || errno != ESRCH; }

/// poll(2) that works `good` times, then fails as the kernel would (ENOMEM).
PollFunction failing_after(int good) {
    return [good](pollfd* fds, nfds_t count, int timeout) mutable {
        if (good-- > 0) return ::poll(fds, count, timeout);
        errno = ENOMEM;
        return -1;
    };
}

class SupervisorFault : public ::testing::Test {
protected:
    void SetUp() override {
        // A sink of the test's own (a file), so the supervisor opens its own
        // descriptor for it (an OutputSink) and must close that too.
        sink_ = open((tree_.path() / "err").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        ASSERT_GE(sink_, 0);
        options_.stderr_sink = sink_;
        // Not fd 1: its sink is process-wide and opens its descriptor once, for good.
        options_.stdout_sink = -1;
        options_.grace_period = std::chrono::milliseconds(300);
        options_.on_started = [this](pid_t pid) { pid_ = pid; };
    }
    void TearDown() override { close(sink_); }

    /// Supervises a program that ignores SIGTERM, with a poll that fails once the
    /// program says it is ready (its trap set, so the SIGTERM comes after it);
    /// checks that supervision threw and left no program and no descriptor behind.
    /// Returns how long the supervision took. (Its stdout goes nowhere: a program
    /// left running by a regression must not hold the test runner's pipe open.)
    std::chrono::steady_clock::duration fault_with_a_program_ignoring_sigterm() {
        const std::size_t before = open_fds();
        const auto ready = tree_.path() / "ready";
        const std::string script =
            "exec >/dev/null; trap '' TERM; : > " + ready.string() + "; while :; do sleep 1; done";
        PollFunction fail_once_ready = [&](pollfd* fds, nfds_t count, int) {
            if (!std::filesystem::exists(ready)) return ::poll(fds, count, 20);
            errno = ENOMEM;
            return -1;
        };
        const auto start = std::chrono::steady_clock::now();
        EXPECT_THROW(supervise_with_poll(shell(script), signals_, options_, fail_once_ready), Error);
        const auto took = std::chrono::steady_clock::now() - start;
        EXPECT_GT(pid_, 0) << "the program never started";
        if (pid_ > 0) {
            EXPECT_FALSE(exists(pid_)) << "pid " << pid_ << " is still running or was never reaped";
        }
        EXPECT_EQ(open_fds(), before);
        return took;
    }

    SignalBlock signals_;
    TempDir tree_;
    int sink_ = -1;
    SupervisorOptions options_;
    pid_t pid_ = -1;
};

TEST_F(SupervisorFault, APollThatFailsLeaksNoDescriptorAndLeavesNoProgramRunning) {
    const std::size_t before = open_fds();
    EXPECT_THROW(supervise_with_poll(shell("exec >/dev/null; echo started >&2; exec sleep 30"), signals_,
                                     options_, failing_after(1)),
                 Error);
    ASSERT_GT(pid_, 0) << "the program never started";
    EXPECT_FALSE(exists(pid_)) << "pid " << pid_ << " is still running or was never reaped";
    EXPECT_EQ(open_fds(), before);
}

TEST_F(SupervisorFault, AnyExceptionFromTheWaitEndsTheSameWay) {
    const std::size_t before = open_fds();
    PollFunction throwing = [](pollfd*, nfds_t, int) -> int { throw std::bad_alloc(); };
    EXPECT_THROW(supervise_with_poll(shell("exec >/dev/null; exec sleep 30"), signals_, options_, throwing),
                 std::bad_alloc);
    ASSERT_GT(pid_, 0);
    EXPECT_FALSE(exists(pid_));
    EXPECT_EQ(open_fds(), before);
}

TEST_F(SupervisorFault, AProgramThatIgnoresTheStopIsKilledAfterTheGracePeriod) {
    EXPECT_GE(fault_with_a_program_ignoring_sigterm(), options_.grace_period)
        << "SIGKILL came before the grace period ran out";
}

TEST_F(SupervisorFault, AFaultGivesTheProgramAFewSecondsNotAStopsGracePeriod) {
    // Nobody asked the program to stop and save its work: an internal fault ends
    // it with SIGTERM, then SIGKILL after kStopOnFaultGrace, however long the
    // grace period of a stop is (110 s by default; it was waited in full before).
    options_.grace_period = std::chrono::seconds(60);
    const auto took = fault_with_a_program_ignoring_sigterm();
    EXPECT_GE(took, kStopOnFaultGrace) << "SIGKILL came before the program had its few seconds";
    EXPECT_LT(took, kStopOnFaultGrace + std::chrono::seconds(20))
        << "the fault waited for the stop's grace period";
}

TEST_F(SupervisorFault, AnExceptionFromOnStartedStopsTheProgramItWasToldOf) {
    const std::size_t before = open_fds();
    options_.on_started = [this](pid_t pid) {
        pid_ = pid;
        throw Error("the caller could not take it", ExitCode::Internal);
    };
    EXPECT_THROW(supervise(shell("exec >/dev/null; exec sleep 30"), signals_, options_), Error);
    ASSERT_GT(pid_, 0);
    EXPECT_FALSE(exists(pid_));
    EXPECT_EQ(open_fds(), before);
}

}  // namespace
}  // namespace smtrain::process
