// SPDX-License-Identifier: Apache-2.0
// The TensorFlow container's parameter-server job (training.py: _run_ps,
// _run_worker, _wait_until_master_is_down), against a recording System.
#include "runners/tensorflow.hpp"

#include <smtrain/error.hpp>

#include <gtest/gtest.h>

#include <csignal>
#include <future>
#include <mutex>
#include <thread>

using namespace smtrain::runners;
using smtrain::process::LineRewriter;
using smtrain::process::System;
using Argv = std::vector<std::string>;

namespace {

const std::string kTfConfig = R"({"cluster": {"master": ["algo-1:2222"]}, "environment": "cloud"})";

/// Records every call, in order, as one line each.
class RecordingSystem final : public System {
public:
    std::vector<std::string> calls;
    int import_status = 0;
    int master_up_polls = 0;  ///< how many can_connect calls answer "up"
    int stop_signal = 0;
    /// The parameter server exits at the first can_connect (during the wait for the master).
    std::optional<smtrain::process::DaemonExit> ps_exit_at_connect;

    pid_t start_daemon(const Argv& argv) override {
        calls.push_back("start " + join(argv));
        return 4242;
    }
    void stop_daemon(pid_t pid) override { calls.push_back("stop " + std::to_string(pid)); }
    /// The parameter server has exited (set by a test's worker, read by the watch's thread).
    void ps_exits(smtrain::process::DaemonExit exit) {
        const std::lock_guard lock(mutex_);
        ps_exit_ = std::move(exit);
    }
    std::optional<smtrain::process::DaemonExit> daemon_exited(pid_t) override {
        const std::lock_guard lock(mutex_);
        return ps_exit_;
    }
    void make_directory(const std::filesystem::path&, unsigned) override {}
    void announce(int port, std::string_view text, std::chrono::milliseconds) override {
        calls.push_back("announce " + std::to_string(port) + " " + std::string(text));
    }
    /// What another host announces (set by a test, read by the watch's thread).
    void announces(const std::string& host, std::string text) {
        const std::lock_guard lock(mutex_);
        announcer_ = host;
        announcement_ = std::move(text);
    }
    std::optional<std::string> read_announcement(const std::string& host, int port,
                                                 std::chrono::milliseconds) override {
        const std::lock_guard lock(mutex_);
        if (host != announcer_ || port != 7781 || announcement_.empty()) return std::nullopt;
        return announcement_;
    }
    int run_short(const Argv& argv, std::chrono::milliseconds) override {
        calls.push_back("run " + join(argv));
        return import_status;
    }
    bool can_connect(const std::string& host, int port, std::chrono::milliseconds) override {
        calls.push_back("connect " + host + ":" + std::to_string(port));
        if (ps_exit_at_connect) ps_exits(*std::exchange(ps_exit_at_connect, std::nullopt));
        return master_up_polls-- > 0;
    }
    std::vector<pid_t> find_own_descendants(const Argv&) override { return {}; }
    bool process_alive(pid_t) override { return false; }
    bool file_exists(const std::filesystem::path&) override { return false; }
    void append_file(const std::filesystem::path&, std::string_view) override {}
    void remove_file(const std::filesystem::path&) override {}
    int take_stop_signal() override { return std::exchange(stop_signal, 0); }
    std::chrono::steady_clock::time_point now() override { return {}; }
    void sleep_for(std::chrono::milliseconds d) override {
        calls.push_back("sleep " + std::to_string(d.count()));
    }

    static std::string join(const Argv& argv) {
        std::string out;
        for (const auto& a : argv) out += (out.empty() ? "" : "|") + a;
        return out;
    }

private:
    std::mutex mutex_;
    std::optional<smtrain::process::DaemonExit> ps_exit_;
    std::string announcer_, announcement_;
};

Plan ps_plan(const std::string& current) {
    Plan plan;
    plan.kind = RunnerKind::TfParameterServer;
    plan.all_hosts = {"algo-1", "algo-2", "algo-3"};
    plan.cluster.hosts = plan.all_hosts;
    plan.cluster.master = "algo-1";
    plan.cluster.current_host = current;
    plan.program = {EntryKind::PythonProgram, "/usr/bin/python3", "train.py", {"--epochs", "2"}};
    plan.framework_env = {{"TF_CONFIG", kTfConfig}};
    return plan;
}

const std::string kImport = "run /usr/bin/python3|-c|import tensorflow";

std::string ps_start(const std::string& index) {
    return "start " +
           RecordingSystem::join(parameter_server_argv("/usr/bin/python3", kTfConfig, std::stoul(index)));
}

/// What a run_parameter_server_job that must fail threw.
struct JobError {
    std::string what;
    smtrain::ExitCode exit_code{};
};

JobError job_error(const Plan& plan, RecordingSystem& system, const ProgramExecutor& execute,
                   const ProgramStopper& end_program = {}, const ParameterServerSettings& settings = {}) {
    try {
        run_parameter_server_job(plan, system, execute, end_program, settings);
    } catch (const smtrain::Error& e) {
        return {e.what(), e.exit_code()};
    }
    ADD_FAILURE() << "no error";
    return {};
}

/// A worker that runs until the job ends it: end_program() records each signal
/// sent, and the one named `ending` makes run() return `code`.
class EndableWorker {
public:
    EndableWorker(int ending, int code) : ending_(ending), code_(code) {}
    int run() { return end_.get_future().get(); }
    ProgramStopper end_program() {
        return [this](int signo) {
            sent.push_back(signo);
            if (signo == ending_) end_.set_value(code_);
        };
    }
    std::vector<int> sent;

private:
    const int ending_, code_;
    std::promise<int> end_;
};

/// Settings whose watch looks every `interval` (an hour: never).
ParameterServerSettings watch_every(std::chrono::milliseconds interval) {
    ParameterServerSettings settings;
    settings.daemon_check_interval = interval;
    return settings;
}

}  // namespace

