// SPDX-License-Identifier: Apache-2.0
// "Where the time went" (issue 15): the recorder on its own, then the block
// sm-train logs at the end of a job that succeeds, fails or is stopped, as
// text and as JSON, through the real sm-train.
#include "launcher/lifecycle/timeline.hpp"
#include "../support/child.hpp"

#include <smtrain/value.hpp>
#include "lib/json.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace smtrain::launcher {
namespace {

namespace fs = std::filesystem;
using reliability::ChildResult;
using reliability::ChildSpec;
using reliability::run_child;
using smtrain::testing::read_file;
using smtrain::testing::TempDir;
using smtrain::testing::write_file;
using smtrain::testing::write_one_host_config;
using namespace std::chrono_literals;

// ---- the recorder -----------------------------------------------------------------------

TEST(Timeline, PhasesHaveTheirOffsetsAndDurations) {
    Timeline timeline;
    std::this_thread::sleep_for(20ms);
    {
        auto phase = timeline.phase(JobPhase::CodeDownload);
        std::this_thread::sleep_for(30ms);
    }
    auto program = timeline.phase(JobPhase::Training);
    std::this_thread::sleep_for(10ms);
    program.end();
    program.end();  // a second end changes nothing
    const auto& phases = timeline.phases();
    ASSERT_EQ(phases.size(), 2u);
    EXPECT_EQ(phases[0].name, "code download");
    EXPECT_GE(phases[0].start, 20ms);
    EXPECT_GE(phases[0].duration, 30ms);
    EXPECT_FALSE(phases[0].open);
    EXPECT_GE(phases[1].start, phases[0].start + phases[0].duration);
    EXPECT_GE(phases[1].duration, 10ms);
    EXPECT_LE(phases[1].start + phases[1].duration, timeline.elapsed());
}

TEST(Timeline, TextBlockNamesEveryPhaseAndTheEnding) {
    Timeline timeline;
    { auto phase = timeline.phase(JobPhase::HostWait); }
    auto open = timeline.phase(JobPhase::Training);
    timeline.process_ended(SIGKILL, SIGTERM, true);
    const auto lines = timeline.text_lines(timeline.ending_with(137), 2048);
    ASSERT_EQ(lines.size(), 7u);
    EXPECT_EQ(lines[0].rfind("Where the time went (", 0), 0u) << lines[0];
    EXPECT_EQ(lines[1], "  phase                      start    duration");
    EXPECT_EQ(lines[2].rfind("  wait for hosts   ", 0), 0u) << lines[2];
    EXPECT_NE(lines[3].find("(unfinished)"), std::string::npos) << lines[3];
    EXPECT_EQ(lines[4], "  program peak RSS: 2.0 MiB");
    EXPECT_EQ(lines[5].rfind("  S3: downloaded ", 0), 0u) << lines[5];
    EXPECT_EQ(
        lines[6],
        "  ended: exit code 137, the program was killed by SIGKILL, stopped by SIGTERM, killed after the "
        "grace period");
}

TEST(Timeline, FormatSetting) {
    EXPECT_EQ(parse_timeline_format(""), TimelineFormat::Text);
    EXPECT_EQ(parse_timeline_format("text"), TimelineFormat::Text);
    EXPECT_EQ(parse_timeline_format("json"), TimelineFormat::Json);
    EXPECT_EQ(parse_timeline_format("off"), TimelineFormat::Off);
    EXPECT_EQ(parse_timeline_format("JSON"), std::nullopt);
}

// ---- through sm-train ------------------------------------------------------------------

class JobTimeline : public ::testing::Test {
protected:
    void SetUp() override {
        base = tmp.path() / "opt_ml";
        write_one_host_config(base);
        fs::create_directories(base / "model");
    }
    /// The program: `script`, packed in a local sourcedir.tar.gz, so that
    /// sm-train extracts it first.
    void program(const std::string& script) {
        const fs::path src = tmp.path() / "src";
        write_file(src / "train.sh", "#!/bin/sh\n" + script);
        fs::permissions(src / "train.sh", fs::perms(0755));
        const std::string tarball = (tmp.path() / "sourcedir.tar.gz").string();
        ChildSpec tar;
        tar.argv = {"/usr/bin/tar", "-czf", tarball, "-C", src.string(), "train.sh"};
        tar.env = {{"PATH", "/usr/bin:/bin"}};
        tar.workdir = tmp.path();
        ASSERT_EQ(run_child(tar).exit_code, 0);
        write_file(
            base / "input/config/hyperparameters.json",
            R"({"sagemaker_program":"\"train.sh\"","sagemaker_submit_directory":")" + tarball + R"("})");
    }
    ChildSpec spec(const std::string& format) {
        ChildSpec s;
        s.argv = {SMTRAIN_SM_TRAIN, "train"};
        s.env = reliability::base_environment(base, tmp.path());
        if (!format.empty()) s.env["SMTRAIN_TIMELINE"] = format;
        s.workdir = tmp.path();
        s.timeout = 60s;
        return s;
    }
    /// The JSON after "Timeline: " on sm-train's stderr; fails the test when absent or twice.
    static Value timeline_json(const std::string& err) {
        constexpr std::string_view kPrefix = "Timeline: ";
        const std::size_t at = err.find(kPrefix);
        EXPECT_NE(at, std::string::npos) << err;
        if (at == std::string::npos) return Value();
        EXPECT_EQ(err.find(kPrefix, at + 1), std::string::npos) << err;
        const std::size_t from = at + kPrefix.size();
        return parse_json(std::string_view(err).substr(from, err.find('\n', from) - from));
    }
    /// Phases in order, none past the job's total; returns their names.
    static std::vector<std::string> check_phases(const Value& timeline) {
        const double total = timeline.find("total_s")->as_double();
        std::vector<std::string> names;
        double previous_end = 0;
        for (const Value& phase : timeline.find("phases")->as_list()) {
            const std::string name = phase.find("name")->as_string();
            const double start = phase.find("start_s")->as_double();
            const double duration = phase.find("duration_s")->as_double();
            // Start and duration are rounded to milliseconds each: the previous
            // end carries two roundings and this start a third (up to 1.5 ms).
            EXPECT_GE(start + 0.002, previous_end) << name;
            EXPECT_GE(duration, 0) << name;
            EXPECT_LE(start + duration, total + 0.002) << name;  // three roundings again
            EXPECT_TRUE(phase.find("finished")->as_bool()) << name;
            previous_end = start + duration;
            names.push_back(name);
        }
        return names;
    }
    /// SageMaker uploads model/ and output/data: the timeline writes into neither
    /// (a failed job's diagnostics file, issue 21, is the one thing sm-train puts in output/data).
    void expect_nothing_in_model_or_output_data() const {
        EXPECT_TRUE(fs::is_empty(base / "model"));
        if (!fs::exists(base / "output/data")) return;
        for (const auto& entry : fs::directory_iterator(base / "output/data"))
            EXPECT_EQ(entry.path().filename(), "sm-train-diagnostics.json");
    }

