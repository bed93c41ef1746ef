// SPDX-License-Identifier: Apache-2.0
// Checkpoints, TensorBoard, deadline and restarts (issue 22): JobRuntime from
// the platform's optional config files and back from the SM_* variables, and
// the atomic checkpoint files of checkpoint_file.hpp.
#include "env_test_util.hpp"

#include <smtrain/checkpoint_file.hpp>
#include <smtrain/job_runtime.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

namespace smtrain::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;
using std::chrono::system_clock;

std::string config_error(const TrainingTree& tree, Environ extra = {}) {
    try {
        load_tree(tree, std::move(extra));
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "no error";
}

TEST(JobRuntime, NoFilesNoCheckpointDirMeansNothingKnown) {
    TrainingTree tree;
    const TrainingEnv env = load_tree(tree);
    EXPECT_FALSE(env.checkpoint_dir());
    EXPECT_FALSE(env.deadline());
    EXPECT_FALSE(env.attempt());
    EXPECT_FALSE(env.resuming());
    EXPECT_FALSE(env.runtime().tensorboard_dir);
    const auto vars = as_map(env.to_env_vars());
    for (const char* name : {"SM_CHECKPOINT_DIR", "SM_RESUMING", "SM_DEADLINE", "SM_RUN_ATTEMPT",
                             "SM_TENSORBOARD_DIR", "SM_MAX_RUNTIME_SECONDS", "SM_MANAGED_SPOT"})
        EXPECT_EQ(vars.count(name), 0u) << name;
}

TEST(JobRuntime, DefaultCheckpointDirWhenItExists) {
    TrainingTree tree;
    tree.mkdir("opt/ml/checkpoints");
    const TrainingEnv env = load_tree(tree);
    ASSERT_TRUE(env.checkpoint_dir());
    EXPECT_EQ(*env.checkpoint_dir(), tree.base() / "checkpoints");
    EXPECT_FALSE(env.resuming());
    const auto vars = as_map(env.to_env_vars());
    EXPECT_EQ(vars.at("SM_CHECKPOINT_DIR"), (tree.base() / "checkpoints").string());
    EXPECT_EQ(vars.at("SM_RESUMING"), "false");
}

TEST(JobRuntime, CheckpointConfigFileWinsAndANonEmptyDirMeansResuming) {
    TrainingTree tree;
    tree.mkdir("opt/ml/checkpoints");
    tree.mkdir("state");
    tree.write("state/checkpoint-000000000003", "x");
    tree.write("opt/ml/input/config/checkpointconfig.json",
               R"({"LocalPath": ")" + (tree.path() / "state").string() + R"(", "S3Uri": "s3://b/ckpt"})");
    const TrainingEnv env = load_tree(tree);
    ASSERT_TRUE(env.checkpoint_dir());
    EXPECT_EQ(*env.checkpoint_dir(), tree.path() / "state");
    EXPECT_TRUE(env.resuming());
    const auto vars = as_map(env.to_env_vars());
    EXPECT_EQ(vars.at("SM_CHECKPOINT_S3_URI"), "s3://b/ckpt");
    EXPECT_EQ(vars.at("SM_RESUMING"), "true");
}

TEST(JobRuntime, TensorBoardDirDefaultsToSageMakersWhenOnlyS3IsNamed) {
    TrainingTree tree;
    tree.write("opt/ml/input/config/tensorboardoutputconfig.json", R"({"S3OutputPath": "s3://b/tb"})");
    const TrainingEnv env = load_tree(tree);
    EXPECT_EQ(env.runtime().tensorboard_dir, tree.base() / "output" / "tensorboard");
    EXPECT_EQ(env.runtime().tensorboard_s3_uri, "s3://b/tb");
    EXPECT_EQ(as_map(env.to_env_vars()).at("SM_TENSORBOARD_DIR"),
              (tree.base() / "output/tensorboard").string());
}

TEST(JobRuntime, TrainingJobConfigGivesTheDeadlineSpotAndCheckpointConfig) {
    TrainingTree tree;
    tree.write("opt/ml/input/config/trainingjobconfig.json", R"({
        "TrainingJobName": "j", "EnableManagedSpotTraining": true,
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": 7200},
        "CheckpointConfig": {"S3Uri": "s3://b/c", "LocalPath": "/opt/ml/checkpoints"},
        "TensorBoardOutputConfig": {"LocalPath": "/opt/ml/output/tensorboard", "S3OutputPath": "s3://b/t"}})");
    const auto before = system_clock::now();
    const TrainingEnv env = load_tree(tree);
    ASSERT_TRUE(env.deadline());
    // Whole seconds from the load: within [before - 1 s, after] + 3600 s.
    EXPECT_GE(*env.deadline(), before - seconds(1) + seconds(3600));
    EXPECT_LE(*env.deadline(), system_clock::now() + seconds(3600));
    EXPECT_EQ(env.runtime().max_runtime, seconds(3600));
    EXPECT_EQ(env.runtime().managed_spot, true);
    EXPECT_EQ(env.checkpoint_dir(), fs::path("/opt/ml/checkpoints"));
    EXPECT_EQ(env.runtime().checkpoint_s3_uri, "s3://b/c");
    EXPECT_EQ(env.runtime().tensorboard_s3_uri, "s3://b/t");
    const auto vars = as_map(env.to_env_vars());
    EXPECT_EQ(vars.at("SM_MAX_RUNTIME_SECONDS"), "3600");
    EXPECT_EQ(vars.at("SM_MANAGED_SPOT"), "true");
    EXPECT_EQ(
        vars.at("SM_DEADLINE"),
        std::to_string(std::chrono::duration_cast<seconds>(env.deadline()->time_since_epoch()).count()));
}

TEST(JobRuntime, LauncherMaxRuntimeWinsAndSmDeadlineIsKept) {
    TrainingTree tree;
    tree.write("opt/ml/input/config/trainingjobconfig.json",
               R"({"StoppingCondition": {"MaxRuntimeInSeconds": 3600}})");
    LoadOptions options;
    options.environ = tree_environ(tree);
    options.machine = fixed_machine();
    options.max_runtime = seconds(60);
    const TrainingEnv env = TrainingEnv::load(options);
    EXPECT_EQ(env.runtime().max_runtime, seconds(60));
    EXPECT_LE(*env.deadline(), system_clock::now() + seconds(60));

    const TrainingEnv below = load_tree(tree, {{"SM_DEADLINE", "2000000000"}});
    EXPECT_EQ(*below.deadline(), system_clock::time_point(seconds(2000000000)));
}

TEST(JobRuntime, InitConfigGivesTheAttempt) {
    TrainingTree tree;
    tree.write("opt/ml/input/config/init-config.json", R"({"checkpointChannel": {"name": "checkpoints",
        "outputPath": "/opt/ml/checkpoints", "allowEmpty": true}, "hostConfig": {"clusterSize": 1,
        "hostNumber": 1}, "jobRunInfo": {"jobRunNumber": 2}})");
    const TrainingEnv env = load_tree(tree);
    EXPECT_EQ(env.attempt(), 2);
    EXPECT_EQ(as_map(env.to_env_vars()).at("SM_RUN_ATTEMPT"), "2");
}

