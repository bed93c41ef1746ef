// SPDX-License-Identifier: Apache-2.0
// TrainingEnv::from_environment: reading back what a launcher exported.
#include "env_test_util.hpp"

#include <gtest/gtest.h>

#include "lib/json.hpp"

namespace smtrain::testing {
namespace {

std::string from_env_error(const Environ& env) {
    try {
        (void)TrainingEnv::from_environment(env);
        return "loaded";
    } catch (const ConfigError& e) {
        return e.what();
    }
}

TEST(FromEnvironment, HandWrittenMinimalTrainingEnv) {
    const Environ env = {
        {"SM_TRAINING_ENV",
         R"({"hosts":["algo-1","algo-2"],"current_host":"algo-2","hyperparameters":{"epochs":5,"lr":0.1},)"
         R"("channel_input_dirs":{"train":"/data/in/train"},"input_dir":"/data/in","model_dir":"/data/model",)"
         R"("num_cpus":4,"num_gpus":1,"num_neurons":0,"is_smddprun_installed":false,"is_smddpmprun_installed":true})"},
        {"SAGEMAKER_REGION", "eu-west-1"},
        {"HOME", "/nonexistent"},
    };
    const TrainingEnv te = TrainingEnv::from_environment(env);
    EXPECT_EQ(te.hosts(), (std::vector<std::string>{"algo-1", "algo-2"}));
    EXPECT_EQ(te.current_host(), "algo-2");
    EXPECT_EQ(te.master_hostname(), "algo-1");
    EXPECT_FALSE(te.is_master());
    EXPECT_EQ(te.hyperparameter<int>("epochs"), 5);
    EXPECT_EQ(te.hyperparameter<double>("lr"), 0.1);
    EXPECT_EQ(te.channel("train"), "/data/in/train");
    EXPECT_EQ(te.paths().base, "/data");
    EXPECT_EQ(te.paths().model, "/data/model");
    EXPECT_EQ(te.paths().output, "/data/output");
    EXPECT_EQ(te.num_cpus(), 4);
    EXPECT_EQ(te.num_gpus(), 1);
    EXPECT_TRUE(te.is_smddpmprun_installed());
    EXPECT_EQ(te.region(), "eu-west-1");
    EXPECT_EQ(te.module_name(), "None");
    EXPECT_EQ(te.current_instance_type(), "local");
    EXPECT_EQ(te.to_cmd_args(), (std::vector<std::string>{"--epochs", "5", "--lr", "0.1"}));
}

TEST(FromEnvironment, RoundTripsWhatLoadRendered) {
    TrainingTree tree;
    tree.resource_config(
        R"({"current_host": "algo-1", "hosts": ["algo-1", "algo-2"], "current_group_name": "g",
                             "instance_groups": [{"instance_group_name": "g", "hosts": ["algo-1", "algo-2"]}]})");
    tree.input_data_config(R"({"train": {"TrainingInputMode": "File"}})");
    tree.hyperparameters(R"({"sagemaker_program": "\"train.py\"", "sagemaker_pytorch_ddp_enabled": "true",
                             "batch": "64", "opt": "{\"name\": \"adam\"}", "tags": "[\"a\", 1]"})");
    const TrainingEnv loaded = load_tree(tree, {{"TRAINING_JOB_NAME", "j"}});
    Environ exported;
    for (const auto& [name, value] : loaded.to_env_vars()) exported.emplace(name, value);
    for (const auto& [name, value] : loaded.toolkit_process_env_vars()) exported.emplace(name, value);

    const TrainingEnv back = TrainingEnv::from_environment(exported);
    EXPECT_EQ(dump_json(back.training_env()), dump_json(loaded.training_env()));
    EXPECT_EQ(back.to_env_vars(), loaded.to_env_vars());
    EXPECT_EQ(back.to_cmd_args(), loaded.to_cmd_args());
    EXPECT_EQ(back.paths().base, loaded.paths().base);
    EXPECT_EQ(back.user_entry_point(), "train.py");
    EXPECT_TRUE(back.distribution_enabled());
}

TEST(FromEnvironment, Errors) {
    EXPECT_EQ(from_env_error({}),
              "SM_TRAINING_ENV: not set (the program was not started by a SageMaker training launcher)");
    EXPECT_EQ(from_env_error({{"SM_TRAINING_ENV", ""}}),
              "SM_TRAINING_ENV: invalid JSON: Expecting value: line 1 column 1 (char 0)");
    EXPECT_EQ(from_env_error({{"SM_TRAINING_ENV", "[]"}}), "SM_TRAINING_ENV: $: expected object, got array");
    EXPECT_EQ(from_env_error({{"SM_TRAINING_ENV", R"({"current_host":"a"})"}}),
              "SM_TRAINING_ENV: $.hosts: required key is missing");
    EXPECT_EQ(from_env_error({{"SM_TRAINING_ENV", R"({"hosts":[1],"current_host":"a"})"}}),
              "SM_TRAINING_ENV: $.hosts[0]: expected string, got number");
    EXPECT_EQ(from_env_error({{"SM_TRAINING_ENV", R"({"hosts":["a"],"current_host":"b"})"}}),
              R"(SM_TRAINING_ENV: $.current_host: "b" is not in $.hosts)");
    EXPECT_EQ(
        from_env_error({{"SM_TRAINING_ENV", R"({"hosts":["a"],"current_host":"a","hyperparameters":[]})"}}),
        "SM_TRAINING_ENV: $.hyperparameters: expected object, got array");
    EXPECT_EQ(from_env_error({{"SM_TRAINING_ENV", R"({"hosts":["a"],"current_host":"a","num_gpus":"2"})"}}),
              "SM_TRAINING_ENV: $.num_gpus: expected integer, got string");
    EXPECT_EQ(from_env_error({{"SM_TRAINING_ENV",
                               R"({"hosts":["a"],"current_host":"a","channel_input_dirs":{"t":1}})"}}),
              "SM_TRAINING_ENV: $.channel_input_dirs.t: expected string, got number");
}

TEST(FromEnvironment, TypedErrorsNameTheVariable) {
    const TrainingEnv te = TrainingEnv::from_environment(
        {{"SM_TRAINING_ENV", R"({"hosts":["a"],"current_host":"a","hyperparameters":{"epochs":"x"}})"}});
    try {
        (void)te.hyperparameter<int>("epochs");
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_STREQ(e.what(), "SM_TRAINING_ENV: $.hyperparameters.epochs: expected integer, got string");
    }
}

}  // namespace
}  // namespace smtrain::testing
