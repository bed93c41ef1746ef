// SPDX-License-Identifier: Apache-2.0
// The hang watchdog's pacing of the evidence (issue 21): once it fired, the
// stop waits for the stacks asked for on other hosts (an MPI master's
// workers), at most the dumps' time. The real runs are
// tests/reliability/hang_watchdog.sh and tests/runners/mpi_local_two_hosts.sh hang.
#include "process/watchdog.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

using namespace smtrain::process;
using namespace std::chrono_literals;

namespace {

struct Fired {
    HangWatchdog watchdog;
    HangWatchdog::Clock::time_point at;  ///< when the progress deadline passes
    int asked = 0;
    HangWatchdog::StackDumper dumper = [this](pid_t) {
        ++asked;
        return std::vector<pid_t>{};  // no rank here: only the other hosts' wait is left
    };

    static WatchdogSettings settings() {
        WatchdogSettings s;
        s.progress_deadline = 1000ms;
        return s;
    }
    explicit Fired(HangWatchdog::Clock::time_point started)
        : watchdog(settings(), started), at(started + 1000ms) {}
};

}  // namespace

TEST(HangWatchdog, TheStopWaitsForTheStacksAskedForElsewhere) {
    Fired f(HangWatchdog::Clock::now());
    bool written = false;
    const HangWatchdog::StacksElsewhere elsewhere = [&] { return written; };
    EXPECT_FALSE(f.watchdog.tick(f.at - 1ms, 1, f.dumper, elsewhere));
    EXPECT_EQ(f.asked, 0);
    EXPECT_FALSE(f.watchdog.tick(f.at, 1, f.dumper, elsewhere));  // fired: the other hosts write theirs
    EXPECT_EQ(f.asked, 1);
    ASSERT_TRUE(f.watchdog.hang().has_value());
    EXPECT_FALSE(f.watchdog.tick(f.at + 2s, 1, f.dumper, elsewhere));
    written = true;
    EXPECT_TRUE(f.watchdog.tick(f.at + 2s + 20ms, 1, f.dumper, elsewhere));
    EXPECT_EQ(f.asked, 1);
}

TEST(HangWatchdog, StacksNeverWrittenElsewhereDelayTheStopByTheDumpsTimeAtMost) {
    Fired f(HangWatchdog::Clock::now());
    const HangWatchdog::StacksElsewhere never = [] { return false; };
    EXPECT_FALSE(f.watchdog.tick(f.at, 1, f.dumper, never));
    EXPECT_FALSE(f.watchdog.tick(f.at + HangWatchdog::kStackDumpWait - 1ms, 1, f.dumper, never));
    EXPECT_TRUE(f.watchdog.tick(f.at + HangWatchdog::kStackDumpWait, 1, f.dumper, never));
}

TEST(HangWatchdog, WithoutOtherHostsTheStopFollowsTheLocalStacks) {
    Fired f(HangWatchdog::Clock::now());
    EXPECT_TRUE(f.watchdog.tick(f.at, 1, f.dumper));
}

TEST(HangWatchdog, TheHangKeepsTheLastLineItQuotesForTheLauncherToShow) {
    const auto started = HangWatchdog::Clock::now();
    Fired f(started);
    f.watchdog.observe("[1,2]<stdout>:step 1\n[1,2]<stdout>:step 2[1,2]<stdout>:\n");
    EXPECT_TRUE(f.watchdog.tick(started + 3000ms, 1, f.dumper));
    ASSERT_TRUE(f.watchdog.hang().has_value());
    EXPECT_EQ(f.watchdog.hang()->last_line, "[1,2]<stdout>:step 2[1,2]<stdout>:");
    EXPECT_NE(f.watchdog.hang()->reason.find("\"[1,2]<stdout>:step 2[1,2]<stdout>:\""), std::string::npos)
        << f.watchdog.hang()->reason;
}