TEST(JobRuntime, MalformedFilesNameTheFileAndThePath) {
    TrainingTree tree;
    tree.write("opt/ml/input/config/trainingjobconfig.json",
               R"({"StoppingCondition": {"MaxRuntimeInSeconds": "1h"}})");
    EXPECT_EQ(
        config_error(tree),
        "trainingjobconfig.json: $.StoppingCondition.MaxRuntimeInSeconds: expected integer, got string");
    tree.write("opt/ml/input/config/trainingjobconfig.json",
               R"({"StoppingCondition": {"MaxRuntimeInSeconds": 0}})");
    EXPECT_EQ(config_error(tree),
              "trainingjobconfig.json: $.StoppingCondition.MaxRuntimeInSeconds: expected a positive integer, "
              "got 0");
    tree.write("opt/ml/input/config/trainingjobconfig.json", "{}");
    tree.write("opt/ml/input/config/checkpointconfig.json", R"({"LocalPath": 3})");
    EXPECT_EQ(config_error(tree), "checkpointconfig.json: $.LocalPath: expected string, got number");
    tree.write("opt/ml/input/config/checkpointconfig.json", "{");
    EXPECT_EQ(config_error(tree).rfind("checkpointconfig.json: invalid JSON", 0), 0u) << config_error(tree);
    tree.write("opt/ml/input/config/checkpointconfig.json", "{}");
    tree.write("opt/ml/input/config/init-config.json", R"({"jobRunInfo": []})");
    EXPECT_EQ(config_error(tree), "init-config.json: $.jobRunInfo: expected object, got array");
}

