// SPDX-License-Identifier: Apache-2.0
// OutputSink (output_sink.hpp): what a reader of sm-train's stderr gets when it
// reads, reads late, stops reading, or leaves; and that writing never waits.
#include "process/output_sink.hpp"
#include "../support/temp_tree.hpp"
#include "process/signals.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <string>
#include <thread>

namespace smtrain::process {
namespace {

using Clock = std::chrono::steady_clock;
using smtrain::testing::read_file;
using smtrain::testing::TempDir;

/// A pipe nobody reads until read_all() is called.
class Pipe {
public:
    Pipe() {
        if (pipe2(fds_, O_CLOEXEC) != 0) ADD_FAILURE() << "pipe2: " << errno;
    }
    ~Pipe() {
        for (int fd : fds_)
            if (fd >= 0) close(fd);
    }
    Pipe(const Pipe&) = delete;
    Pipe& operator=(const Pipe&) = delete;

    int write_end() const { return fds_[1]; }
    void close_read_end() {
        close(fds_[0]);
        fds_[0] = -1;
    }
    void close_write_end() {
        close(fds_[1]);
        fds_[1] = -1;
    }
    /// Starts reading, in a thread, until every writer is gone.
    void start_reading() {
        reader_ = std::thread([this] {
            char buf[65536];
            ssize_t n;
            while ((n = read(fds_[0], buf, sizeof buf)) > 0)
                received_.append(buf, static_cast<std::size_t>(n));
        });
    }
    /// What the reader got, once every writer has closed its end.
    std::string received() {
        close_write_end();
        reader_.join();
        return received_;
    }

private:
    int fds_[2] = {-1, -1};
    std::thread reader_;
    std::string received_;
};

/// `size` bytes that show their order (a shifted copy would not compare equal).
std::string numbered(std::size_t size) {
    std::string text;
    for (std::size_t line = 0; text.size() < size; ++line) text += std::to_string(line) + "\n";
    text.resize(size);
    return text;
}

TEST(OutputSink, AReaderThatReadsGetsEverythingInOrder) {
    Pipe pipe;
    pipe.start_reading();
    const std::string text = numbered(3 << 20);
    {
        OutputSink sink(pipe.write_end(), "stderr");
        for (std::size_t at = 0; at < text.size(); at += 100'000)
            sink.write(std::string_view(text).substr(at, 100'000));
        sink.drain(10'000);
        EXPECT_EQ(sink.dropped(), 0u);
    }
    EXPECT_EQ(pipe.received(), text);
}

TEST(OutputSink, WritingNeverWaitsForAReaderThatIsNotReadingAndKeepsTheBytesForIt) {
    Pipe pipe;  // read by nobody yet: a pipe's 64 KiB fill at once
    const std::string text = numbered(1 << 20);
    {
        OutputSink sink(pipe.write_end(), "stderr");
        sink.write(text);  // a sink that waited would never return here
        EXPECT_TRUE(sink.has_queued());
        EXPECT_EQ(sink.dropped(), 0u);
        EXPECT_FALSE(sink.flush()) << "nobody has read yet";
        pipe.start_reading();
        sink.drain(10'000);
        EXPECT_FALSE(sink.has_queued());
    }
    EXPECT_EQ(pipe.received(), text);
}

TEST(OutputSink, TheProgramsDescriptorNeverBecomesNonBlocking) {
    Pipe pipe;
    OutputSink sink(pipe.write_end(), "stderr");
    sink.write(numbered(1 << 20));
    // The program shares this descriptor's file description: a program that
    // found its stderr non-blocking would fail its own writes with EAGAIN.
    EXPECT_EQ(fcntl(pipe.write_end(), F_GETFL) & O_NONBLOCK, 0);
}

TEST(OutputSink, WhatDoesNotFitIsDroppedCountedAndSaidOnceTheReaderIsBack) {
    Pipe pipe;
    const std::string chunk = numbered(1 << 20);
    std::size_t written = 0;
    std::string received;
    std::uint64_t dropped = 0;
    {
        OutputSink sink(pipe.write_end(), "stderr");
        while (written < OutputSink::kQueueLimit + (2 << 20)) {
            sink.write(chunk);
            written += chunk.size();
        }
        EXPECT_FALSE(sink.accepts(chunk.size()));
        dropped = sink.dropped();
        EXPECT_GT(dropped, 0u);
        EXPECT_EQ(dropped % chunk.size(), 0u) << "a write is queued whole or dropped whole";
        pipe.start_reading();
        sink.drain(10'000);
    }
    received = pipe.received();
    const std::string notice = "sm-train: " + std::to_string(dropped) +
                               " bytes of the program's stderr were dropped: nobody read sm-train's stderr\n";
    ASSERT_EQ(received.size(), written - dropped + notice.size());
    EXPECT_EQ(received.substr(received.size() - notice.size()), notice);
    EXPECT_EQ(received.substr(0, chunk.size()), chunk);
}

TEST(OutputSink, DrainGivesUpOnAReaderThatTakesNothing) {
    Pipe pipe;
    OutputSink sink(pipe.write_end(), "stderr");
    sink.write(numbered(1 << 20));
    const auto start = Clock::now();
    sink.drain(300);
    const auto took = Clock::now() - start;
    EXPECT_GE(took, std::chrono::milliseconds(250));
    EXPECT_LT(took, std::chrono::seconds(10)) << "drain waited for a reader that never came";
    EXPECT_TRUE(sink.has_queued());
    EXPECT_GE(sink.stalled_for(), std::chrono::milliseconds(250));
}

TEST(OutputSink, ARegularFileGetsEverythingAtOnce) {
    TempDir tree;
    const auto path = tree.path() / "log";
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    const std::string text = numbered(8 << 20);
    {
        OutputSink sink(fd, "stdout");
        sink.write(text);
        EXPECT_FALSE(sink.has_queued());
        EXPECT_EQ(sink.dropped(), 0u);
    }
    close(fd);
    EXPECT_EQ(read_file(path), text);
}

TEST(OutputSink, AReaderThatLeftDisablesTheSinkWithoutAnError) {
    SignalBlock signals;  // SIGPIPE blocked, as in sm-train: the write fails with EPIPE instead
    Pipe pipe;
    pipe.close_read_end();
    {
        OutputSink sink(pipe.write_end(), "stderr");
        sink.write("nobody hears this\n");
        EXPECT_EQ(sink.fd(), -1);
        sink.write("nor this\n");
        EXPECT_FALSE(sink.has_queued());
        EXPECT_TRUE(sink.accepts(1 << 30)) << "a disabled sink never holds the supervisor's reads back";
    }
    // The SIGPIPE the write raised, taken so it reaches no later test.
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    const timespec now{0, 0};
    sigtimedwait(&pipe_only, nullptr, &now);
}

TEST(OutputSink, AnInvalidDescriptorIsASinkThatWritesNothing) {
    OutputSink sink(-1, "stderr");
    sink.write("dropped\n");
    EXPECT_EQ(sink.fd(), -1);
    EXPECT_FALSE(sink.has_queued());
}

}  // namespace
}  // namespace smtrain::process
