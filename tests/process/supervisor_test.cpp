// SPDX-License-Identifier: Apache-2.0
// supervise() on small shell programs: the exit code or signal, stderr passed
// on as it came (into files and slow pipes) and captured, stdout's lines
// rewritten whole, a missing program, a script without a shebang.
// (What the report makes of stderr: tests/launcher/capture_scan_test.cpp.)
#include "process/supervisor.hpp"
#include "../support/temp_tree.hpp"
#include "late_reader.hpp"
#include "process/signals.hpp"

#include <smtrain/error.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

namespace smtrain::process {
namespace {

using smtrain::testing::read_file;
using smtrain::testing::TempDir;

std::string numbers(int last) {
    std::string text;
    for (int i = 1; i <= last; ++i) text += std::to_string(i) + "\n";
    return text;
}

TEST(Supervisor, ExitCodeAndStderrTail) {
    SignalBlock signals;
    TempDir tree;
    int sink = open((tree.path() / "err").c_str(), O_WRONLY | O_CREAT, 0644);
    SupervisorOptions options;
    options.stderr_sink = sink;
    StreamRecorder seen;
    options.stderr_observer = &seen;
    RunResult r = supervise(shell("echo one >&2; echo two >&2; exit 7"), signals, options);
    close(sink);
    EXPECT_EQ(r.exit_code, 7);
    EXPECT_EQ(seen.bytes, "one\ntwo\n");
    EXPECT_EQ(read_file(tree.path() / "err"), "one\ntwo\n");  // passed through as it came
}

// sm-train's stderr is a pipe in a container: the data then goes through
// tee(2) and splice(2). A small, slow sink pipe makes the supervisor wait for it,
// and the observer (the launcher's capture) gets every byte as well.
TEST(Supervisor, PipeSinkAndTheObserverGetEveryByte) {
    SignalBlock signals;
    LateReader reader(std::chrono::milliseconds(100), 1000);
    fcntl(reader.write_end(), F_SETPIPE_SZ, 4096);
    SupervisorOptions options;
    StreamRecorder seen;
    options.stderr_observer = &seen;
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
    EXPECT_TRUE(seen.bytes == expected) << "the observer missed bytes: " << seen.bytes.size();
    EXPECT_TRUE(seen.ended);
}

TEST(Supervisor, KilledBySignal) {
    SignalBlock signals;
    SupervisorOptions options;
    options.stderr_sink = -1;
    RunResult r = supervise(shell("kill -USR1 $$"), signals, options);
    EXPECT_EQ(r.exit_code, 128 + SIGUSR1);
    EXPECT_EQ(r.term_signal, SIGUSR1);
}

// The program starts with every signal at its default, whatever sm-train
// inherited or set (an ignored SIGHUP under nohup, SIGPIPE ignored by libcurl
// around a transfer): the child resets what /proc/self/status says is not
// SIG_DFL here (spawn.cpp), and execve resets what is caught.
TEST(Supervisor, TheProgramStartsWithNoSignalIgnored) {
    SignalBlock signals;
    TempDir tree;
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    struct sigaction caught {};
    caught.sa_handler = [](int) {};
    struct sigaction old_hup {
    }, old_pipe{}, old_usr1{}, old_usr2{};
    ASSERT_EQ(sigaction(SIGHUP, &ignore, &old_hup), 0);
    ASSERT_EQ(sigaction(SIGPIPE, &ignore, &old_pipe), 0);
    ASSERT_EQ(sigaction(SIGUSR1, &ignore, &old_usr1), 0);
    ASSERT_EQ(sigaction(SIGUSR2, &caught, &old_usr2), 0);
    const int out = open((tree.path() / "status").c_str(), O_WRONLY | O_CREAT, 0644);
    SpawnSpec spec;
    // cat, which sets no disposition of its own (grep catches SIGSEGV).
    spec.program = "/bin/cat";
    spec.argv = {"cat", "/proc/self/status"};
    spec.stdout_fd = out;
    const RunResult r = supervise(spec, signals, SupervisorOptions{});
    close(out);
    sigaction(SIGHUP, &old_hup, nullptr);
    sigaction(SIGPIPE, &old_pipe, nullptr);
    sigaction(SIGUSR1, &old_usr1, nullptr);
    sigaction(SIGUSR2, &old_usr2, nullptr);
    EXPECT_EQ(r.exit_code, 0);
    const std::string status = read_file(tree.path() / "status");
    EXPECT_NE(status.find("\nSigIgn:\t0000000000000000\n"), std::string::npos) << status;
    EXPECT_NE(status.find("\nSigCgt:\t0000000000000000\n"), std::string::npos) << status;
}

TEST(Supervisor, LineRewriterSeesWholeLines) {
    SignalBlock signals;
    TempDir tree;
    int sink = open((tree.path() / "out").c_str(), O_WRONLY | O_CREAT, 0644);
    SupervisorOptions options;
    options.stdout_sink = sink;
    options.stdout_rewriter = [](std::string_view line) { return "<" + std::string(line) + ">"; };
    RunResult r =
        supervise(shell("printf 'a'; sleep 0.05; printf 'b\\nc\\n'; printf 'tail'"), signals, options);
    close(sink);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(read_file(tree.path() / "out"), "<ab>\n<c>\n<tail>");
}

TEST(Supervisor, MissingProgramIsASpawnError) {
    SignalBlock signals;
    SpawnSpec spec;
    spec.program = "/nonexistent/program";
    try {
        supervise(spec, signals);
        FAIL();
    } catch (const SpawnError& e) {
        EXPECT_EQ(e.exit_code(), ExitCode::NotFound);
        EXPECT_EQ(std::string(e.what()),
                  "cannot run /nonexistent/program: execve: No such file or directory");
    }
}

TEST(Supervisor, ScriptWithoutShebangFallsBackToSh) {
    SignalBlock signals;
    TempDir tree;
    auto script = tree.write_executable("code/noshebang", "echo \"from sh: $1\" >&2\n");
    SpawnSpec spec;
    spec.program = script;
    spec.argv = {"./noshebang", "a b"};
    spec.sh_fallback_on_enoexec = true;
    SupervisorOptions options;
    options.stderr_sink = -1;
    StreamRecorder seen;
    options.stderr_observer = &seen;
    RunResult r = supervise(spec, signals, options);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(seen.bytes, "from sh: a b\n");
}

TEST(PipeSink, ANonBlockingSinkIsWaitedFor) {
    SignalBlock signals;
    LateReader reader(std::chrono::milliseconds(200), 512);
    const int sink = reader.write_end();
    fcntl(sink, F_SETFL, fcntl(sink, F_GETFL) | O_NONBLOCK);
    SupervisorOptions options;
    StreamRecorder seen;  // the launcher always observes: the tee/splice path
    options.stderr_observer = &seen;
    options.stderr_sink = sink;
    RunResult r = supervise(shell("seq 1 300000 >&2; exit 0"), signals, options);
    const std::string received = reader.finish();
    std::string expected = numbers(300000);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(received.size(), expected.size());
    EXPECT_TRUE(received == expected);
}

TEST(PipeSink, ASmallSinkPipeIsGrownAndALargeOneKept) {
    SignalBlock signals;
    int small[2], large[2];
    ASSERT_EQ(pipe2(small, O_CLOEXEC), 0);
    ASSERT_EQ(pipe2(large, O_CLOEXEC), 0);
    ASSERT_EQ(fcntl(small[1], F_SETPIPE_SZ, 4096), 4096);
    // 2 MiB is over the default pipe-max-size for unprivileged users: skip that half then.
    bool have_large = fcntl(large[1], F_SETPIPE_SZ, 2 << 20) == (2 << 20);
    SupervisorOptions options;
    StreamRecorder seen;  // the launcher always observes: the tee/splice path
    options.stderr_observer = &seen;
    options.stderr_sink = small[1];
    supervise(shell("echo a >&2"), signals, options);
    EXPECT_EQ(fcntl(small[1], F_GETPIPE_SZ), 1 << 20);
    if (have_large) {
        options.stderr_sink = large[1];
        supervise(shell("echo b >&2"), signals, options);
        EXPECT_EQ(fcntl(large[1], F_GETPIPE_SZ), 2 << 20);
    }
    char buf[8];
    EXPECT_EQ(read(small[0], buf, sizeof buf), 2);
    for (int fd : {small[0], small[1], large[0], large[1]}) close(fd);
}

}  // namespace
}  // namespace smtrain::process
