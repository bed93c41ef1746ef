// SPDX-License-Identifier: Apache-2.0
// hyperparameters.json: json.loads of each string value, and the split into user
// hyperparameters, SageMaker's keys and additional framework parameters.
#include "env_test_util.hpp"

#include <gtest/gtest.h>

#include "lib/json.hpp"

namespace smtrain::testing {
namespace {

std::string user_hps(std::string_view hyperparameters_json) {
    TrainingTree tree;
    tree.hyperparameters(hyperparameters_json);
    return dump_json(load_tree(tree).hyperparameters());
}

TEST(HyperparameterDecoding, StringsThatParseAsJsonAreDecoded) {
    EXPECT_EQ(user_hps(R"({"a": "10", "b": "0.1", "c": "true", "d": "\"train.py\"", "e": "null"})"),
              R"({"a":10,"b":0.1,"c":true,"d":"train.py","e":null})");
}

TEST(HyperparameterDecoding, StringsThatDoNotParseAreKept) {
    EXPECT_EQ(user_hps(R"({"a": "resnet", "b": "hello world", "c": "[1,", "d": "", "e": "True"})"),
              R"({"a":"resnet","b":"hello world","c":"[1,","d":"","e":"True"})");
}

TEST(HyperparameterDecoding, PythonSpecialFloatsAndBigIntegers) {
    EXPECT_EQ(
        user_hps(R"({"a": "NaN", "b": "Infinity", "c": "-Infinity", "d": "123456789012345678901234567890"})"),
        R"({"a":NaN,"b":Infinity,"c":-Infinity,"d":123456789012345678901234567890})");
}

TEST(HyperparameterDecoding, WhitespaceAroundJsonIsAllowedAsInJsonLoads) {
    EXPECT_EQ(user_hps(R"({"a": " 7\n", "b": " [1, 2] "})"), R"({"a":7,"b":[1,2]})");
}

TEST(HyperparameterDecoding, NonStringValuesAreKeptAsTheyAre) {
    EXPECT_EQ(user_hps(R"({"n": 5, "f": 2.5, "b": false, "l": ["1", 2], "d": {"k": "10"}, "z": null})"),
              R"({"b":false,"d":{"k":"10"},"f":2.5,"l":["1",2],"n":5,"z":null})");
}

TEST(HyperparameterSplit, SageMakerKeysLeaveTheUserHyperparameters) {
    TrainingTree tree;
    tree.hyperparameters(R"({
        "sagemaker_program": "\"train.py\"", "sagemaker_submit_directory": "\"/code\"",
        "sagemaker_enable_cloudwatch_metrics": "false", "sagemaker_region": "\"eu-west-1\"",
        "sagemaker_container_log_level": "10", "sagemaker_job_name": "\"j\"",
        "default_user_module_name": "\"m\"", "_tuning_objective_metric": "\"loss\"",
        "sagemaker_s3_output": "\"s3://b/o\"", "sagemaker_mpi_enabled": "true",
        "sagemaker_distributed_dataparallel_enabled": "false",
        "SageMaker_case": "1", "batch_size": "64"
    })");
    const TrainingEnv env = load_tree(tree);
    EXPECT_EQ(dump_json(env.hyperparameters()), R"({"SageMaker_case":1,"batch_size":64})");
    EXPECT_EQ(dump_json(env.additional_framework_parameters()),
              R"({"sagemaker_distributed_dataparallel_enabled":false,"sagemaker_mpi_enabled":true})");
    EXPECT_EQ(env.sagemaker_hyperparameters().as_dict().size(), 11u);
    EXPECT_EQ(env.sagemaker_s3_output(), "s3://b/o");
    EXPECT_EQ(env.module_dir(), "/code");
    EXPECT_EQ(env.log_level(), 10);
    EXPECT_EQ(env.region(), "eu-west-1");
}

TEST(HyperparameterSplit, DefaultsWithoutSageMakerKeys) {
    TrainingTree tree;
    const TrainingEnv env = load_tree(tree);
    EXPECT_EQ(env.user_entry_point(), std::nullopt);
    EXPECT_EQ(env.module_name(), "None");  // str(None), as the toolkit
    EXPECT_EQ(env.module_dir(), tree.base_string() + "/code");
    EXPECT_EQ(env.log_level(), 20);
    EXPECT_EQ(env.sagemaker_s3_output(), std::nullopt);
    const auto vars = as_map(env.to_env_vars());
    EXPECT_EQ(vars.at("SM_USER_ENTRY_POINT"), "");
    EXPECT_EQ(vars.at("SM_MODULE_NAME"), "None");
    EXPECT_EQ(vars.at("SM_LOG_LEVEL"), "20");
}

TEST(EntryPoint, EnvironmentVariableBeatsHyperparameter) {
    TrainingTree tree;
    tree.hyperparameters(R"({"sagemaker_program": "\"hp.py\""})");
    const TrainingEnv env = load_tree(tree, {{"SAGEMAKER_PROGRAM", "env_script.py"}});
    EXPECT_EQ(env.user_entry_point(), "env_script.py");
    EXPECT_EQ(env.module_name(), "env_script");
}

TEST(EntryPoint, EmptyEnvironmentVariableNamesTheModuleButNotTheEntryPoint) {
    // Python: module_name = "" (not None), user_entry_point = "" or hp -> "hp.py".
    TrainingTree tree;
    tree.hyperparameters(R"({"sagemaker_program": "\"hp.py\""})");
    const TrainingEnv env = load_tree(tree, {{"SAGEMAKER_PROGRAM", ""}});
    EXPECT_EQ(env.user_entry_point(), "hp.py");
    EXPECT_EQ(env.module_name(), "");
}

