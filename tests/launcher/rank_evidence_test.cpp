// SPDX-License-Identifier: Apache-2.0
// Each rank's own evidence (issue 21): the last lines of each MPI rank from
// its rewritten tags, which ranks printed last before a hang, torchrun's
// stacks told apart by the order they were asked in, and an MPI worker's
// ranks asked for their stacks. The real runs are
// tests/runners/rank_evidence_real.sh.
#include "launcher/lifecycle/rank_evidence.hpp"

#include "launcher/lifecycle/hang_evidence.hpp"
#include "runners/mpi_output.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <string_view>

using namespace smtrain::launcher;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

TEST(RankLines, EachRankKeepsItsOwnLastLines) {
    RankLines lines;
    const Clock::time_point t0{};
    lines.observe("[1,mpirank:1,algo-2]<stdout>:epoch 1", t0);
    lines.observe("[1,mpirank:0,algo-1]<stderr>:rank 0 waiting[1,mpirank:0,algo-1]<stderr>:", t0);
    lines.observe("--------------------------------------------------------------------------", t0);
    lines.observe("[algo-1:05163] Warning: could not find environment variable \"LD_LIBRARY_PATH\"", t0);
    lines.observe("[1,mpirank:1,algo-2]<stderr>:ValueError: bad shard 17", t0);
    const auto reports = lines.reports();
    ASSERT_EQ(reports.size(), 2u);
    EXPECT_EQ(reports[0].rank, 0);
    EXPECT_EQ(reports[0].host, "algo-1");
    EXPECT_EQ(reports[0].last_lines, std::vector<std::string>{"rank 0 waiting"});
    EXPECT_EQ(reports[1].rank, 1);
    EXPECT_EQ(reports[1].host, "algo-2");
    EXPECT_EQ(reports[1].last_lines, (std::vector<std::string>{"epoch 1", "ValueError: bad shard 17"}));
    EXPECT_FALSE(reports[1].silent_s.has_value());  // no hang
    EXPECT_EQ(reports[1].source, "mpirun's rank tags");
}

TEST(RankLines, BoundedPerRankAndInRanks) {
    RankLines lines;
    for (int i = 0; i < 50; ++i) lines.observe("[1,mpirank:0,algo-1]<stdout>:step " + std::to_string(i));
    lines.observe("[1,mpirank:0,algo-1]<stdout>:" + std::string(2000, 'x'));
    auto reports = lines.reports();
    ASSERT_EQ(reports.size(), 1u);
    ASSERT_EQ(reports[0].last_lines.size(), 20u);
    EXPECT_EQ(reports[0].last_lines.front(), "step 31");
    EXPECT_EQ(reports[0].last_lines.back(), std::string(512, 'x'));
    for (int r = 1; r < 5000; ++r) lines.observe("[1,mpirank:" + std::to_string(r) + ",algo-1]<stdout>:x");
    EXPECT_EQ(lines.reports().size(), 4096u);
}

// After the watchdog fired, a rank's lines are its stacks; its silence is
// counted to the firing.
TEST(RankLines, AHangSplitsLastLinesFromStacksAndNamesWhoPrintedLast) {
    RankLines lines;
    const Clock::time_point t0{};
    lines.observe("[1,mpirank:0,algo-1]<stderr>:rank 0: waiting in a barrier", t0);
    lines.observe("[1,mpirank:1,algo-1]<stdout>:rank 1: loading shard 17", t0 + milliseconds(2000));
    lines.hang_seen(t0 + milliseconds(7000));
    lines.observe("[1,mpirank:1,algo-1]<stderr>:Fatal Python error: Aborted", t0 + milliseconds(7100));
    lines.observe("[1,mpirank:1,algo-1]<stderr>:  File \"train.py\", line 6 in <module>",
                  t0 + milliseconds(7100));
    const auto reports = lines.reports();
    ASSERT_EQ(reports.size(), 2u);
    EXPECT_EQ(reports[0].last_lines, std::vector<std::string>{"rank 0: waiting in a barrier"});
    EXPECT_DOUBLE_EQ(*reports[0].silent_s, 7.0);
    EXPECT_EQ(reports[0].stacks, "");
    EXPECT_EQ(reports[1].last_lines, std::vector<std::string>{"rank 1: loading shard 17"});
    EXPECT_DOUBLE_EQ(*reports[1].silent_s, 5.0);
    EXPECT_EQ(reports[1].stacks, "Fatal Python error: Aborted\n  File \"train.py\", line 6 in <module>");
    EXPECT_EQ(
        last_to_print(reports),
        "Last to print (rank tags): rank 1 on algo-1, 5.0 s before the watchdog fired: \"rank 1: loading "
        "shard 17\"; then rank 0 on algo-1, 7.0 s before: \"rank 0: waiting in a barrier\"");
}

