// SPDX-License-Identifier: Apache-2.0
// The one reaper (src/process/reaper.hpp): a supervisor that collects every
// child keeps the statuses of the others for their owners, and orphans go.
#include "process/reaper.hpp"
#include "../support/temp_tree.hpp"
#include "process/command.hpp"
#include "process/signals.hpp"
#include "process/spawn.hpp"
#include "process/supervisor.hpp"

#include <gtest/gtest.h>

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace smtrain::process {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

SpawnSpec shell(const std::string& script) {
    SpawnSpec spec;
    spec.program = "/bin/sh";
    spec.argv = {"/bin/sh", "-c", script};
    spec.env = to_envp(current_environ());
    return spec;
}

TEST(Reaper, AStatusIsTakenOnceAndOnlyAfterTheChildEnds) {
    const pid_t pid = spawn(shell("sleep 0.2; exit 7")).pid;
    EXPECT_EQ(Reaper::take(pid), std::nullopt);  // still running
    const auto status = Reaper::wait_until(pid, Clock::now() + 10s);
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(WIFEXITED(*status));
    EXPECT_EQ(WEXITSTATUS(*status), 7);
    EXPECT_EQ(Reaper::take(pid), std::nullopt);  // taken: gone
}

TEST(Reaper, WaitUntilGivesUpAtTheDeadline) {
    const pid_t pid = spawn(shell("sleep 5")).pid;
    const auto before = Clock::now();
    EXPECT_EQ(Reaper::wait_until(pid, before + 100ms), std::nullopt);
    EXPECT_LT(Clock::now() - before, 3s);
    // The whole group: the shell's sleep would otherwise outlive it (and, as
    // PID 1, come to us as an orphan the next tests would see).
    kill(-pid, SIGKILL);
    const auto status = Reaper::wait_until(pid, Clock::now() + 10s);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(exit_code_of(*status), 128 + SIGKILL);
    while (Reaper::collect() == 0 && waitpid(-1, nullptr, WNOHANG) == 0) std::this_thread::sleep_for(10ms);
}

// The defect of two reapers: the supervisor's waitpid(-1) used to take the
// status of a daemon the runner had started (a parameter server, sshd), and
// the runner's own waitpid(pid) then got ECHILD and an unknown status.
TEST(Reaper, TheSupervisorLeavesAnotherChildsStatusToItsOwner) {
    const SignalBlock signals;
    const pid_t daemon = spawn(shell("exit 5")).pid;  // ends while the program runs
    SupervisorOptions options;
    options.stderr_sink = -1;
    options.stdout_sink = -1;
    const RunResult result = supervise(shell("sleep 0.5; exit 3"), signals, options);
    EXPECT_EQ(result.exit_code, 3);
    const auto status = Reaper::take(daemon);
    ASSERT_TRUE(status.has_value()) << "the supervisor reaped the daemon and dropped its status";
    EXPECT_EQ(exit_code_of(*status), 5);
}

// As subreaper, the program's orphans become ours: collected, not kept.
TEST(Reaper, OrphansAreReapedAndForgotten) {
    ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
    // The shell starts a background child and exits at once: the child is re-parented here.
    const pid_t pid = spawn(shell("sleep 0.2 & exit 0")).pid;
    ASSERT_TRUE(Reaper::wait_until(pid, Clock::now() + 10s).has_value());
    const auto deadline = Clock::now() + 10s;
    int reaped = 0;
    while (reaped == 0 && Clock::now() < deadline) {
        reaped += Reaper::collect();
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(reaped, 1);
    int status = 0;
    EXPECT_EQ(waitpid(-1, &status, WNOHANG), -1);  // nothing left behind
    prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
}

TEST(Spawn, StandardDescriptorsGoWhereTheSpecSays) {
    char in_template[] = "/tmp/smtrain-spawn-in-XXXXXX";
    char out_template[] = "/tmp/smtrain-spawn-out-XXXXXX";
    const int in = mkstemp(in_template);
    const int out = mkstemp(out_template);
    ASSERT_GE(in, 0);
    ASSERT_GE(out, 0);
    ASSERT_EQ(write(in, "hello\n", 6), 6);
    lseek(in, 0, SEEK_SET);
    SpawnSpec spec = shell("read line; echo \"got $line\"; echo oops >&2");
    spec.stdin_fd = in;
    spec.stdout_fd = out;
    spec.stderr_fd = out;
    const pid_t pid = spawn(spec).pid;
    const auto status = Reaper::wait_until(pid, Clock::now() + 10s);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(exit_code_of(*status), 0);
    std::string text(64, '\0');
    const ssize_t n = pread(out, text.data(), text.size(), 0);
    ASSERT_GT(n, 0);
    text.resize(static_cast<std::size_t>(n));
    EXPECT_EQ(text, "got hello\noops\n");
    close(in);
    close(out);
    unlink(in_template);
    unlink(out_template);
}

TEST(Spawn, AMissingProgramIsASpawnErrorAndLeavesNoChild) {
    SpawnSpec spec;
    spec.program = "/nonexistent/program";
    spec.argv = {"program"};
    try {
        spawn(spec);
        FAIL() << "spawned a program that does not exist";
    } catch (const SpawnError& e) {
        EXPECT_EQ(e.step(), "execve");
        EXPECT_EQ(e.exit_code(), ExitCode::NotFound);
        EXPECT_EQ(std::string(e.what()),
                  "cannot run /nonexistent/program: execve: No such file or directory");
    }
    int status = 0;
    EXPECT_EQ(waitpid(-1, &status, WNOHANG), -1);  // the failed child was reaped
}

TEST(FindInPath, FirstExecutableOnThePathAndTheDefaultWithoutOne) {
    EXPECT_EQ(find_in_path("sh", Environ{{"PATH", "/nonexistent:/bin"}}), std::filesystem::path("/bin/sh"));
    EXPECT_EQ(find_in_path("no-such-program-here", Environ{{"PATH", "/bin"}}), std::filesystem::path());
    EXPECT_EQ(find_in_path("./train.sh", Environ{}),
              std::filesystem::path("./train.sh"));  // a path: as it is
    // No PATH: /usr/local/bin:/usr/bin:/bin (src/lib/path_search.hpp).
    EXPECT_EQ(find_in_path("sh", Environ{}), std::filesystem::path("/usr/bin/sh"));
}

TEST(FindInPath, ADirectoryNamedAgainIsSkippedOnlyWhenSpelledTheSame) {
    // A repeated directory is searched once (as shutil.which does); only the
    // same spelling is a repeat: "/b" is not "/bin", "/bin/" is not "/bin".
    EXPECT_EQ(find_in_path("sh", Environ{{"PATH", "/nonexistent:/nonexistent:/bin"}}).string(), "/bin/sh");
    EXPECT_EQ(find_in_path("sh", Environ{{"PATH", "/b:/bin"}}).string(), "/bin/sh");
    EXPECT_EQ(find_in_path("sh", Environ{{"PATH", "/bin/:/bin"}}).string(), "/bin/sh");
    EXPECT_EQ(find_in_path("sh", Environ{{"PATH", "/usr/bin:/nonexistent:/usr/bin:/bin"}}).string(),
              "/usr/bin/sh");
    EXPECT_EQ(find_in_path("sh", Environ{{"PATH", "/nonexistent:/bi:/nonexistent:/bin"}}).string(),
              "/bin/sh");
    EXPECT_EQ(find_in_path("no-such-program-here", Environ{{"PATH", "/bin:/bin:/bin"}}),
              std::filesystem::path());
}

TEST(FindInPath, CandidatesAreSpelledAsDirSlashName) {
    // A directory ending in '/' gets no second one, and an empty one is ".", as
    // std::filesystem::path's `dir / name` spells them (the search builds the
    // strings itself, issue 19 item 9).
    EXPECT_EQ(find_in_path("sh", Environ{{"PATH", "/nonexistent::/bin/"}}).string(), "/bin/sh");
    EXPECT_EQ(find_in_path("sh", Environ{{"PATH", "//bin"}}).string(), "//bin/sh");
    const smtrain::testing::TempDir tmp;
    const std::filesystem::path& dir = tmp.path();
    const std::filesystem::path before = std::filesystem::current_path();
    std::filesystem::current_path(dir);
    std::filesystem::copy_file("/bin/true", dir / "prog");
    EXPECT_EQ(find_in_path("prog", Environ{{"PATH", "/nonexistent:"}}).string(), "./prog");
    std::filesystem::current_path(before);
}

}  // namespace
}  // namespace smtrain::process
