// SPDX-License-Identifier: Apache-2.0
// The job's lifecycle through the real sm-train (issue 11): a stop is honoured in
// every phase (code download and extraction, pip, the DNS wait) with the phase
// named in output/failure; a stalled stderr never blocks supervision; a relative
// SAGEMAKER_BASE_DIR; the exit codes of reports that cannot be written.
#include "../support/child.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <atomic>

namespace smtrain::reliability {
namespace {

using Clock = std::chrono::steady_clock;

/// A loopback TCP port that completes every handshake (the kernel's backlog)
/// and never answers a byte: an S3 endpoint that hangs, as in the issue.
class SilentServer {
public:
    SilentServer() {
        fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            listen(fd_, 64) != 0)
            throw std::runtime_error("cannot listen on loopback");
        socklen_t len = sizeof addr;
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
    }
    ~SilentServer() { close(fd_); }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
    int fd_ = -1;
    int port_ = 0;
};

class Lifecycle : public ::testing::Test {
protected:
    void SetUp() override {
        base = tmp.path() / "opt_ml";
        write_one_host_config(base);
        hyperparameters(R"("sagemaker_program":"\"train.sh\"")");
    }
    void hyperparameters(const std::string& members) {
        write_file(base / "input/config/hyperparameters.json", "{" + members + "}");
    }
    void program(const std::string& script) {
        write_file(base / "code/train.sh", "#!/bin/sh\n" + script);
        fs::permissions(base / "code/train.sh", fs::perms(0755));
    }
    ChildSpec spec(std::chrono::seconds timeout = std::chrono::seconds(60)) {
        ChildSpec s;
        // SMTRAIN_TEST_SM_TRAIN runs these tests against another build (an old one, to see them fail).
        const char* other = std::getenv("SMTRAIN_TEST_SM_TRAIN");
        s.argv = {other && *other ? other : SMTRAIN_SM_TRAIN, "train"};
        s.env = base_environment(base, tmp.path());
        s.workdir = tmp.path();
        s.timeout = timeout;
        return s;
    }
    fs::path marker(const std::string& name) const { return tmp.path() / name; }
    std::string failure() const { return read_file(base / "output" / "failure"); }

    /// after_fork for a SIGTERM once sm-train's stderr has `text`, `delay` later;
    /// `signalled` is when it was sent.
    /// `count` SIGTERMs at once (a burst) instead of one.
    std::function<void(pid_t)> sigterm_when_logged(
        const std::string& text, Clock::time_point& signalled,
        std::chrono::milliseconds delay = std::chrono::milliseconds(300), int count = 1) {
        const fs::path err = tmp.path() / "child.stderr";
        return [err, text, delay, count, &signalled](pid_t pid) {
            const auto limit = Clock::now() + std::chrono::seconds(30);
            while (read_file(err).find(text) == std::string::npos && Clock::now() < limit)
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            std::this_thread::sleep_for(delay);
            signalled = Clock::now();
            for (int i = 0; i < count; ++i) kill(pid, SIGTERM);
        };
    }
    static double since(Clock::time_point t) {
        return std::chrono::duration<double>(Clock::now() - t).count();
    }

