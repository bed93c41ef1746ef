// SPDX-License-Identifier: Apache-2.0
// hyperparameter<T>() and channel(): the C++ API for training programs.
#include "env_test_util.hpp"

#include <gtest/gtest.h>

#include "lib/json.hpp"

#include <cstdint>

namespace smtrain::testing {
namespace {

class Typed : public ::testing::Test {
protected:
    void SetUp() override {
        tree.hyperparameters(R"({"epochs": "10", "lr": "0.001", "big": "123456789012345678901234567890",
            "neg": "-3", "flag": "true", "flag_text": "False", "name": "resnet", "version": "1.10",
            "whole": "3", "list": "[1, 2]", "max64": "9223372036854775807", "u64": "18446744073709551615"})");
        tree.input_data_config(R"({"train": {}})");
    }
    std::string error_of(auto&& call) const {
        try {
            call();
            return "no error";
        } catch (const Error& e) {
            return e.what();
        }
    }
    TrainingTree tree;
};

TEST_F(Typed, Integers) {
    const TrainingEnv env = load_tree(tree);
    EXPECT_EQ(env.hyperparameter<int>("epochs"), 10);
    EXPECT_EQ(env.hyperparameter<int>("neg"), -3);
    EXPECT_EQ(env.hyperparameter<std::int64_t>("max64"), INT64_MAX);
    EXPECT_EQ(env.hyperparameter<std::uint64_t>("u64"), UINT64_MAX);
    EXPECT_EQ(env.hyperparameter<std::uint8_t>("epochs"), 10u);
    EXPECT_EQ(error_of([&] { (void)env.hyperparameter<int>("lr"); }),
              "hyperparameters.json: $.lr: expected integer, got number");
    EXPECT_EQ(error_of([&] { (void)env.hyperparameter<int>("name"); }),
              "hyperparameters.json: $.name: expected integer, got string");
    EXPECT_EQ(error_of([&] { (void)env.hyperparameter<int>("flag"); }),
              "hyperparameters.json: $.flag: expected integer, got boolean");
    EXPECT_EQ(error_of([&] { (void)env.hyperparameter<std::int64_t>("big"); }),
              "hyperparameters.json: $.big: 123456789012345678901234567890 is out of range for int64");
    EXPECT_EQ(error_of([&] { (void)env.hyperparameter<unsigned>("neg"); }),
              "hyperparameters.json: $.neg: -3 is out of range for uint32");
    EXPECT_EQ(error_of([&] { (void)env.hyperparameter<std::int8_t>("max64"); }),
              "hyperparameters.json: $.max64: 9223372036854775807 is out of range for int8");
}

TEST_F(Typed, FloatingPoint) {
    const TrainingEnv env = load_tree(tree);
    EXPECT_EQ(env.hyperparameter<double>("lr"), 0.001);
    EXPECT_EQ(env.hyperparameter<double>("whole"), 3.0);
    EXPECT_EQ(env.hyperparameter<float>("version"), 1.1f);
    EXPECT_EQ(env.hyperparameter<double>("big"), 1.2345678901234568e+29);
    EXPECT_EQ(error_of([&] { (void)env.hyperparameter<double>("flag"); }),
              "hyperparameters.json: $.flag: expected number, got boolean");
}

TEST_F(Typed, BooleansAndStrings) {
    const TrainingEnv env = load_tree(tree);
    EXPECT_TRUE(env.hyperparameter<bool>("flag"));
    EXPECT_FALSE(env.hyperparameter<bool>("flag_text"));
    EXPECT_EQ(error_of([&] { (void)env.hyperparameter<bool>("name"); }),
              "hyperparameters.json: $.name: expected boolean, got string");
    EXPECT_EQ(error_of([&] { (void)env.hyperparameter<bool>("whole"); }),
              "hyperparameters.json: $.whole: expected boolean, got number");
    EXPECT_EQ(env.hyperparameter<std::string>("name"), "resnet");
    // "1.10" was decoded to the float 1.1, as in the toolkit; it is not text any more.
    EXPECT_EQ(error_of([&] { (void)env.hyperparameter<std::string>("version"); }),
              "hyperparameters.json: $.version: expected string, got number");
    EXPECT_EQ(dump_json(env.hyperparameter<Value>("list")), "[1,2]");
}

TEST_F(Typed, AbsentNamesAndFallbacks) {
    const TrainingEnv env = load_tree(tree);
    EXPECT_EQ(env.hyperparameter<int>("missing", 7), 7);
    EXPECT_EQ(env.hyperparameter<int>("epochs", 7), 10);
    EXPECT_EQ(env.hyperparameter<std::string>("missing", "x"), "x");
    EXPECT_EQ(error_of([&] { (void)env.hyperparameter<int>("name", 1); }),
              "hyperparameters.json: $.name: expected integer, got string");
    EXPECT_EQ(error_of([&] { (void)env.hyperparameter<int>("missing"); }),
              "Hyperparameter missing is not set");
    EXPECT_THROW((void)env.hyperparameter<int>("missing"), LookupError);
    EXPECT_TRUE(env.has_hyperparameter("epochs"));
    EXPECT_FALSE(env.has_hyperparameter("missing"));
}

TEST_F(Typed, OddNamesInErrorPaths) {
    tree.hyperparameters(R"({"learning rate": "\"fast\""})");
    const TrainingEnv env = load_tree(tree);
    EXPECT_EQ(error_of([&] { (void)env.hyperparameter<double>("learning rate"); }),
              R"(hyperparameters.json: $["learning rate"]: expected number, got string)");
}

TEST_F(Typed, Channels) {
    const TrainingEnv env = load_tree(tree);
    EXPECT_EQ(env.channel("train"), tree.base() / "input/data/train");
    EXPECT_EQ(error_of([&] { (void)env.channel("test"); }), "Channel test is not a valid channel");
    EXPECT_THROW((void)env.channel("test"), LookupError);
}

}  // namespace
}  // namespace smtrain::testing