TEST(RankLines, LastToPrintIsEmptyWithoutAHangAndCapped) {
    EXPECT_EQ(last_to_print({}), "");
    RankLines lines;
    lines.observe("[1,mpirank:0,algo-1]<stdout>:x");
    EXPECT_EQ(last_to_print(lines.reports()), "");  // no hang seen
    RankLines many;
    const Clock::time_point t0{};
    for (int r = 0; r < 10; ++r) many.observe("[1,mpirank:" + std::to_string(r) + ",algo-1]<stdout>:x", t0);
    many.hang_seen(t0 + milliseconds(1000));
    const std::string text = last_to_print(many.reports());
    EXPECT_NE(text.find("; and 2 more rank(s)"), std::string::npos) << text;
}

namespace {
const char* kDump0 =
    "Fatal Python error: Aborted\n\nCurrent thread 0x00007f70c2b8a040 (most recent call first):\n"
    "  File \"/usr/lib/python3/dist-packages/torch/distributed/distributed_c10d.py\", line 3152 in barrier\n"
    "  File \"/opt/ml/code/train.py\", line 8 in <module>\n\nExtension modules: torch._C (total: 1)";
const char* kDump1 =
    "Fatal Python error: Aborted\n\nCurrent thread 0x00007f55c9fda040 (most recent call first):\n"
    "  File \"/opt/ml/code/train.py\", line 6 in <module>\n\nExtension modules: torch._C (total: 1)";
}  // namespace

// torchrun's ranks share one stderr: their dumps are told apart by the order
// the watchdog asked them in, one at a time.
TEST(StacksInOrder, OneDumpPerRankAskedInTheOrderWritten) {
    const std::string text = std::string("rank 1: loading shard 17\n") + kDump0 + "\n" + kDump1 +
                             "\nERROR:torch.distributed.elastic.multiprocessing.api:failed\n";
    const auto dumps = stacks_in_order(text, 2);
    ASSERT_EQ(dumps.size(), 2u);
    EXPECT_EQ(dumps[0], kDump0);
    EXPECT_EQ(dumps[1], kDump1);
    // Fewer dumps than ranks asked: which is whose is unknown.
    EXPECT_TRUE(stacks_in_order(std::string(kDump0) + "\n", 2).empty());
    EXPECT_TRUE(stacks_in_order(text, 0).empty());
    // An earlier dump (a rank that aborted on its own before) is not one asked for.
    const auto last = stacks_in_order(std::string(kDump0) + "\n" + kDump1 + "\n", 1);
    ASSERT_EQ(last.size(), 1u);
    EXPECT_EQ(last[0], kDump1);
    // The marker inside a line is not a dump's start.
    EXPECT_TRUE(stacks_in_order("print: Fatal Python error: Aborted\n", 1).empty());
}

TEST(MergeReports, FillsWhatEachLacksByRank) {
    RankReport lines;
    lines.rank = 1;
    lines.host = "algo-1";
    lines.last_lines = {"rank 1 starting"};
    lines.source = "mpirun's rank tags";
    RankReport exit;
    exit.rank = 1;
    exit.host = "algo-1";
    exit.exit_code = 3;
    exit.error = "OSError: [Errno 5] Input/output error";
    exit.source = "mpirun's report";
    RankReport other;
    other.rank = 0;
    other.source = "torchrun's summary";
    std::vector<RankReport> into{lines};
    merge_reports(into, {exit, other});
    ASSERT_EQ(into.size(), 2u);
    EXPECT_EQ(into[0].rank, 0);
    EXPECT_EQ(into[1].rank, 1);
    EXPECT_EQ(into[1].last_lines, std::vector<std::string>{"rank 1 starting"});
    EXPECT_EQ(*into[1].exit_code, 3);
    EXPECT_EQ(into[1].error, "OSError: [Errno 5] Input/output error");
    EXPECT_EQ(into[1].source, "mpirun's rank tags; mpirun's report");
}