    TempDir tmp;
    fs::path base;
};

// ---- 1. a stop during the code download and extraction ------------------------------------

// Issue 11, item 1: an S3 endpoint that accepts and never answers kept sm-train
// downloading for minutes after SIGTERM, with no report at all.
TEST_F(Lifecycle, SigtermDuringCodeDownloadIsReportedWithinSeconds) {
    SilentServer s3;
    hyperparameters(
        R"("sagemaker_program":"\"train.sh\"","sagemaker_submit_directory":"\"s3://bucket/code.tar.gz\"")");
    fs::create_directories(base / "code");
    ChildSpec s = spec(std::chrono::seconds(60));
    s.env["S3_ENDPOINT_URL"] = s3.url();
    s.env["AWS_ACCESS_KEY_ID"] = "testing";
    s.env["AWS_SECRET_ACCESS_KEY"] = "testing";
    s.env["AWS_REGION"] = "us-east-1";
    Clock::time_point signalled{};
    s.after_fork = sigterm_when_logged("Downloading", signalled, std::chrono::milliseconds(1000));
    const ChildResult run = run_child(s);
    ASSERT_FALSE(run.timed_out) << run.err;
    EXPECT_LT(since(signalled), 15) << run.err;
    EXPECT_EQ(run.exit_code, 143) << run.err;
    EXPECT_EQ(failure(), "sm-train: stopped by SIGTERM during code download") << run.err;
}

/// A .tar.gz of `entries` directories nested 400 deep: slow to extract (issue 11, item 4).
void write_deep_tarball(const fs::path& file, int entries) {
    const std::string script =
        "import io, sys, tarfile\n"
        "with tarfile.open(sys.argv[1], 'w:gz') as t:\n"
        "    for i in range(int(sys.argv[2])):\n"
        "        info = tarfile.TarInfo('/'.join(['d'] * 400) + '/e' + str(i))\n"
        "        info.type = tarfile.DIRTYPE\n"
        "        t.addfile(info)\n"
        "    info = tarfile.TarInfo('train.sh')\n"
        "    data = b'#!/bin/sh\\nexit 0\\n'\n"
        "    info.size = len(data)\n"
        "    info.mode = 0o755\n"
        "    t.addfile(info, io.BytesIO(data))\n";
    ChildSpec s;
    s.argv = {"/usr/bin/python3", "-c", script, file.string(), std::to_string(entries)};
    s.env = {{"PATH", "/usr/bin:/bin"}};
    s.workdir = file.parent_path();
    const ChildResult run = run_child(s);
    ASSERT_EQ(run.exit_code, 0) << run.err;
}

// Item 1: extraction ran to its end (13 s in the issue) before the stop was seen.
TEST_F(Lifecycle, SigtermDuringCodeExtractionStopsIt) {
    const fs::path tarball = tmp.path() / "code.tar.gz";
    write_deep_tarball(tarball, 20000);
    hyperparameters(R"("sagemaker_program":"\"train.sh\"","sagemaker_submit_directory":")" +
                    tarball.string() + R"(")");
    ChildSpec s = spec(std::chrono::seconds(120));
    Clock::time_point signalled{};
    s.after_fork = sigterm_when_logged("Extracting", signalled);
    const ChildResult run = run_child(s);
    ASSERT_FALSE(run.timed_out) << run.err;
    EXPECT_LT(since(signalled), 15) << run.err;
    EXPECT_EQ(run.exit_code, 143) << run.err;
    EXPECT_EQ(failure(), "sm-train: stopped by SIGTERM during code extraction") << run.err;
    EXPECT_FALSE(fs::exists(base / "code/train.sh")) << "the extraction ran to its end";
}

// ---- a stop in the other phases before the program ----------------------------------------

/// A stop while sm-train waits for other hosts, before the program runs.
struct WaitCase {
    const char* name;
    const char* resourceconfig;
    bool mpi;             ///< sagemaker_mpi_enabled: the worker waits for its master's sshd
    const char* logged;   ///< the line of sm-train's log that says the wait began
    int sigterms;         ///< sent at once, 300 ms after that line
    const char* failure;  ///< output/failure, which names the phase
};

class SigtermBeforeTheProgram : public Lifecycle, public ::testing::WithParamInterface<WaitCase> {};

// The rows merge what launcher/process_test.cpp (one SIGTERM during the DNS
// wait), faults_test.cpp (a burst of 1000) and this file (the phase named, the
// MPI worker's wait) each tested (issue 19 item 7).
TEST_P(SigtermBeforeTheProgram, StopsTheWaitNamesThePhaseAndNeverRunsTheProgram) {
    const WaitCase& c = GetParam();
    write_file(base / "input/config/resourceconfig.json", c.resourceconfig);
    if (c.mpi) hyperparameters(R"("sagemaker_program":"\"train.sh\"","sagemaker_mpi_enabled":"true")");
    const fs::path ran = marker("ran");
    program("touch '" + ran.string() + "'\n");
    ChildSpec s = spec(std::chrono::seconds(60));
    if (!c.mpi) s.env.erase("SM_STUDIO_LOCAL_MODE");  // the DNS wait for the hosts
    Clock::time_point signalled{};
    s.after_fork = sigterm_when_logged(c.logged, signalled, std::chrono::milliseconds(300), c.sigterms);
    const ChildResult run = run_child(s);
    ASSERT_FALSE(run.timed_out) << run.err;
    EXPECT_LT(since(signalled), 15) << run.err;
    EXPECT_EQ(run.exit_code, 143) << run.err;
    EXPECT_FALSE(fs::exists(ran)) << "the program ran";
    EXPECT_EQ(failure(), c.failure) << run.err;
}

constexpr const char* kUnresolvedHost =
    R"({"current_host":"algo-1","hosts":["algo-1","no-such-host.invalid"]})";

INSTANTIATE_TEST_SUITE_P(
    Lifecycle, SigtermBeforeTheProgram,
    ::testing::Values(WaitCase{"dns_wait", kUnresolvedHost, false, "Waiting for host", 1,
                               "sm-train: stopped by SIGTERM during the wait for hosts"},
                      WaitCase{"dns_wait_burst_of_1000", kUnresolvedHost, false, "Waiting for host", 1000,
                               "sm-train: stopped by SIGTERM during the wait for hosts"},
                      WaitCase{
                          "mpi_worker_waiting_for_its_master",
                          R"({"current_host":"algo-2","hosts":["algo-1","algo-2"]})", true,
                          "Waiting for MPI Master", 1,
                          "sm-train: stopped by SIGTERM during the launch of the program (waiting for the "
                          "other hosts)"}),
    [](const auto& row) { return std::string(row.param.name); });

/// A bin dir whose python3 is a shell script: the install step's pip.
fs::path stand_in_python(const fs::path& dir, const std::string& body) {
    write_file(dir / "python3", "#!/bin/sh\n" + body);
    fs::permissions(dir / "python3", fs::perms(0755));
    return dir;
}

// pip that ignores SIGTERM: the grace period bounds the install step too, and
// the report is the install's (not the program's command, which never ran).
TEST_F(Lifecycle, SigtermDuringPipIsBoundedAndReportedAsTheInstall) {
    const fs::path ran = marker("ran");
    hyperparameters(R"("sagemaker_program":"\"train.py\"")");
    write_file(base / "code/train.py", "open('" + ran.string() + "', 'w')\n");
    write_file(base / "code/requirements.txt", "numpy\n");
    const fs::path bin = stand_in_python(
        tmp.path() / "bin", "trap '' TERM\necho pip-started >&2\nwhile :; do sleep 0.05; done\n");
    ChildSpec s = spec(std::chrono::seconds(60));
    s.env["PATH"] = bin.string() + ":/usr/bin:/bin";
    s.env["SMTRAIN_GRACE_PERIOD_S"] = "2";
    Clock::time_point signalled{};
    s.after_fork = sigterm_when_logged("pip-started", signalled);
    const ChildResult run = run_child(s);
    ASSERT_FALSE(run.timed_out) << run.err;
    EXPECT_LT(since(signalled), 15) << run.err;
    EXPECT_EQ(run.exit_code, 137) << run.err;
    EXPECT_FALSE(fs::exists(ran));
    const std::string report = failure();
    EXPECT_EQ(report.rfind("InstallRequirementsError:\nExitCode 137\n", 0), 0u) << report;
    EXPECT_NE(report.find("still running 2 s after SIGTERM"), std::string::npos) << report;
    EXPECT_NE(report.find("Command \"" + (bin / "python3").string() + " -m pip install"), std::string::npos)
        << report;
}

// ---- 2. a stalled stderr ----------------------------------------------------------------

/// A FIFO for sm-train's stderr whose read end the test holds and never reads.
struct StalledFifo {
    explicit StalledFifo(const fs::path& p) : path(p) {
        if (mkfifo(p.c_str(), 0600) != 0) throw std::runtime_error("mkfifo");
        read_end = open(p.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    }
    ~StalledFifo() { close(read_end); }
    /// Everything in the pipe now, without waiting.
    std::string drain() const {
        std::string text;
        char buf[65536];
        for (ssize_t n; (n = read(read_end, buf, sizeof buf)) > 0;)
            text.append(buf, static_cast<std::size_t>(n));
        return text;
    }
    fs::path path;
    int read_end = -1;
};

// Issue 11, item 2: with nobody reading sm-train's stderr, a SIGTERM was never
// forwarded, the grace kill never fired and no report was written.
TEST_F(Lifecycle, StalledStderrNeverBlocksSignalsGraceOrReport) {
    const fs::path started = marker("started");
    program("trap 'echo \"cuda init failed: device busy\" >&2; exit 3' TERM\ntouch '" + started.string() +
            "'\nwhile :; do echo 'a line of the training log, again and again' >&2; done\n");
    StalledFifo fifo(tmp.path() / "stderr.fifo");
    ChildSpec s = spec(std::chrono::seconds(60));
    s.stderr_path = fifo.path.string();
    s.env["SMTRAIN_GRACE_PERIOD_S"] = "3";
    Clock::time_point signalled{};
    s.after_fork = [&](pid_t pid) {
        const auto limit = Clock::now() + std::chrono::seconds(20);
        while (!fs::exists(started) && Clock::now() < limit)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        std::this_thread::sleep_for(std::chrono::seconds(1));  // long enough to fill every pipe
        signalled = Clock::now();
        kill(pid, SIGTERM);
    };
    const ChildResult run = run_child(s);
    ASSERT_FALSE(run.timed_out);
    EXPECT_LT(since(signalled), 15);
    EXPECT_EQ(run.exit_code, 3);
    const std::string report = failure();
    EXPECT_EQ(report.rfind("ExecuteUserScriptError:\nExitCode 3\n", 0), 0u) << report;
    EXPECT_NE(report.find("cuda init failed: device busy"), std::string::npos) << report;
}

// Item 2: what could not be written while the reader stalled is counted in the
// log once it reads again.
TEST_F(Lifecycle, OutputDroppedWhileStderrStalledIsCountedOnceItRecovers) {
    const fs::path flooded = marker("flooded");
    program("head -c 20000000 /dev/zero | tr '\\0' x >&2\ntouch '" + flooded.string() +
            "'\nsleep 3\necho done >&2\n");
    StalledFifo fifo(tmp.path() / "stderr.fifo");
    ChildSpec s = spec(std::chrono::seconds(60));
    s.stderr_path = fifo.path.string();
    std::string seen;
    std::atomic<bool> exited{false};
    std::thread reader;
    s.after_fork = [&](pid_t) {
        reader = std::thread([&] {
            const auto limit = Clock::now() + std::chrono::seconds(30);
            while (!fs::exists(flooded) && Clock::now() < limit)
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            while (!exited) {  // the reader recovers: reads everything from now on
                seen += fifo.drain();
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
            seen += fifo.drain();
        });
    };
    const ChildResult run = run_child(s);
    exited = true;
    reader.join();
    ASSERT_FALSE(run.timed_out);
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_NE(seen.find("bytes of the program's stderr were dropped"), std::string::npos)
        << seen.substr(seen.size() > 2000 ? seen.size() - 2000 : 0);
    EXPECT_NE(seen.find("done\n"), std::string::npos);
}

// ---- the two modes of supervision ----------------------------------------------------------

// The tests here and in faults_test run twice (tests.cmake): with sm-train as a
// subreaper, and as PID 1 of its own PID namespace (SMTRAIN_TEST_AS_PID1=1).
TEST_F(Lifecycle, SmTrainRunsInTheModeTheTestAsksFor) {
    const fs::path parent = marker("parent");
    program("echo $PPID > '" + parent.string() + "'\n");
    const ChildResult run = run_child(spec());
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const char* mode = std::getenv("SMTRAIN_TEST_AS_PID1");
    if (mode && std::string(mode) == "1") {
        EXPECT_EQ(read_file(parent), "1\n");
    } else {
        EXPECT_NE(read_file(parent), "1\n");
        EXPECT_EQ(run.err.find("cannot become a child subreaper"), std::string::npos) << run.err;
    }
}

// ---- 7. a relative SAGEMAKER_BASE_DIR ----------------------------------------------------

TEST_F(Lifecycle, RelativeBaseDirRunsTheProgram) {
    const fs::path ran = marker("ran");
    program("touch '" + ran.string() + "'\n");
    ChildSpec s = spec();
    s.env["SAGEMAKER_BASE_DIR"] = "opt_ml";
    const std::string dir = tmp.path().string();
    auto workdir = std::make_shared<std::string>(dir);
    s.before_exec = [workdir] { return chdir(workdir->c_str()) == 0; };
    const ChildResult run = run_child(s);
    ASSERT_FALSE(run.timed_out);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_TRUE(fs::exists(ran));
    EXPECT_TRUE(fs::exists(base / "output/success"));
}

// ---- 8. reports and exit codes -----------------------------------------------------------

// A read-only base dir whose code needs extracting: CannotWrite (73), as the table says.
TEST_F(Lifecycle, ReadOnlyBaseDirNeedingExtractionExits73) {
    const fs::path tarball = tmp.path() / "code.tar.gz";
    write_deep_tarball(tarball, 1);
    hyperparameters(R"("sagemaker_program":"\"train.sh\"","sagemaker_submit_directory":")" +
                    tarball.string() + R"(")");
    fs::create_directories(base / "code");
    fs::create_directories(base / "model");
    ChildSpec s = spec();
    auto target = std::make_shared<std::string>(base.string());
    s.before_exec = [target] {
        if (unshare(CLONE_NEWNS) != 0) return false;
        if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return false;
        if (mount(target->c_str(), target->c_str(), nullptr, MS_BIND, nullptr) != 0) return false;
        return mount(nullptr, target->c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) == 0;
    };
    const ChildResult run = run_child(s);
    if (run.exit_code == 251) GTEST_SKIP() << "no private mount namespace here";
    EXPECT_EQ(run.exit_code, 73) << run.err;
    EXPECT_NE(run.err.find("sm-train: "), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("Read-only file system"), std::string::npos) << run.err;
}

// A directory named output/failure: the report cannot be written, which is said
// on stderr with the reason, and the exit code is CannotWrite (73).
TEST_F(Lifecycle, FailureReportBlockedByADirectoryExits73WithTheReason) {
    program("echo 'cuda init failed: device busy' >&2\nexit 3\n");
    fs::create_directories(base / "output/failure");
    const ChildResult run = run_child(spec());
    ASSERT_FALSE(run.timed_out);
    EXPECT_EQ(run.exit_code, 73) << run.err;
    EXPECT_NE(run.err.find("sm-train: cannot write " + (base / "output/failure").string()), std::string::npos)
        << run.err;
    EXPECT_NE(run.err.find("ExitCode 3"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace smtrain::reliability