    TempDir tmp;
    fs::path base;
};

TEST_F(JobTimeline, SuccessAsJson) {
    // 64 MiB resident in the program: its peak RSS is at least that.
    program("/usr/bin/python3 -c 'b = bytearray(64 << 20); b[::4096] = b\"x\" * len(b[::4096])'\n");
    const ChildResult run = run_child(spec("json"));
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const Value timeline = timeline_json(run.err);
    ASSERT_TRUE(timeline.is_dict()) << run.err;
    EXPECT_EQ(check_phases(timeline), (std::vector<std::string>{"code extraction", "program", "report"}));
    EXPECT_GE(timeline.find("peak_rss_kib")->as_int64().value_or(0), 64 * 1024);
    const Value& ended = *timeline.find("ended");
    EXPECT_EQ(ended.find("exit_code")->as_int64(), 0);
    EXPECT_TRUE(ended.find("signal")->is_null());
    EXPECT_TRUE(ended.find("stopped_by")->is_null());
    EXPECT_EQ(timeline.find("s3")->find("uploaded_objects")->as_int64(), 0);
    EXPECT_EQ(run.err.find("Where the time went"), std::string::npos);
    expect_nothing_in_model_or_output_data();
}

TEST_F(JobTimeline, FailureAsText) {
    program("echo 'ValueError: bad' >&2\nexit 3\n");
    const ChildResult run = run_child(spec(""));
    ASSERT_EQ(run.exit_code, 3) << run.err;
    const std::size_t block = run.err.find("Where the time went (");
    ASSERT_NE(block, std::string::npos) << run.err;
    const std::string text = run.err.substr(block);
    const std::size_t extraction = text.find("  code extraction ");
    const std::size_t program_row = text.find("  program ");
    const std::size_t report = text.find("  report ");
    EXPECT_LT(extraction, program_row) << text;
    EXPECT_LT(program_row, report) << text;
    EXPECT_NE(report, std::string::npos) << text;
    EXPECT_NE(text.find("  program peak RSS: "), std::string::npos) << text;
    EXPECT_NE(text.find("  ended: exit code 3\n"), std::string::npos) << text;
    // The block is the end of the log, after the report.
    EXPECT_GT(block, run.err.find("Reporting training FAILURE"));
    expect_nothing_in_model_or_output_data();
}

