// SPDX-License-Identifier: Apache-2.0
// python_strip (python_strip.hpp): Python's str.strip() and str.strip(chars),
// the expected values as Python 3.11 gives them (written by hand).
#include "launcher/lifecycle/python_strip.hpp"
#include "launcher/lifecycle/report.hpp"

#include <gtest/gtest.h>

namespace smtrain::launcher {
namespace {

TEST(PythonStrip, UnicodeWhitespaceAtTheEndGoes) {
    // "ValueError: bad\u3000".strip() == "ValueError: bad" (U+3000, ideographic space)
    EXPECT_EQ(python_strip("ValueError: bad\xE3\x80\x80"), "ValueError: bad");
    EXPECT_EQ(python_strip("\xE3\x80\x80 ValueError: bad \xE3\x80\x80\n"), "ValueError: bad");
    // U+00A0, U+2028, U+0085, and the ASCII separators \x1c-\x1f are whitespace too.
    EXPECT_EQ(python_strip("\xC2\xA0x\xE2\x80\xA8\xC2\x85\x1c\x1f"), "x");
}

TEST(PythonStrip, WhatIsNotWhitespaceStays) {
    EXPECT_EQ(python_strip("\t caf\xC3\xA9 \r\n"), "caf\xC3\xA9");
    // U+200B (zero width space) is not str.isspace(); nor is a lone continuation byte.
    EXPECT_EQ(python_strip("\xE2\x80\x8Bx\xE2\x80\x8B"), "\xE2\x80\x8Bx\xE2\x80\x8B");
    EXPECT_EQ(python_strip("x \x80"), "x \x80");
    EXPECT_EQ(python_strip(" \xE3\x80\x80 "), "");
    EXPECT_EQ(python_strip(""), "");
}

TEST(PythonStrip, GivenCharactersOnly) {
    // " : ValueError: x :\n".strip(" :\n") == "ValueError: x"; '\r' is not among them.
    EXPECT_EQ(python_strip(" : ValueError: x :\n", " :\n"), "ValueError: x");
    EXPECT_EQ(python_strip("ValueError: x\r", " :\n"), "ValueError: x\r");
    EXPECT_EQ(python_strip(":: \n", " :\n"), "");
}

TEST(PythonStrip, TheReportIsStrippedAsTheToolkitsStr) {
    ProcessFailure failure;
    failure.error_class =
        "\xE3\x80\x80"
        "ExecuteUserScriptError";  // as str.strip() sees the whole text
    failure.exit_code = 1;
    failure.error_message = "ValueError: bad\xE3\x80\x80";
    failure.command = "/usr/bin/python3 train.py";
    EXPECT_EQ(failure.to_string(),
              "ExecuteUserScriptError:\nExitCode 1\nErrorMessage \"ValueError: bad\xE3\x80\x80\"\n"
              "Command \"/usr/bin/python3 train.py\"");
}

}  // namespace
}  // namespace smtrain::launcher
