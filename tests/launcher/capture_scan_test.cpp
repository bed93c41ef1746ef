// SPDX-License-Identifier: Apache-2.0
// The capture's fast scan (names_marker_anchor) and the capture fed in every
// possible chunking, and the supervisor passing stderr on into pipes (the
// tee/splice path): every expected value is written out by hand.
#include "../process/late_reader.hpp"
#include "launcher/lifecycle/stderr_capture.hpp"
#include "process/signals.hpp"
#include "process/supervisor.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

namespace smtrain::launcher {
namespace {

using namespace smtrain::process;

// An ordinary log line: digits, '.', and 'm' and 'l' (the first and last
// letters of "mpirun.real") but no marker.
constexpr std::string_view kLogLine =
    "2026-01-01 00:00:00 epoch=12 step=3456 loss=0.123456 lr=0.001 samples/s mem=1.2 GiB small\n";

std::string filler(std::size_t size) {
    std::string text;
    while (text.size() < size) text += kLogLine;
    text.resize(size);
    return text;
}

// ---- names_marker_anchor ----------------------------------------------------

TEST(MarkerAnchor, EachAnchorAloneIsFound) {
    EXPECT_TRUE(names_marker_anchor("Error"));
    EXPECT_TRUE(names_marker_anchor("Exception"));
    EXPECT_TRUE(names_marker_anchor("ORTE"));
    EXPECT_TRUE(names_marker_anchor("Invalid requirement"));
    EXPECT_TRUE(names_marker_anchor("mpirun.real"));
    EXPECT_TRUE(names_marker_anchor("ValueError: bad rate"));
    EXPECT_TRUE(names_marker_anchor("raise BaseException()"));
    EXPECT_TRUE(names_marker_anchor("ORTE_ERROR_LOG: Data unpack had inadequate space"));
    EXPECT_TRUE(names_marker_anchor("ERROR: Invalid requirement: 'torch=='"));
    EXPECT_TRUE(names_marker_anchor("/usr/bin/mpirun.real detected that one or more processes exited"));
}

TEST(MarkerAnchor, NearMissesAreNotFound) {
    EXPECT_FALSE(names_marker_anchor(""));
    EXPECT_FALSE(names_marker_anchor("E"));
    EXPECT_FALSE(names_marker_anchor("error: lower case"));
    EXPECT_FALSE(names_marker_anchor("ERROR Erro Err0r eRROR"));
    EXPECT_FALSE(names_marker_anchor("Excepti0n EXCEPTION exception"));
    EXPECT_FALSE(names_marker_anchor("RTE ORT E ORtE"));
    EXPECT_FALSE(names_marker_anchor("Invalid  requirement, invalid requirement"));
    EXPECT_FALSE(names_marker_anchor("mpirun.rea mpirun_real mpirun.reaL Mpirun.real"));
    EXPECT_FALSE(names_marker_anchor(filler(100'000)));
}

TEST(MarkerAnchor, AWordContainingAnAnchorCounts) {
    // The toolkit tests `marker in line`: a marker inside a longer word counts.
    EXPECT_TRUE(names_marker_anchor("MyErrorless"));
    EXPECT_TRUE(names_marker_anchor("xORTEx"));
    EXPECT_TRUE(names_marker_anchor("xmpirun.realx"));
}

TEST(MarkerAnchor, AnOccurrenceAtTheVeryStartOrEnd) {
    for (std::string_view marker : {"Error", "Exception", "ORTE", "Invalid requirement", "mpirun.real"}) {
        std::string text = filler(300);
        EXPECT_TRUE(names_marker_anchor(std::string(marker) + text)) << marker;
        EXPECT_TRUE(names_marker_anchor(text + std::string(marker))) << marker;
        // One byte short at the end is no marker.
        EXPECT_FALSE(names_marker_anchor(text + std::string(marker.substr(0, marker.size() - 1)))) << marker;
    }
}

// The vector pass looks at 16 or 32 positions at a time and the last few
// bytes one by one: "mpirun.real" at every offset across those boundaries.
TEST(MarkerAnchor, MpirunRealAtEveryOffset) {
    for (std::size_t size : {11u, 12u, 26u, 42u, 43u, 74u, 75u, 200u}) {
        for (std::size_t at = 0; at + 11 <= size; ++at) {
            std::string text = filler(size);
            text.replace(at, 11, "mpirun.real");
            EXPECT_TRUE(names_marker_anchor(text)) << "size " << size << " at " << at;
            text[at + 10] = 'L';  // first and last letters are what the vector pass tests
            EXPECT_FALSE(names_marker_anchor(text)) << "size " << size << " at " << at;
            text[at + 10] = 'l';
            text[at + 6] = '_';  // the first and last letters match, the middle does not
            EXPECT_FALSE(names_marker_anchor(text)) << "size " << size << " at " << at;
        }
    }
}

TEST(MarkerAnchor, FirstAndLastLetterPairsWithoutTheMarker) {
    // 'm' with 'l' ten bytes on, many times, but never "mpirun.real".
    std::string text;
    for (int i = 0; i < 100; ++i) text += "m.........l";
    EXPECT_FALSE(names_marker_anchor(text));
    EXPECT_TRUE(names_marker_anchor(text + "mpirun.real"));
}

TEST(MarkerAnchor, OrteNeedsItsThreeLettersBeforeTheE) {
    EXPECT_TRUE(names_marker_anchor("ORTE"));
    EXPECT_FALSE(names_marker_anchor("RTE"));
    EXPECT_FALSE(names_marker_anchor("TE"));
    EXPECT_TRUE(names_marker_anchor("EEEORTEEE"));
}

// ---- the capture does not depend on how the stream is cut -------------------

struct Fed {
    bool found;
    std::string message;
    std::string tail;
};

Fed feed_in_pieces(std::string_view stream, const std::vector<std::size_t>& cuts) {
    StderrCapture c;
    std::size_t from = 0;
    for (std::size_t cut : cuts) {
        c.feed(stream.substr(from, cut - from));
        from = cut;
    }
    c.feed(stream.substr(from));
    c.finish();
    return {c.found_error_class(), c.error_message(), c.tail()};
}

TEST(CaptureChunks, AMarkerCutAnywhereIsStillFound) {
    for (std::string_view marker :
         {"ValueError", "Exception", "ORTE", "Invalid requirement", "mpirun.real"}) {
        std::string stream = filler(500) + "\nfailed: " + std::string(marker) + " here :\nlast line\n";
        std::string expected = "failed: " + std::string(marker) + " here\n last line";
        for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
            Fed fed = feed_in_pieces(stream, {cut});
            EXPECT_TRUE(fed.found) << marker << " cut at " << cut;
            EXPECT_EQ(fed.message, expected) << marker << " cut at " << cut;
            EXPECT_EQ(fed.tail, stream) << marker << " cut at " << cut;
        }
    }
}

TEST(CaptureChunks, OneByteAtATime) {
    std::string stream =
        filler(3000) + "\nTraceback (most recent call last):\nKeyError: 'lr'\nmpirun.real: done\n";
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < stream.size(); ++i) cuts.push_back(i);
    Fed fed = feed_in_pieces(stream, cuts);
    EXPECT_TRUE(fed.found);
    EXPECT_EQ(fed.message, "KeyError: 'lr'\n mpirun.real: done");
}

TEST(CaptureChunks, AMarkerAtTheStartOrEndOfAChunk) {
    // The chunk ends right after the marker, before its line ends; the next starts with the line's rest.
    Fed at_end = feed_in_pieces("ok\nRuntimeError", {});
    EXPECT_EQ(at_end.message, "RuntimeError");
    Fed split = feed_in_pieces("ok\nRuntimeError: x\n", {std::string_view("ok\nRuntimeError").size()});
    EXPECT_EQ(split.message, "RuntimeError: x");
    Fed at_start = feed_in_pieces("ok\nOSError: y\n", {3});  // second chunk starts with the marker
    EXPECT_EQ(at_start.message, "OSError: y");
    Fed no_newline = feed_in_pieces("ORTE was unable to start", {4});
    EXPECT_EQ(no_newline.message, "ORTE was unable to start");
}

TEST(CaptureChunks, MarkerAfterTheLineLimitIsSeen) {
    // A line is kept shortened to kMaxLine (1 KiB) but scanned whole: the marker
    // at its end starts the capture however the line is cut, also inside the marker.
    std::string stream = std::string(16384, 'x') + "ValueError\nlast\n";
    for (std::size_t cut : {0u, 100u, 16384u, 16388u, 16390u}) {
        Fed fed = feed_in_pieces(stream, {cut});
        EXPECT_TRUE(fed.found) << cut;
        EXPECT_EQ(fed.message, std::string(512, 'x') + "[... 15370 bytes cut ...]" + std::string(502, 'x') +
                                   "ValueError\n last")
            << cut;
    }
}

TEST(CaptureChunks, LongLinesBeforeTheMarker) {
    std::string stream = std::string(100'000, 'a') + "\n" + std::string(70'000, 'b') + "\nTypeError: z\n";
    for (std::size_t cut : {0u, 65'536u, 100'000u, 100'001u, 170'001u, 170'005u}) {
        Fed fed = feed_in_pieces(stream, {cut});
        EXPECT_TRUE(fed.found) << cut;
        EXPECT_EQ(fed.message, "TypeError: z") << cut;
        EXPECT_EQ(fed.tail.size(), StderrCapture::kTailLimit) << cut;
        EXPECT_EQ(fed.tail.substr(fed.tail.size() - 15), "b\nTypeError: z\n") << cut;
    }
}

// ---- the supervisor passing stderr on into a pipe ---------------------------

std::string numbers(int last) {
    std::string text;
    for (int i = 1; i <= last; ++i) text += std::to_string(i) + "\n";
    return text;
}

// sm-train's stderr is a pipe in a container: the data then goes through
// tee(2). A small, slow sink pipe makes the supervisor wait for it.
TEST(PipeSink, GetsEveryByteAndTheCaptureStillWorks) {
    SignalBlock signals;
    LateReader reader(std::chrono::milliseconds(100), 1000);
    fcntl(reader.write_end(), F_SETPIPE_SZ, 4096);
    SupervisorOptions options;
    StderrCapture capture;
    options.stderr_observer = &capture;
    options.stderr_sink = reader.write_end();
    RunResult r = supervise(shell("seq 1 100000 >&2; echo 'Traceback (most recent call last):' >&2; "
                                  "echo 'ValueError: bad value' >&2; echo done >&2; exit 1"),
                            signals, options);
    const std::string received = reader.finish();

    std::string expected;
    for (int i = 1; i <= 100000; ++i) expected += std::to_string(i) + "\n";
    expected += "Traceback (most recent call last):\nValueError: bad value\ndone\n";
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(received.size(), expected.size());
    EXPECT_TRUE(received == expected);
    EXPECT_EQ(capture.error_message(), "ValueError: bad value\n done");
    EXPECT_EQ(capture.tail(), expected.substr(expected.size() - StderrCapture::kTailLimit));
}

// More than the sink pipe holds even once sm-train has grown it (1 MiB), with
// a reader that starts late and reads in small pieces.
TEST(PipeSink, MoreThanThePipeHoldsArrivesWhole) {
    SignalBlock signals;
    LateReader reader(std::chrono::milliseconds(200), 3000);
    SupervisorOptions options;
    StderrCapture capture;
    options.stderr_observer = &capture;
    options.stderr_sink = reader.write_end();
    RunResult r =
        supervise(shell("seq 1 400000 >&2; echo 'OSError: disk full' >&2; exit 2"), signals, options);
    const std::string received = reader.finish();
    std::string expected = numbers(400000) + "OSError: disk full\n";  // 2.7 MB
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(received.size(), expected.size());
    EXPECT_TRUE(received == expected);
    EXPECT_EQ(capture.error_message(), "OSError: disk full");
    EXPECT_EQ(capture.tail(), expected.substr(expected.size() - StderrCapture::kTailLimit));
}

// The reader goes away early: the program runs to its end all the same and
// the capture still sees everything it wrote.
TEST(PipeSink, AClosedSinkStopsThePassingOnButNotTheCapture) {
    SignalBlock signals;
    int fds[2];
    ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
    std::string received;
    std::thread reader([&] {
        char buf[1000];
        ssize_t n = read(fds[0], buf, sizeof buf);
        if (n > 0) received.assign(buf, static_cast<std::size_t>(n));
        close(fds[0]);
    });
    SupervisorOptions options;
    StderrCapture capture;
    options.stderr_observer = &capture;
    options.stderr_sink = fds[1];
    RunResult r = supervise(shell("echo first >&2; sleep 0.2; seq 1 300000 >&2; "
                                  "echo 'ValueError: after the reader left' >&2; echo end >&2; exit 3"),
                            signals, options);
    reader.join();
    close(fds[1]);
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_EQ(received, "first\n");
    EXPECT_EQ(capture.error_message(), "ValueError: after the reader left\n end");
    std::string tail = capture.tail();
    EXPECT_EQ(tail.substr(tail.size() - 45), "300000\nValueError: after the reader left\nend\n");
}

}  // namespace
}  // namespace smtrain::launcher