TEST_F(JobTimeline, StopAsJson) {
    const fs::path started = tmp.path() / "started";
    program("touch '" + started.string() + "'\nexec sleep 30\n");
    ChildSpec s = spec("json");
    s.after_fork = [&](pid_t pid) {
        for (int i = 0; i < 3000 && !fs::exists(started); ++i) std::this_thread::sleep_for(10ms);
        kill(pid, SIGTERM);
    };
    const ChildResult run = run_child(s);
    ASSERT_EQ(run.exit_code, 143) << run.err;
    const Value timeline = timeline_json(run.err);
    ASSERT_TRUE(timeline.is_dict()) << run.err;
    EXPECT_EQ(check_phases(timeline), (std::vector<std::string>{"code extraction", "program", "report"}));
    const Value& ended = *timeline.find("ended");
    EXPECT_EQ(ended.find("exit_code")->as_int64(), 143);
    EXPECT_EQ(ended.find("signal")->as_string(), "SIGTERM");
    EXPECT_EQ(ended.find("stopped_by")->as_string(), "SIGTERM");
    expect_nothing_in_model_or_output_data();
}

TEST_F(JobTimeline, OwnFailureStillEndsWithTheBlock) {
    // No program at all: sm-train's own error (exit 2 per docs/compatibility.md's table).
    write_file(base / "input/config/hyperparameters.json", "{}");
    const ChildResult run = run_child(spec("json"));
    EXPECT_NE(run.exit_code, 0);
    const Value timeline = timeline_json(run.err);
    ASSERT_TRUE(timeline.is_dict()) << run.err;
    EXPECT_EQ(timeline.find("ended")->find("exit_code")->as_int64(), run.exit_code);
}

TEST_F(JobTimeline, ABadSettingStillEndsWithTheBlockInItsFormat) {
    // The Settings cannot be read: SMTRAIN_TIMELINE still decides the block's format.
    program("exit 0\n");
    ChildSpec json = spec("json");
    json.env["SMTRAIN_GRACE_PERIOD_S"] = "abc";
    const ChildResult run = run_child(json);
    ASSERT_EQ(run.exit_code, 65) << run.err;
    EXPECT_NE(run.err.find("SMTRAIN_GRACE_PERIOD_S: expected a number of seconds, got 'abc'"),
              std::string::npos)
        << run.err;
    const Value timeline = timeline_json(run.err);
    ASSERT_TRUE(timeline.is_dict()) << run.err;
    EXPECT_EQ(timeline.find("ended")->find("exit_code")->as_int64(), 65);

    ChildSpec off = spec("off");
    off.env["SMTRAIN_GRACE_PERIOD_S"] = "abc";
    const ChildResult quiet = run_child(off);
    ASSERT_EQ(quiet.exit_code, 65) << quiet.err;
    EXPECT_EQ(quiet.err.find("Where the time went"), std::string::npos) << quiet.err;
    EXPECT_EQ(quiet.err.find("Timeline: "), std::string::npos) << quiet.err;
}

TEST_F(JobTimeline, AnUnknownFormatFailsTheJobAndLogsText) {
    program("exit 0\n");
    const ChildResult run = run_child(spec("yes"));
    ASSERT_EQ(run.exit_code, 65) << run.err;
    EXPECT_EQ(read_file(base / "output/failure"),
              "sm-train: SMTRAIN_TIMELINE: expected text, json or off, got 'yes'");
    EXPECT_NE(run.err.find("Where the time went ("), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("  ended: exit code 65"), std::string::npos) << run.err;
}

TEST_F(JobTimeline, OffLogsNoBlock) {
    program("exit 0\n");
    const ChildResult run = run_child(spec("off"));
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.err.find("Where the time went"), std::string::npos);
    EXPECT_EQ(run.err.find("Timeline: "), std::string::npos);
}

}  // namespace
}  // namespace smtrain::launcher