TEST(JobRuntime, FromEnvironmentReadsWhatToEnvVarsWrote) {
    TrainingTree tree;
    tree.mkdir("opt/ml/checkpoints");
    tree.write("opt/ml/checkpoints/a", "x");
    tree.write("opt/ml/input/config/trainingjobconfig.json",
               R"({"StoppingCondition": {"MaxRuntimeInSeconds": 90}})");
    tree.write("opt/ml/input/config/init-config.json", R"({"jobRunInfo": {"jobRunNumber": 3}})");
    const TrainingEnv loaded = load_tree(tree);
    Environ env;
    for (auto& [name, value] : loaded.to_env_vars()) env.emplace(name, value);
    const TrainingEnv back = TrainingEnv::from_environment(env);
    EXPECT_EQ(back.checkpoint_dir(), loaded.checkpoint_dir());
    EXPECT_TRUE(back.resuming());
    EXPECT_EQ(back.attempt(), 3);
    EXPECT_EQ(back.deadline(), loaded.deadline());
    EXPECT_EQ(back.runtime().max_runtime, seconds(90));

    env["SM_RESUMING"] = "yes";
    try {
        TrainingEnv::from_environment(env);
        FAIL() << "no error";
    } catch (const ConfigError& e) {
        EXPECT_STREQ(e.what(), "SM_RESUMING: expected true or false, got 'yes'");
    }
}

TEST(CheckpointFile, WritesAtomicallyAndFindsTheLatestCompleteOne) {
    TrainingTree tree;
    const fs::path dir = tree.path() / "ckpt";
    EXPECT_FALSE(latest_checkpoint(dir));  // no directory yet
    EXPECT_EQ(write_checkpoint(dir, 2, "two"), dir / "checkpoint-000000000002");
    write_checkpoint(dir, 10, "ten");
    write_checkpoint(dir, 9, "nine");
    // What a crash mid-write leaves, and other files, are never candidates.
    tree.write("ckpt/.checkpoint-000000000011.tmp-abcdef", "torn");
    tree.write("ckpt/checkpoint-12", "not ours");
    tree.write("ckpt/notes.txt", "x");
    const auto latest = latest_checkpoint(dir);
    ASSERT_TRUE(latest);
    EXPECT_EQ(latest->step, 10);
    EXPECT_EQ(read_checkpoint(latest->path), "ten");
    // Replacing one leaves no temporary file behind.
    write_checkpoint(dir, 10, "ten again");
    EXPECT_EQ(read_checkpoint(dir / checkpoint_name(10)), "ten again");
    int temps = 0;
    for (const auto& entry : fs::directory_iterator(dir))
        temps += entry.path().filename().string().find(".tmp-") != std::string::npos ? 1 : 0;
    EXPECT_EQ(temps, 1);  // only the one the test planted
}

TEST(CheckpointFile, ReportsWhereItCannotWrite) {
    TrainingTree tree;
    tree.write("file", "x");
    try {
        write_checkpoint(tree.path() / "file", 1, "x");
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.exit_code(), ExitCode::CannotWrite);
        EXPECT_NE(std::string(e.what()).find((tree.path() / "file").string()), std::string::npos) << e.what();
    }
    EXPECT_THROW(checkpoint_name(-1), std::invalid_argument);
}

}  // namespace
}  // namespace smtrain::testing
