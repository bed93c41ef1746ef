// SPDX-License-Identifier: Apache-2.0
// Regressions found by the differential harness (tools/parity): the failure
// file's ErrorMessage for the same stderr bytes. Each expected string is what
// the Python toolkit's process.watch() + check_error() produced, written by hand.
#include "launcher/lifecycle/report.hpp"
#include "launcher/lifecycle/stderr_capture.hpp"

#include <gtest/gtest.h>

namespace {

using smtrain::launcher::ProcessFailure;
using smtrain::launcher::StderrCapture;

std::string message_for(std::string_view stderr_bytes) {
    StderrCapture capture;
    capture.feed(stderr_bytes);
    capture.finish();
    return capture.error_message();
}

const char* const kTraceback =
    "epoch 1 loss 0.5\n"
    "Traceback (most recent call last):\n"
    "  File \"/opt/ml/code/train.py\", line 10, in <module>\n"
    "    main()\n"
    "  File \"/opt/ml/code/train.py\", line 7, in main\n"
    "    raise ValueError('bad learning rate: -1')\n"
    "ValueError: bad learning rate: -1\n";

// The toolkit joins captured lines with " " after each '\n': every line but the first starts with a space.
TEST(ParityRegression, ContinuationLinesStartWithASpace) {
    EXPECT_EQ(message_for(kTraceback),
              "raise ValueError('bad learning rate: -1')\n ValueError: bad learning rate: -1");
}

TEST(ParityRegression, FailureFileForATracebackKilledBySigkill) {
    ProcessFailure failure;
    failure.exit_code = 137;
    failure.error_message = message_for(kTraceback);
    failure.extra_info = std::string(smtrain::launcher::kSigkillExtraInfo);
    failure.command = "/usr/bin/python3 train.py --epochs 3";
    EXPECT_EQ(failure.to_string(),
              "ExecuteUserScriptError:\n"
              "ExitCode 137\n"
              "ErrorMessage \"raise ValueError('bad learning rate: -1')\n"
              " ValueError: bad learning rate: -1\"\n"
              "ExtraInfo \"OutOfMemory: Process killed by SIGKILL (signal 9)\"\n"
              "Command \"/usr/bin/python3 train.py --epochs 3\"");
}

TEST(ParityRegression, RepeatsAfterStrippingGo) {
    EXPECT_EQ(message_for("RuntimeError: x\nsame\nsame\n: same :\nsame\n"), "RuntimeError: x\n same");
}

TEST(ParityRegression, ColonsAndSpacesStrippedPerLine) {
    EXPECT_EQ(message_for("  KeyError: 'k' :\n :tail: \n"), "KeyError: 'k'\n tail");
}

// The toolkit strips " :\n" from each line, not '\r'.
TEST(ParityRegression, CarriageReturnsStay) {
    EXPECT_EQ(message_for("KeyError: 'a'\r\nnext line\r\n"), "KeyError: 'a'\r\n next line");
}

// Blank lines after the first error line are kept once (as " ").
TEST(ParityRegression, BlankLinesKeptOnce) {
    EXPECT_EQ(message_for("\n\n\nTypeError: t\n\n\nafter\n"), "TypeError: t\n \n after");
}

// The whole message is stripped of whitespace (Python's str.strip()), tabs included.
TEST(ParityRegression, WholeMessageStripped) {
    EXPECT_EQ(message_for("\tRuntimeError:\tx\t\n"), "RuntimeError:\tx");
    EXPECT_EQ(message_for("warning: Exception ignored in thread\nmore\n"),
              "warning: Exception ignored in thread\n more");
}

}  // namespace
