// SPDX-License-Identifier: Apache-2.0
// Unit tests of the example's training code against fake /opt/ml trees
// (smtrain::testing), with no SageMaker job and no launcher: the way a user
// tests a C++ training program before paying for a job.
#include "training.hpp"

#include <smtrain/error.hpp>
#include <smtrain/testing/fake_tree.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

namespace {

// Two features; passed (1) exactly when hours_studied > 5: separable, so training must fit it.
constexpr const char* exams =
    "hours_studied,hours_slept,passed\n"
    "1.0,7.0,0\n2.0,6.0,0\n3.0,8.0,0\n4.0,5.0,0\n"
    "6.0,7.0,1\n7.0,6.0,1\n8.0,8.0,1\n9.0,5.0,1\n";

std::string read(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

smtrain::testing::FakeTree exam_tree() {
    smtrain::testing::FakeTree tree;
    tree.program("train").channel_file("train", "exams.csv", exams);
    return tree;
}

}  // namespace

TEST(Training, LearnsTheDataAndWritesTheModel) {
    auto tree = exam_tree();
    tree.hyperparameter("epochs", 200).hyperparameter("learning_rate", 0.5).hyperparameter("log_every", 100);
    std::ostringstream log;
    const TrainingResult result = train_model(tree.load(), log);

    EXPECT_EQ(result.epochs, 200);
    EXPECT_EQ(result.final_accuracy, 1.0);
    EXPECT_LT(result.final_loss, 0.2);
    EXPECT_EQ(result.model_file, tree.paths().model / "model.json");
    const nlohmann::json model = nlohmann::json::parse(read(result.model_file));
    ASSERT_TRUE(model.is_object());
    EXPECT_EQ(model.at("features"), nlohmann::json::array({"hours_studied", "hours_slept"}));
    EXPECT_EQ(model.at("weights").size(), 2u);
    // hours_studied decides the label: its weight is positive and the larger one.
    const auto& w = model.at("weights");
    EXPECT_GT(w[0].get<double>(), 0);
    EXPECT_GT(w[0].get<double>(), std::abs(w[1].get<double>()));
    // Metric lines at epochs 1, 100 and 200, as the job's metric regexes expect.
    const std::string text = log.str();
    EXPECT_NE(text.find("training on 8 rows, 2 features, host algo-1 (master)"), std::string::npos) << text;
    EXPECT_NE(text.find("epoch=1 loss="), std::string::npos) << text;
    EXPECT_NE(text.find("epoch=100 loss="), std::string::npos) << text;
    EXPECT_NE(text.find("epoch=200 loss="), std::string::npos) << text;
    EXPECT_EQ(text.find("epoch=2 "), std::string::npos) << text;
}

TEST(Training, RunsUnderALaunchersEnvironment) {
    auto tree = exam_tree();
    tree.hyperparameter("epochs", 3).hosts(2).current_host("algo-2");
    std::ostringstream log;
    train_model(smtrain::TrainingEnv::from_environment(tree.environ()), log);
    EXPECT_NE(log.str().find("host algo-2\n"), std::string::npos) << log.str();  // not the master
}

TEST(Training, AWrongHyperparameterTypeIsAConfigurationError) {
    auto tree = exam_tree();
    tree.hyperparameter("epochs", "ten");
    std::ostringstream log;
    try {
        train_model(tree.load(), log);
        FAIL() << "no error";
    } catch (const smtrain::ConfigError& e) {
        EXPECT_EQ(std::string(e.what()), "hyperparameters.json: $.epochs: expected integer, got string");
    }
}

TEST(Training, AMissingChannelSaysWhich) {
    smtrain::testing::FakeTree tree;
    tree.channel_file("validation", "exams.csv", exams);
    std::ostringstream log;
    EXPECT_THROW(train_model(tree.load(), log), smtrain::LookupError);
}

// A job interrupted after 30 epochs and started again with its checkpoint dir
// (as SageMaker restores it on a spot restart) ends with the model of a job
// that ran all 60 epochs at once, to the bit.
TEST(Training, ResumesFromItsCheckpointsToTheSameModel) {
    auto whole = exam_tree();
    whole.hyperparameter("epochs", 60).hyperparameter("log_every", 100);
    std::ostringstream log;
    train_model(whole.load(), log);

    auto resumed = exam_tree();
    std::filesystem::create_directories(resumed.paths().checkpoints);
    resumed.hyperparameter("epochs", 30).hyperparameter("log_every", 100);
    train_model(resumed.load(), log);  // "interrupted" after epoch 30
    resumed.hyperparameter("epochs", 60);
    std::ostringstream second;
    const smtrain::TrainingEnv env = resumed.load();
    EXPECT_TRUE(env.resuming());
    train_model(env, second);
    EXPECT_NE(second.str().find("resuming after epoch 30"), std::string::npos) << second.str();
    EXPECT_EQ(read(resumed.paths().model / "model.json"), read(whole.paths().model / "model.json"));
}