TEST(ParameterServer, ArgvCarriesTheClusterAndTaskIndex) {
    const auto argv = parameter_server_argv("python3", kTfConfig, 2);
    ASSERT_EQ(argv.size(), 5u);
    EXPECT_EQ(argv[0], "python3");
    EXPECT_EQ(argv[1], "-c");
    EXPECT_NE(argv[2].find("job_name='ps'"), std::string::npos);
    EXPECT_NE(argv[2].find("device_count={'GPU': 0}"), std::string::npos);
    EXPECT_EQ(argv[3], kTfConfig);
    EXPECT_EQ(argv[4], "2");
}

TEST(ParameterServer, MasterStartsThePsThenTheWorkerAndDoesNotWait) {
    RecordingSystem system;
    std::vector<Argv> ran;
    const auto execute = [&](const Launch& launch, const LineRewriter&) {
        system.calls.push_back("worker " + RecordingSystem::join(launch.argv));
        ran.push_back(launch.argv);
        return 0;
    };
    EXPECT_EQ(run_parameter_server_job(ps_plan("algo-1"), system, execute), 0);
    EXPECT_EQ(system.calls,
              (Argv{kImport, ps_start("0"), "worker /usr/bin/python3|train.py|--epochs|2", "stop 4242"}));
}

TEST(ParameterServer, WorkerWaitsUntilTheMasterIsDownEveryTenSeconds) {
    RecordingSystem system;
    system.master_up_polls = 2;
    const auto execute = [&](const Launch&, const LineRewriter&) {
        system.calls.push_back("worker");
        return 0;
    };
    EXPECT_EQ(run_parameter_server_job(ps_plan("algo-3"), system, execute), 0);
    EXPECT_EQ(system.calls, (Argv{kImport, ps_start("2"), "worker", "connect algo-1:2222", "sleep 10000",
                                  "connect algo-1:2222", "sleep 10000", "connect algo-1:2222", "stop 4242"}));
}

TEST(ParameterServer, FailedWorkerDoesNotWaitAndKeepsItsStatus) {
    RecordingSystem system;
    system.master_up_polls = 5;
    const auto execute = [&](const Launch&, const LineRewriter&) { return 3; };
    EXPECT_EQ(run_parameter_server_job(ps_plan("algo-2"), system, execute), 3);
    EXPECT_EQ(system.calls, (Argv{kImport, ps_start("1"), "stop 4242"}));
}

TEST(ParameterServer, WithoutTensorFlowNothingStarts) {
    RecordingSystem system;
    system.import_status = 1;
    const auto execute = [&](const Launch&, const LineRewriter&) { return 0; };
    const JobError e = job_error(ps_plan("algo-1"), system, execute);
    EXPECT_EQ(e.exit_code, smtrain::ExitCode::BadConfig);
    EXPECT_EQ(e.what,
              "sagemaker_parameter_server_enabled: TensorFlow cannot be imported by /usr/bin/python3 (the "
              "parameter server is a TensorFlow process)");
    EXPECT_EQ(system.calls, (Argv{kImport}));
}

TEST(ParameterServer, StopSignalEndsTheWaitAndStopsThePs) {
    RecordingSystem system;
    system.master_up_polls = 100;
    system.stop_signal = 15;
    const auto execute = [&](const Launch&, const LineRewriter&) { return 0; };
    EXPECT_EQ(static_cast<int>(job_error(ps_plan("algo-2"), system, execute).exit_code), 143);
    EXPECT_EQ(system.calls.back(), "stop 4242");
}

