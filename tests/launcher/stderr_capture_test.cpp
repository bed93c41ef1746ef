// SPDX-License-Identifier: Apache-2.0
// The stderr capture (stderr_capture.hpp): the error message as the toolkit
// finds it (the first line naming an error class, Open MPI tags and repeats
// dropped, the last lines otherwise), bounded memory, whole UTF-8 characters.
#include "launcher/lifecycle/stderr_capture.hpp"

#include <gtest/gtest.h>

#include <string>

namespace smtrain::launcher {
namespace {

using namespace smtrain::process;

TEST(StderrCapture, StartsAtTheFirstLineNamingAnErrorClass) {
    StderrCapture c;
    c.feed(
        "epoch 1 loss 0.5\nTraceback (most recent call last):\n  File \"/opt/ml/code/train.py\", line 3, in "
        "<module>\n");
    c.feed("    raise ValueError(\"bad rate\")\nValueError: bad rate\n");
    c.finish();
    EXPECT_TRUE(c.found_error_class());
    // Lines after the first start with a space, as the toolkit joins them.
    EXPECT_EQ(c.error_message(), "raise ValueError(\"bad rate\")\n ValueError: bad rate");
}

TEST(StderrCapture, LinesSpanningChunksAreWhole) {
    StderrCapture c;
    c.feed("Key");
    c.feed("Error: 'lr'");
    c.feed("\nnext line :\n");
    c.finish();
    EXPECT_EQ(c.error_message(), "KeyError: 'lr'\n next line");
}

TEST(StderrCapture, DropsDuplicatesAndMpiTags) {
    StderrCapture c;
    c.feed("[1,0]<stderr>:RuntimeError: NCCL failure\n[1,1]<stderr>:RuntimeError: NCCL failure\n");
    c.feed(
        "[1,12]<stdout>:RuntimeError: NCCL failure\n  \nmpirun.real detected that one or more processes "
        "exited\n");
    c.finish();
    EXPECT_EQ(c.error_message(),
              "RuntimeError: NCCL failure\n \n mpirun.real detected that one or more processes exited");
}

TEST(StderrCapture, FallsBackToTheLastLines) {
    StderrCapture c;
    for (int i = 1; i <= 30; ++i) c.feed("line " + std::to_string(i) + "\n");
    c.feed("\n   \nlast words");
    c.finish();
    EXPECT_FALSE(c.found_error_class());
    std::string expected;
    for (int i = 12; i <= 30; ++i) expected += "line " + std::to_string(i) + "\n";
    expected += "last words";
    EXPECT_EQ(c.error_message(), expected);
}

TEST(StderrCapture, MemoryStaysBounded) {
    StderrCapture c;
    std::string block;
    for (int i = 0; i < 1000; ++i) block += "ValueError number " + std::to_string(i) + " of a long run\n";
    for (int round = 0; round < 200; ++round) c.feed(block);  // ~7 MB, 200,000 distinct lines
    c.finish();
    EXPECT_EQ(c.tail().size(), StderrCapture::kTailLimit);
    EXPECT_LE(c.error_message().size(), StderrCapture::kCaptureLimit);
    EXPECT_EQ(c.error_message().substr(0, 40), "ValueError number 0 of a long run\n Value");
    EXPECT_EQ(c.tail().substr(c.tail().size() - 36), "ValueError number 999 of a long run\n");
}

TEST(StderrCapture, HugeLineKeepsItsStartAndEndAroundAMarker) {
    StderrCapture c;
    c.feed("OSError: " + std::string(1'000'000, 'x') + "\n");
    c.finish();
    // 1,000,009 bytes: the first 512 and the last 512 stay.
    EXPECT_EQ(c.error_message(),
              "OSError: " + std::string(503, 'x') + "[... 998985 bytes cut ...]" + std::string(512, 'x'));
}

// Issue 11 item 3: the last stderr line of 64 KiB or more emptied the fallback.
TEST(StderrCapture, ALongLastLineKeepsTheLinesBeforeIt) {
    StderrCapture c;
    c.feed("cuda init failed: device busy\n");
    c.feed(std::string(100'000, 'y') + "\n");
    c.finish();
    EXPECT_FALSE(c.found_error_class());
    EXPECT_EQ(c.error_message(), "cuda init failed: device busy\n" + std::string(512, 'y') +
                                     "[... 98976 bytes cut ...]" + std::string(512, 'y'));
}

TEST(StderrCapture, A200MegabyteLastLineWithoutNewlineIsKeptShortened) {
    StderrCapture c;
    c.feed("epoch 1\nstarting ");
    const std::string chunk(64 * 1024, 'z');
    for (int i = 0; i < 3200; ++i) c.feed(chunk);  // 200 MiB, never a newline
    c.feed(" the end");
    c.finish();
    EXPECT_FALSE(c.found_error_class());
    // "starting " + 209,715,200 z + " the end" = 209,715,217 bytes.
    EXPECT_EQ(c.error_message(), "epoch 1\nstarting " + std::string(503, 'z') +
                                     "[... 209714193 bytes cut ...]" + std::string(504, 'z') + " the end");
}

TEST(StderrCapture, AnErrorClassAtTheEndOf50MegabytesIsFound) {
    // Fed in 64 KiB chunks, as the supervisor reads; the second time a chunk ends
    // inside "RuntimeError" (763 x 65536 = 50,003,968).
    for (std::size_t xs : {50'000'000u, 50'003'963u}) {
        std::string line = std::string(xs, 'x') + "RuntimeError: at the end\n";
        StderrCapture c;
        c.feed("loading\n");
        for (std::size_t at = 0; at < line.size(); at += 65536)
            c.feed(std::string_view(line).substr(at, 65536));
        c.finish();
        EXPECT_TRUE(c.found_error_class()) << xs;
        EXPECT_EQ(c.error_message(), std::string(512, 'x') + "[... " + std::to_string(xs - 1000) +
                                         " bytes cut ...]" + std::string(488, 'x') +
                                         "RuntimeError: at the end")
            << xs;
    }
}

TEST(StderrCapture, ShortenedLinesNeverSplitACharacter) {
    // "é" is 2 bytes: at offsets 511-512 in the head, and across the tail's first byte.
    std::string line =
        std::string(511, 'a') + "\xC3\xA9" + std::string(2000, 'b') + "\xC3\xA9" + std::string(511, 'c');
    EXPECT_EQ(shorten_line(line, 1024),
              std::string(511, 'a') + "[... 2004 bytes cut ...]" + std::string(511, 'c'));
    EXPECT_EQ(shorten_line("short", 1024), "short");
}

TEST(StderrCapture, InvalidUtf8IsReplaced) {
    EXPECT_EQ(replace_invalid_utf8("ok \xff end"), "ok \xEF\xBF\xBD end");
    EXPECT_EQ(replace_invalid_utf8("caf\xC3\xA9"), "caf\xC3\xA9");
    EXPECT_EQ(replace_invalid_utf8("cut \xE2\x82"), "cut \xEF\xBF\xBD");
    EXPECT_EQ(replace_invalid_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
}

}  // namespace
}  // namespace smtrain::launcher