TEST(EntryPoint, NonPythonProgramKeepsItsName) {
    TrainingTree tree;
    tree.hyperparameters(R"({"sagemaker_program": "\"run.sh\""})");
    EXPECT_EQ(load_tree(tree).module_name(), "run.sh");
}

TEST(EntryPoint, OnlyDotPyBecomesEmptyModuleName) {
    TrainingTree tree;
    tree.hyperparameters(R"({"sagemaker_program": "\".py\""})");
    EXPECT_EQ(load_tree(tree).module_name(), "");
}

TEST(EntryPoint, SubmitDirectoryAndLogLevelEnvVarsAreIgnoredAsByTheToolkit) {
    TrainingTree tree;
    const TrainingEnv env = load_tree(
        tree, {{"SAGEMAKER_SUBMIT_DIRECTORY", "/elsewhere"}, {"SAGEMAKER_CONTAINER_LOG_LEVEL", "10"}});
    EXPECT_EQ(env.module_dir(), tree.base_string() + "/code");
    EXPECT_EQ(env.log_level(), 20);
}

TEST(LogLevel, IsTypedAndRenderedAsGiven) {
    auto with_level = [](const std::string& json) {
        TrainingTree tree;
        tree.hyperparameters(R"({"sagemaker_container_log_level": )" + json + "}");
        return load_tree(tree);
    };
    EXPECT_EQ(with_level("10").log_level(), 10);
    EXPECT_EQ(with_level("\"\\\"WARNING\\\"\"").log_level(), 30);
    EXPECT_EQ(with_level("\"\\\"loud\\\"\"").log_level(), 20);
    EXPECT_EQ(with_level("1000").log_level(), 100);
    // SM_TRAINING_ENV and SM_LOG_LEVEL keep what the job gave, as the toolkit's.
    const TrainingEnv named = with_level("\"\\\"WARNING\\\"\"");
    EXPECT_EQ(dump_json(*named.training_env().find("log_level")), R"("WARNING")");
    EXPECT_EQ(as_map(named.to_env_vars()).at("SM_LOG_LEVEL"), "WARNING");
}

TEST(ModelParallel, FollowsPythonAndSemantics) {
    TrainingTree tree;
    auto rendered = [](const TrainingEnv& env) {
        return dump_json(*env.training_env().find("is_modelparallel_enabled"));
    };
    const TrainingEnv unset = load_tree(tree);
    const TrainingEnv empty = load_tree(tree, {{"SM_HP_MP_PARAMETERS", ""}});
    const TrainingEnv braces = load_tree(tree, {{"SM_HP_MP_PARAMETERS", "{}"}});
    const TrainingEnv partitions = load_tree(tree, {{"SM_HP_MP_PARAMETERS", R"({"partitions":2})"}});
    // SM_TRAINING_ENV holds Python's `mp and mp != "{}"`.
    EXPECT_EQ(rendered(unset), "null");
    EXPECT_EQ(rendered(empty), R"("")");
    EXPECT_EQ(rendered(braces), "false");
    EXPECT_EQ(rendered(partitions), "true");
    // The typed getter: whether it is enabled.
    EXPECT_FALSE(unset.is_modelparallel_enabled());
    EXPECT_FALSE(empty.is_modelparallel_enabled());
    EXPECT_FALSE(braces.is_modelparallel_enabled());
    EXPECT_TRUE(partitions.is_modelparallel_enabled());
}

TEST(FrameworkModuleAndJobName, ComeFromTheEnvironment) {
    TrainingTree tree;
    const TrainingEnv env =
        load_tree(tree, {{"SAGEMAKER_TRAINING_MODULE", "sagemaker_pytorch_container.training:main"},
                         {"TRAINING_JOB_NAME", "my-job"}});
    EXPECT_EQ(env.framework_module(), "sagemaker_pytorch_container.training:main");
    EXPECT_EQ(env.job_name(), "my-job");
    const auto vars = as_map(env.to_env_vars());
    EXPECT_EQ(vars.at("SM_FRAMEWORK_MODULE"), "sagemaker_pytorch_container.training:main");
    // SAGEMAKER_JOB_NAME comes from the hyperparameter only, "" without it.
    EXPECT_EQ(as_map(env.toolkit_process_env_vars()).at("SAGEMAKER_JOB_NAME"), "");
}

}  // namespace
}  // namespace smtrain::testing
