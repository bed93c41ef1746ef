// SPDX-License-Identifier: Apache-2.0
// The report (report.hpp): the toolkit's failure text, and output/failure and
// output/success written once, or an error naming the file.
#include "launcher/lifecycle/report.hpp"
#include "launcher_fixture.hpp"

#include <smtrain/error.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace smtrain::launcher {
namespace {

using smtrain::testing::JobTree;
using smtrain::testing::read_file;

TEST(Report, ToolkitFormat) {
    ProcessFailure f;
    f.exit_code = 1;
    f.error_message = "ValueError: bad";
    f.command = "/usr/bin/python3 train.py --lr 0.1";
    EXPECT_EQ(f.to_string(),
              "ExecuteUserScriptError:\nExitCode 1\nErrorMessage \"ValueError: bad\"\n"
              "Command \"/usr/bin/python3 train.py --lr 0.1\"");
}

TEST(Report, ToolkitFormatWithExtraInfo) {
    ProcessFailure f;
    f.exit_code = 137;
    f.extra_info = std::string(kSigkillExtraInfo);
    f.command = "./train.sh";
    EXPECT_EQ(f.to_string(),
              "ExecuteUserScriptError:\nExitCode 137\nErrorMessage \"\"\n"
              "ExtraInfo \"OutOfMemory: Process killed by SIGKILL (signal 9)\"\nCommand \"./train.sh\"");
}

TEST(Report, FailureFileIsNeverReplaced) {
    JobTree tree;
    EXPECT_TRUE(write_failure_file(tree.output(), "first"));
    EXPECT_FALSE(write_failure_file(tree.output(), "second"));
    EXPECT_EQ(read_file(tree.output() / "failure"), "first");
    write_success_file(tree.output());
    EXPECT_EQ(read_file(tree.output() / "success"), "");
    // No temp files left behind.
    int entries = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(tree.output())) ++entries;
    EXPECT_EQ(entries, 2);
}

TEST(Report, UnwritableDirectoryThrowsCannotWrite) {
    try {
        write_failure_file("/proc/self/no-such-dir", "x");
        FAIL() << "expected an Error";
    } catch (const Error& e) {
        EXPECT_EQ(e.exit_code(), ExitCode::CannotWrite);
    }
}

}  // namespace
}  // namespace smtrain::launcher
