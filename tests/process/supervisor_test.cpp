// SPDX-License-Identifier: Apache-2.0
// supervise() on small shell programs: the exit code or signal, stderr passed
// on as it came (into files and slow pipes) and captured, stdout's lines
// rewritten whole, a missing program, a script without a shebang.
#include "supervisor.hpp"
#include "../support/temp_tree.hpp"
#include "late_reader.hpp"
#include "signals.hpp"
#include "stderr_capture.hpp"

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

TEST(Supervisor, ExitCodeAndStderrTail) {
    SignalBlock signals;
    TempDir tree;
    int sink = open((tree.path() / "err").c_str(), O_WRONLY | O_CREAT, 0644);
    SupervisorOptions options;
    options.stderr_sink = sink;
    RunResult r = supervise(shell("echo one >&2; echo two >&2; exit 7"), signals, options);
    close(sink);
    EXPECT_EQ(r.exit_code, 7);
    EXPECT_EQ(r.stderr_capture.tail(), "one\ntwo\n");
    EXPECT_EQ(read_file(tree.path() / "err"), "one\ntwo\n");  // passed through as it came
}

// sm-train's stderr is a pipe in a container: the data then goes through
// tee(2). A small, slow sink pipe makes the supervisor wait for it.
TEST(Supervisor, PipeSinkGetsEveryByteAndTheCaptureStillWorks) {
    SignalBlock signals;
    LateReader reader(std::chrono::milliseconds(100), 1000);
    fcntl(reader.write_end(), F_SETPIPE_SZ, 4096);
    SupervisorOptions options;
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
    EXPECT_EQ(r.stderr_capture.error_message(), "ValueError: bad value\n done");
    EXPECT_EQ(r.stderr_capture.tail(), expected.substr(expected.size() - StderrCapture::kTailLimit));
}

TEST(Supervisor, KilledBySignal) {
    SignalBlock signals;
    SupervisorOptions options;
    options.stderr_sink = -1;
    RunResult r = supervise(shell("kill -USR1 $$"), signals, options);
    EXPECT_EQ(r.exit_code, 128 + SIGUSR1);
    EXPECT_EQ(r.term_signal, SIGUSR1);
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
    RunResult r = supervise(spec, signals, options);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.stderr_capture.tail(), "from sh: a b\n");
}

}  // namespace
}  // namespace smtrain::process
