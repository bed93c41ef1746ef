// SPDX-License-Identifier: Apache-2.0
// The steps of a job have one vocabulary (job_phase.hpp): the stop reason, the
// timeline row and the progress label of a step come from one table.
#include "launcher/lifecycle/job_phase.hpp"
#include "launcher/lifecycle/timeline.hpp"
#include "process/stop.hpp"

#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>

namespace smtrain::launcher {
namespace {

TEST(JobPhase, AStopSaysTheStepItCameIn) {
    process::StopRequest stop;
    enter(stop, JobPhase::HostWait);
    stop.request(SIGTERM);
    EXPECT_EQ(stop.reason(), "stopped by SIGTERM during the wait for hosts");
}

TEST(JobPhase, AStopBeforeAnyStepSaysOnlyItsSignal) {
    process::StopRequest stop;
    stop.request(SIGINT);
    EXPECT_EQ(stop.reason(), "stopped by SIGINT");
}

TEST(JobPhase, TheExtractionIsCalledTheSameInTheTimelineAndTheStopReason) {
    // Before: the timeline said "extraction", the progress lines and the stop
    // reason "code extraction".
    Timeline timeline;
    { auto row = timeline.phase(JobPhase::CodeExtraction); }
    ASSERT_EQ(timeline.phases().size(), 1u);
    EXPECT_EQ(timeline.phases()[0].name, "code extraction");
    EXPECT_EQ(name_of(JobPhase::CodeExtraction), "code extraction");
    EXPECT_STREQ(during(JobPhase::CodeExtraction), "code extraction");
}

TEST(JobPhase, RowsKeepTheirDocumentedNames) {
    // docs/launcher.md, "Where the time went".
    EXPECT_EQ(name_of(JobPhase::CodeDownload), "code download");
    EXPECT_EQ(name_of(JobPhase::CodeCopy), "code copy");
    EXPECT_EQ(name_of(JobPhase::Install), "requirements install");
    EXPECT_EQ(name_of(JobPhase::HostWait), "wait for hosts");
    EXPECT_EQ(name_of(JobPhase::Training), "program");
    EXPECT_EQ(name_of(JobPhase::FinalSync), "final sync");
    EXPECT_EQ(name_of(JobPhase::Report), "report");
}

TEST(StopRequest, TheFirstStopCountsWithItsPhase) {
    process::StopRequest stop;
    EXPECT_FALSE(stop.requested());
    EXPECT_FALSE(stop.at());
    enter(stop, JobPhase::CodeDownload);
    stop.request(SIGTERM);
    enter(stop, JobPhase::Install);
    stop.request(SIGINT);
    EXPECT_TRUE(stop.requested());
    EXPECT_TRUE(stop.flag()->load());
    EXPECT_EQ(stop.signal(), SIGTERM);
    EXPECT_EQ(stop.stopped_in(), "code download");
    EXPECT_TRUE(stop.at());
    EXPECT_EQ(stop.reason(), "stopped by SIGTERM during code download");
    EXPECT_FALSE(stop.sleep_for(std::chrono::milliseconds(10'000)));  // returns at once
}

}  // namespace
}  // namespace smtrain::launcher