// An MPI worker asked by its master for its ranks' stacks: the Python rank
// under its (paused) MPI daemon, here a shell that stands for orted, writes
// its stack on SIGABRT, and the daemon is resumed after (mpi_local_two_hosts.sh
// hang is the real run, with orted on algo-2).
TEST(HangEvidence, AWorkersRankUnderItsPausedDaemonWritesItsStack) {
    if (::access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/python3";
    int err[2];
    ASSERT_EQ(::pipe2(err, O_CLOEXEC), 0);
    const char* script =
        "/usr/bin/python3 -c 'import sys, time\n"
        "def stuck_in_the_test():\n"
        "    print(\"ready\", file=sys.stderr, flush=True)\n"
        "    time.sleep(60)\n"
        "stuck_in_the_test()'; echo daemon resumed >&2";
    const char* argv[] = {"/bin/sh", "-c", script, nullptr};
    const char* envp[] = {"PYTHONFAULTHANDLER=1", "PATH=/usr/bin:/bin", nullptr};
    const rlimit no_core{0, 0};
    const pid_t daemon = ::fork();
    ASSERT_GE(daemon, 0);
    if (daemon == 0) {
        ::dup2(err[1], 2);
        ::setrlimit(RLIMIT_CORE, &no_core);
        ::execve(argv[0], const_cast<char* const*>(argv), const_cast<char* const*>(envp));
        ::_exit(127);
    }
    ::close(err[1]);
    // Everything the daemon's stderr gets, until EOF (or 20 s: a daemon left paused).
    std::string text;
    auto read_until = [&](std::string_view wanted) {
        const auto deadline = Clock::now() + std::chrono::seconds(20);
        char buffer[4096];
        while (Clock::now() < deadline && (wanted.empty() || text.find(wanted) == std::string::npos)) {
            pollfd p{err[0], POLLIN, 0};
            if (::poll(&p, 1, 100) != 1) continue;
            const ssize_t n = ::read(err[0], buffer, sizeof buffer);
            if (n <= 0) return;
            text.append(buffer, static_cast<std::size_t>(n));
        }
    };
    read_until("ready\n");
    ASSERT_NE(text.find("ready"), std::string::npos) << text;
    EXPECT_EQ(dump_stacks_of_local_ranks({"sh"}, std::chrono::seconds(4)), 1u);
    read_until("");
    ::close(err[0]);
    int status = 0;
    ::waitpid(daemon, &status, 0);
    EXPECT_NE(text.find("Fatal Python error: Aborted"), std::string::npos) << text;
    EXPECT_NE(text.find("in stuck_in_the_test"), std::string::npos) << text;
    EXPECT_NE(text.find("daemon resumed"), std::string::npos) << text;
    // Nothing else to ask now.
    EXPECT_EQ(dump_stacks_of_local_ranks({"sh"}, std::chrono::seconds(1)), 0u);
}

// The reason's last line is what the log shows: mpirun's raw tags rewritten
// as the relay rewrites them, without the fragment tag Open MPI left at the
// end (seen in runners_mpi_local_two_hosts_hang's reason before the fix).
TEST(HangEvidence, TheReasonsLastLineIsShownAsTheLogShowsIt) {
    const std::string raw = "[1,2]<stdout>:rank 2 of 4 on algo-2: started[1,2]<stdout>:";
    smtrain::process::Hang hang;
    hang.reason =
        "Hang: no progress for 15 s (SMTRAIN_HANG_PROGRESS_S); no line of output; last line 9.0 s before: "
        "\"" +
        raw + "\"";
    hang.last_line = raw;
    const std::vector<std::string> hosts{"algo-1", "algo-2"};
    show_the_last_line_as_logged(
        hang, [&](std::string_view line) { return smtrain::runners::rewrite_mpi_tags(line, 2, hosts); });
    EXPECT_EQ(
        hang.reason,
        "Hang: no progress for 15 s (SMTRAIN_HANG_PROGRESS_S); no line of output; last line 9.0 s before: "
        "\"[1,mpirank:2,algo-2]<stdout>:rank 2 of 4 on algo-2: started\"");

    smtrain::process::Hang plain;  // no rewriter (a plain program, torchrun): unchanged
    plain.reason = "Hang: no progress for 3 s; no line of output; last line 3.1 s before: \"step 1\"";
    plain.last_line = "step 1";
    const std::string before = plain.reason;
    show_the_last_line_as_logged(plain, {});
    EXPECT_EQ(plain.reason, before);
}