// Issue 21 item 5: a parameter server that exits while the worker runs ends
// the worker (SIGTERM) and the job, with its stderr and its name in the reason.
TEST(ParameterServer, ItsDeathEndsTheWorkerWithItsStderr) {
    RecordingSystem system;
    EndableWorker worker(SIGTERM, 143);
    const auto execute = [&](const Launch&, const LineRewriter&) {
        // A few looks of the watch see it alive first (its announcement once
        // depended on the first look).
        std::this_thread::sleep_for(std::chrono::milliseconds(60));
        system.ps_exits({1, "I starting\nE grpc_server_lib.cc:  Could not start gRPC server\n"});
        return worker.run();
    };
    const JobError e = job_error(ps_plan("algo-1"), system, execute, worker.end_program(),
                                 watch_every(std::chrono::milliseconds(10)));
    EXPECT_EQ(e.exit_code, smtrain::ExitCode::Unavailable);
    EXPECT_EQ(e.what,
              "the TensorFlow parameter server on algo-1 exited with code 1 while the program ran: "
              "I starting | E grpc_server_lib.cc:  Could not start gRPC server");
    EXPECT_EQ(worker.sent, (std::vector<int>{SIGTERM}));
    // The other hosts are told, on the failure exchange's port, before the job ends here.
    ASSERT_GE(system.calls.size(), 2u);
    EXPECT_EQ(system.calls[system.calls.size() - 2],
              "announce 7781 the TensorFlow parameter server on algo-1 exited with code 1 while the program "
              "ran: I starting | E grpc_server_lib.cc:  Could not start gRPC server");
    EXPECT_EQ(system.calls.back(), "stop 4242");
}

// Another host's parameter server died: that host announces it, and this
// host's worker is ended with a reason naming that host and its daemon.
TEST(ParameterServer, AnotherHostsDeathEndsTheWorkerNamingIt) {
    RecordingSystem system;
    EndableWorker worker(SIGTERM, 143);
    const std::string theirs =
        "the TensorFlow parameter server on algo-3 exited with code 1 while the program ran: E grpc";
    const auto execute = [&](const Launch&, const LineRewriter&) {
        system.announces("algo-3", theirs);
        return worker.run();
    };
    const JobError e = job_error(ps_plan("algo-1"), system, execute, worker.end_program(),
                                 watch_every(std::chrono::milliseconds(10)));
    EXPECT_EQ(e.exit_code, smtrain::ExitCode::Unavailable);
    EXPECT_EQ(e.what, "algo-3 ended its job: " + theirs);
    EXPECT_EQ(worker.sent, (std::vector<int>{SIGTERM}));
    // Heard, not this host's own: not announced again.
    EXPECT_EQ(system.calls, (Argv{kImport, ps_start("0"), "stop 4242"}));
}

// A worker that failed on its own (its gRPC channel to a dead parameter server
// dropped) before the watch heard of it: that host's words come first.
TEST(ParameterServer, AWorkerThatFailedAfterAnotherHostsDeathNamesIt) {
    RecordingSystem system;
    const std::string theirs =
        "the TensorFlow parameter server on algo-2 exited with code 1 while the program ran";
    const auto execute = [&](const Launch&, const LineRewriter&) {
        system.announces("algo-2", theirs);
        return 1;
    };
    // The watch never looks.
    EXPECT_EQ(job_error(ps_plan("algo-3"), system, execute, nullptr, watch_every(std::chrono::hours(1))).what,
              "algo-2 ended its job: " + theirs + "; the program on algo-3 exited with code 1");
}

// The master's parameter server died: its worker went down (the wait sees the
// master down), and its announcement then ends the wait as a failure, not a success.
TEST(ParameterServer, AMasterThatAnnouncesItsDeathEndsTheWaitAsAFailure) {
    RecordingSystem system;
    system.master_up_polls = 0;
    const std::string theirs =
        "the TensorFlow parameter server on algo-1 exited with code 1 while the program ran";
    const auto execute = [&](const Launch&, const LineRewriter&) {
        system.announces("algo-1", theirs);
        return 0;
    };
    EXPECT_EQ(job_error(ps_plan("algo-2"), system, execute, nullptr, watch_every(std::chrono::hours(1))).what,
              "algo-1 ended its job: " + theirs);
}

TEST(ParameterServer, AWorkerThatIgnoresSigtermIsKilledAfterTheGrace) {
    RecordingSystem system;
    EndableWorker worker(SIGKILL, 137);
    const auto execute = [&](const Launch&, const LineRewriter&) {
        system.ps_exits({134, ""});
        return worker.run();
    };
    ParameterServerSettings settings = watch_every(std::chrono::milliseconds(10));
    settings.worker_grace = std::chrono::milliseconds(50);
    EXPECT_EQ(job_error(ps_plan("algo-1"), system, execute, worker.end_program(), settings).what,
              "the TensorFlow parameter server on algo-1 exited with code 134 while the program ran");
    EXPECT_EQ(worker.sent, (std::vector<int>{SIGTERM, SIGKILL}));
}

TEST(ParameterServer, ItsDeathEndsTheWaitForTheMaster) {
    RecordingSystem system;
    system.master_up_polls = 100;
    const auto execute = [&](const Launch&, const LineRewriter&) { return 0; };
    system.ps_exit_at_connect = smtrain::process::DaemonExit{0, "ps: done early\n"};
    // The watch never looks.
    EXPECT_EQ(job_error(ps_plan("algo-2"), system, execute, nullptr, watch_every(std::chrono::hours(1))).what,
              "the TensorFlow parameter server on algo-2 exited with code 0 while waiting for master "
              "algo-1: ps: done early");
    EXPECT_EQ(
        system.calls,
        (Argv{kImport, ps_start("1"), "connect algo-1:2222",
              "announce 7781 the TensorFlow parameter server on algo-2 exited with code 0 while waiting for "
              "master algo-1: ps: done early",
              "stop 4242"}));
}
