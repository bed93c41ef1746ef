// SPDX-License-Identifier: Apache-2.0
// The deadline warning's timer and targets, its settings, and `local
// --interrupt-after`'s durations (issue 22). The end-to-end checks with real
// torchrun and mpirun are tests/launcher/checkpoints/deadline_warning.sh.
#include "launcher/lifecycle/deadline_warning.hpp"
#include "launcher/devloop/local_command.hpp"
#include "launcher/lifecycle/settings.hpp"
#include "process/reaper.hpp"
#include "process/spawn.hpp"

#include <smtrain/error.hpp>

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>

#include <chrono>

namespace smtrain::launcher {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

pid_t start(std::vector<std::string> argv) {
    process::SpawnSpec spec;
    spec.program = argv.front();
    spec.argv = std::move(argv);
    return process::spawn(spec).pid;
}

int wait_status(pid_t pid) {
    const auto status = process::Reaper::wait_until(pid, Clock::now() + 20s);
    EXPECT_TRUE(status) << "still running";
    return status.value_or(0);
}

TEST(DeadlineWarning, SignalNames) {
    EXPECT_EQ(parse_signal("USR1"), SIGUSR1);
    EXPECT_EQ(parse_signal("SIGUSR2"), SIGUSR2);
    EXPECT_EQ(parse_signal("SIGTERM"), SIGTERM);
    EXPECT_EQ(parse_signal("10"), 10);
    EXPECT_FALSE(parse_signal("KILL"));  // cannot be handled: not a warning
    EXPECT_FALSE(parse_signal("9"));
    EXPECT_FALSE(parse_signal("usr1"));
    EXPECT_FALSE(parse_signal("65"));
    EXPECT_FALSE(parse_signal(""));
}

TEST(DeadlineWarning, TargetsPerRunner) {
    EXPECT_EQ(warning_target(runners::RunnerKind::Process), WarningTarget::ProcessGroup);
    EXPECT_EQ(warning_target(runners::RunnerKind::TorchDistributed), WarningTarget::Children);
    EXPECT_EQ(warning_target(runners::RunnerKind::Mpi), WarningTarget::Launcher);
    EXPECT_EQ(warning_target(runners::RunnerKind::SmDataParallel), WarningTarget::Launcher);
}

TEST(DeadlineWarning, ReachesTheProgramAtTheTimeAsked) {
    const auto lead = 10s;
    DeadlineWarning warning(std::chrono::system_clock::now() + lead + 700ms, {SIGUSR1, lead},
                            WarningTarget::ProcessGroup);
    const auto started = Clock::now();
    const pid_t pid = start({"/bin/sleep", "10"});
    warning.program_started(pid);
    const int status = wait_status(pid);
    const auto after = std::chrono::duration<double>(Clock::now() - started).count();
    warning.program_ended();
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGUSR1);
    EXPECT_GT(after, 0.6);
    // Far from the 10 s the program would sleep without it; the slack is for a
    // loaded machine under qemu-user (the arm64 stage), where the timer's thread
    // was once woken 0.89 s late at load 7.
    EXPECT_LT(after, 2.0) << "the warning came " << after - 0.7 << " s late";
    ASSERT_TRUE(warning.sent_at());
    EXPECT_EQ(warning.sent_to(), 1);
    EXPECT_EQ(warning.description(), "deadline warning: SIGUSR1 to 1 process(es), 10 s before the deadline");
}

TEST(DeadlineWarning, NothingOnceTheProgramHasEnded) {
    DeadlineWarning warning(std::chrono::system_clock::now() + 1s + 300ms, {SIGUSR1, 1s},
                            WarningTarget::ProcessGroup);
    const pid_t pid = start({"/bin/true"});
    warning.program_started(pid);
    EXPECT_EQ(wait_status(pid), 0);
    warning.program_ended();
    EXPECT_FALSE(warning.sent_at());
}

TEST(DeadlineWarning, NotSentWhenItWasDueBeforeTheProgramStarted) {
    DeadlineWarning warning(std::chrono::system_clock::now() + 1s, {SIGUSR1, 5s},
                            WarningTarget::ProcessGroup);
    const pid_t pid = start({"/bin/sleep", "1"});
    warning.program_started(pid);
    EXPECT_EQ(wait_status(pid), 0);  // a program without a handler would have died of it
    warning.program_ended();
    EXPECT_FALSE(warning.sent_at());
}

TEST(DeadlineWarning, ALaunchersWorkersGetItAndTheLauncherDoesNot) {
    DeadlineWarning warning(std::chrono::system_clock::now() + 1s + 800ms, {SIGUSR1, 1s},
                            WarningTarget::Children);
    // The shell stands for torchrun: SIGUSR1 would kill it; its two workers die of it.
    const pid_t pid = start({"/bin/sh", "-c", "sleep 10 & sleep 10 & wait; exit 3"});
    warning.program_started(pid);
    const int status = wait_status(pid);
    warning.program_ended();
    ASSERT_TRUE(WIFEXITED(status)) << "the launcher itself was signalled";
    EXPECT_EQ(WEXITSTATUS(status), 3);
    EXPECT_EQ(warning.sent_to(), 2);
}

TEST(DeadlineWarning, Settings) {
    const Settings defaults = Settings::from_environment({});
    EXPECT_EQ(defaults.deadline_warning.signal, 0);
    EXPECT_EQ(defaults.deadline_warning.lead, 600s);
    EXPECT_FALSE(defaults.max_runtime);
    EXPECT_EQ(defaults.stop_window, 120s);
    const Settings s = Settings::from_environment(Environ{{"SMTRAIN_DEADLINE_SIGNAL", "SIGUSR2"},
                                                          {"SMTRAIN_DEADLINE_WARNING_S", "90"},
                                                          {"SMTRAIN_MAX_RUNTIME_S", "3600"},
                                                          {"SMTRAIN_STOP_WINDOW_S", "2.5"}});
    EXPECT_EQ(s.deadline_warning.signal, SIGUSR2);
    EXPECT_EQ(s.deadline_warning.lead, 90s);
    EXPECT_EQ(s.max_runtime, 3600s);
    EXPECT_EQ(s.stop_window, 2500ms);
    auto error = [](Environ env) {
        try {
            Settings::from_environment(env);
        } catch (const ConfigError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_EQ(
        error({{"SMTRAIN_DEADLINE_SIGNAL", "KILL"}}),
        "SMTRAIN_DEADLINE_SIGNAL: expected a signal name such as USR1 or SIGUSR1, or a number, got 'KILL'");
    EXPECT_EQ(error({{"SMTRAIN_MAX_RUNTIME_S", "1.5"}}),
              "SMTRAIN_MAX_RUNTIME_S: expected a whole number of seconds, at least 1, got '1.5'");
}

TEST(InterruptAfter, Durations) {
    EXPECT_EQ(parse_interrupt_after("30s"), 30s);
    EXPECT_EQ(parse_interrupt_after("30"), 30s);
    EXPECT_EQ(parse_interrupt_after("500ms"), 500ms);
    EXPECT_EQ(parse_interrupt_after("1.5"), 1500ms);
    EXPECT_EQ(parse_interrupt_after("2m"), 120s);
    for (const char* bad : {"", "0", "-1s", "abc", "3 s", "1d"}) {
        try {
            parse_interrupt_after(bad);
            ADD_FAILURE() << bad;
        } catch (const Error& e) {
            EXPECT_EQ(e.exit_code(), ExitCode::Usage);
            EXPECT_EQ(std::string(e.what()).rfind("--interrupt-after ", 0), 0u) << e.what();
        }
    }
}

}  // namespace
}  // namespace smtrain::launcher
