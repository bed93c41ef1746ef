// SPDX-License-Identifier: Apache-2.0
// Settings: every SMTRAIN_* variable of sm-train read once, a bad value naming
// its variable; the relative base dir made absolute.
#include "launcher/lifecycle/settings.hpp"
#include "launcher/lifecycle/job_phase.hpp"
#include "process/stop.hpp"

#include <smtrain/error.hpp>

#include <gtest/gtest.h>

#include <signal.h>

namespace smtrain::launcher {
namespace {

using namespace smtrain::process;  // the layer below the lifecycle, under test here too

using std::chrono::milliseconds;

TEST(Settings, DefaultsWhenNothingIsSet) {
    const Settings s = Settings::from_environment(Environ{{"PATH", "/bin"}});
    EXPECT_EQ(s.grace_period, milliseconds(110'000));
    EXPECT_EQ(s.dns_wait.give_up_after, milliseconds(900'000));
    EXPECT_EQ(s.dns_wait.max_delay, milliseconds(30'000));
    EXPECT_EQ(s.sync_wait.after_end, milliseconds(600'000));
    EXPECT_EQ(s.sync_wait.after_stop, milliseconds(115'000));
    EXPECT_EQ(s.python, "");
    EXPECT_EQ(s.mpi.sshd, "/usr/sbin/sshd");
    EXPECT_EQ(s.s3_max_concurrency, 10u);
    EXPECT_EQ(s.timeline, TimelineFormat::Text);
    EXPECT_FALSE(s.studio_local_mode);
    EXPECT_EQ(s.codeartifact_repository_arn, "");
    EXPECT_EQ(s.temp_dir, "/tmp");
}

TEST(Settings, AnEmptyValueKeepsTheDefault) {
    const Settings s = Settings::from_environment(Environ{{"SMTRAIN_PYTHON", ""},
                                                          {"SMTRAIN_SSHD", ""},
                                                          {"SMTRAIN_TIMELINE", ""},
                                                          {"SMTRAIN_GRACE_PERIOD_S", ""}});
    EXPECT_EQ(s.python, "");
    EXPECT_EQ(s.mpi.sshd, "/usr/sbin/sshd");
    EXPECT_EQ(s.timeline, TimelineFormat::Text);
    EXPECT_EQ(s.grace_period, milliseconds(110'000));
}

TEST(Settings, EveryVariableIsRead) {
    const Settings s = Settings::from_environment(Environ{{"SMTRAIN_GRACE_PERIOD_S", "2.5"},
                                                          {"SMTRAIN_DNS_WAIT_TIMEOUT_S", "7"},
                                                          {"SMTRAIN_DNS_WAIT_MAX_DELAY_S", "0.05"},
                                                          {"SMTRAIN_SYNC_WAIT_S", "30"},
                                                          {"SMTRAIN_SYNC_STOP_WAIT_S", "1"},
                                                          {"SMTRAIN_PYTHON", "/opt/conda/bin/python"},
                                                          {"SMTRAIN_SSHD", "/usr/local/sbin/sshd"},
                                                          {"SMTRAIN_S3_MAX_CONCURRENCY", "32"},
                                                          {"SMTRAIN_TIMELINE", "json"},
                                                          {"SM_STUDIO_LOCAL_MODE", "True"},
                                                          {"CA_REPOSITORY_ARN", "arn:x"},
                                                          {"TMPDIR", "/var/tmp"}});
    EXPECT_EQ(s.grace_period, milliseconds(2500));
    EXPECT_EQ(s.dns_wait.give_up_after, milliseconds(7000));
    EXPECT_EQ(s.dns_wait.max_delay, milliseconds(50));
    EXPECT_EQ(s.dns_wait.first_delay, milliseconds(50));  // never above the largest delay
    EXPECT_EQ(s.sync_wait.after_end, milliseconds(30'000));
    EXPECT_EQ(s.sync_wait.after_stop, milliseconds(1000));
    EXPECT_EQ(s.python, "/opt/conda/bin/python");
    EXPECT_EQ(s.mpi.sshd, "/usr/local/sbin/sshd");
    EXPECT_EQ(s.s3_max_concurrency, 32u);
    EXPECT_EQ(s.timeline, TimelineFormat::Json);
    EXPECT_TRUE(s.studio_local_mode);
    EXPECT_EQ(s.codeartifact_repository_arn, "arn:x");
    EXPECT_EQ(s.temp_dir, "/var/tmp");
}

TEST(Settings, AnInterpreterMayBeANameOnPath) {
    // Found on PATH when needed (find_python); no text is a bad value here.
    EXPECT_EQ(Settings::from_environment(Environ{{"SMTRAIN_PYTHON", "python3.11"}}).python, "python3.11");
}

TEST(Settings, DiagnosticsAreOnUnlessOff) {
    EXPECT_TRUE(Settings::from_environment(Environ{}).diagnostics);
    EXPECT_TRUE(Settings::from_environment(Environ{{"SMTRAIN_DIAGNOSTICS", "on"}}).diagnostics);
    EXPECT_FALSE(Settings::from_environment(Environ{{"SMTRAIN_DIAGNOSTICS", "off"}}).diagnostics);
    try {
        Settings::from_environment(Environ{{"SMTRAIN_DIAGNOSTICS", "no"}});
        FAIL() << "no error";
    } catch (const smtrain::ConfigError& e) {
        EXPECT_EQ(std::string(e.what()), "SMTRAIN_DIAGNOSTICS: expected on or off, got 'no'");
        EXPECT_EQ(e.exit_code(), smtrain::ExitCode::BadConfig);
    }
}

TEST(Settings, TheHangWatchdogIsOffUnlessADeadlineIsSet) {
    EXPECT_FALSE(Settings::from_environment(Environ{}).hang_watchdog.on());
    const auto on = Settings::from_environment(Environ{{"SMTRAIN_HANG_START_S", "30"},
                                                       {"SMTRAIN_HANG_PROGRESS_S", "1.5"},
                                                       {"SMTRAIN_HANG_PATTERN", "step|epoch"},
                                                       {"SMTRAIN_HANG_HEARTBEAT_FILE", "/tmp/beat"}})
                        .hang_watchdog;
    EXPECT_TRUE(on.on());
    EXPECT_EQ(on.start_deadline, std::chrono::milliseconds(30000));
    EXPECT_EQ(on.progress_deadline, std::chrono::milliseconds(1500));
    EXPECT_EQ(on.pattern, "step|epoch");
    EXPECT_EQ(on.heartbeat_file, "/tmp/beat");
    auto refused = [](Environ environ) {
        try {
            Settings::from_environment(environ);
            return std::string("no error");
        } catch (const smtrain::ConfigError& e) {
            return std::string(e.what());
        }
    };
    EXPECT_EQ(refused({{"SMTRAIN_HANG_PROGRESS_S", "abc"}}),
              "SMTRAIN_HANG_PROGRESS_S: expected a number of seconds, got 'abc'");
    EXPECT_EQ(refused({{"SMTRAIN_HANG_START_S", "0"}}),
              "SMTRAIN_HANG_START_S: expected a number of seconds above 0, got '0'");
    EXPECT_EQ(refused({{"SMTRAIN_HANG_HEARTBEAT_FILE", "/tmp/beat"}}),
              "SMTRAIN_HANG_HEARTBEAT_FILE: needs SMTRAIN_HANG_PROGRESS_S, the progress deadline it is for");
    EXPECT_EQ(refused({{"SMTRAIN_HANG_PROGRESS_S", "5"}, {"SMTRAIN_HANG_HEARTBEAT_FILE", "beat"}}),
              "SMTRAIN_HANG_HEARTBEAT_FILE: expected an absolute path, got 'beat'");
}

TEST(Settings, TheTimelineIsTextJsonOrOff) {
    EXPECT_EQ(Settings::from_environment(Environ{{"SMTRAIN_TIMELINE", "text"}}).timeline,
              TimelineFormat::Text);
    EXPECT_EQ(Settings::from_environment(Environ{{"SMTRAIN_TIMELINE", "off"}}).timeline, TimelineFormat::Off);
}

TEST(Settings, TheS3BoundIsAWholeNumberFrom1To1000) {
    EXPECT_EQ(Settings::from_environment(Environ{{"SMTRAIN_S3_MAX_CONCURRENCY", "1"}}).s3_max_concurrency,
              1u);
    EXPECT_EQ(Settings::from_environment(Environ{{"SMTRAIN_S3_MAX_CONCURRENCY", "1000"}}).s3_max_concurrency,
              1000u);
}

/// The message and exit code of `variable`=`value`, which must be refused.
void expect_refused(const char* variable, const char* value, const std::string& message) {
    try {
        Settings::from_environment(Environ{{variable, value}});
        ADD_FAILURE() << variable << "=" << value << " was accepted";
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()), message);
        EXPECT_EQ(e.exit_code(), ExitCode::BadConfig);
    }
}

TEST(Settings, ABadS3BoundNamesItsVariable) {
    for (const char* bad : {"", "0", "-1", "ten", "4x", "1001", "99999999999999999999"}) {
        expect_refused(
            "SMTRAIN_S3_MAX_CONCURRENCY", bad,
            std::string("SMTRAIN_S3_MAX_CONCURRENCY: expected a whole number from 1 to 1000, got '") + bad +
                "'");
    }
}

TEST(Settings, ARelativeSshdNamesItsVariable) {
    expect_refused("SMTRAIN_SSHD", "sshd", "SMTRAIN_SSHD: expected an absolute path, got 'sshd'");
    expect_refused("SMTRAIN_SSHD", "bin/sshd", "SMTRAIN_SSHD: expected an absolute path, got 'bin/sshd'");
}

TEST(Settings, AnUnknownTimelineNamesItsVariable) {
    expect_refused("SMTRAIN_TIMELINE", "JSON", "SMTRAIN_TIMELINE: expected text, json or off, got 'JSON'");
    expect_refused("SMTRAIN_TIMELINE", "yes", "SMTRAIN_TIMELINE: expected text, json or off, got 'yes'");
}

TEST(Settings, TheTimelineIsReadAloneWhenTheSettingsAreNot) {
    // SMTRAIN_GRACE_PERIOD_S=abc fails the Settings; the timeline's own format still holds.
    const Environ bad_grace{{"SMTRAIN_GRACE_PERIOD_S", "abc"}, {"SMTRAIN_TIMELINE", "off"}};
    EXPECT_THROW(Settings::from_environment(bad_grace), ConfigError);
    EXPECT_EQ(timeline_format_without_settings(bad_grace), TimelineFormat::Off);
    EXPECT_EQ(timeline_format_without_settings(Environ{{"SMTRAIN_TIMELINE", "json"}}), TimelineFormat::Json);
    EXPECT_EQ(timeline_format_without_settings(Environ{}), TimelineFormat::Text);
    EXPECT_EQ(timeline_format_without_settings(Environ{{"SMTRAIN_TIMELINE", "yes"}}), TimelineFormat::Text);
}

TEST(Settings, ABadValueIsAConfigErrorNamingItsVariable) {
    for (const char* name :
         {"SMTRAIN_GRACE_PERIOD_S", "SMTRAIN_DNS_WAIT_TIMEOUT_S", "SMTRAIN_DNS_WAIT_MAX_DELAY_S",
          "SMTRAIN_SYNC_WAIT_S", "SMTRAIN_SYNC_STOP_WAIT_S"}) {
        for (const char* bad : {"abc", "-1", "1s", "nan"}) {
            try {
                Settings::from_environment(Environ{{name, bad}});
                ADD_FAILURE() << name << "=" << bad << " was accepted";
            } catch (const ConfigError& e) {
                EXPECT_EQ(std::string(e.what()),
                          std::string(name) + ": expected a number of seconds, got '" + bad + "'");
                EXPECT_EQ(e.exit_code(), ExitCode::BadConfig);
            }
        }
    }
}

TEST(Settings, ARelativeBaseDirBecomesAbsoluteOnce) {
    const std::string cwd = std::filesystem::current_path().string();
    EXPECT_EQ(with_absolute_base_dir(Environ{{"SAGEMAKER_BASE_DIR", "opt_ml"}}).at("SAGEMAKER_BASE_DIR"),
              cwd + "/opt_ml");
    EXPECT_EQ(
        with_absolute_base_dir(Environ{{"SAGEMAKER_BASE_DIR", "./a/../opt_ml"}}).at("SAGEMAKER_BASE_DIR"),
        cwd + "/opt_ml");
    EXPECT_EQ(with_absolute_base_dir(Environ{{"SAGEMAKER_BASE_DIR", "/opt/ml"}}).at("SAGEMAKER_BASE_DIR"),
              "/opt/ml");
    EXPECT_EQ(with_absolute_base_dir(Environ{{"PATH", "/bin"}}).count("SAGEMAKER_BASE_DIR"), 0u);
}

}  // namespace
}  // namespace smtrain::launcher
