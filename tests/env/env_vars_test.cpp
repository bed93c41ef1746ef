// SPDX-License-Identifier: Apache-2.0
// to_env_vars: names "SM_" + str.upper(key), values as mapping.to_env_vars formats them.
#include "env_test_util.hpp"

#include <gtest/gtest.h>

namespace smtrain::testing {
namespace {

std::map<std::string, std::string> vars_of(std::string_view hyperparameters_json) {
    TrainingTree tree;
    tree.hyperparameters(hyperparameters_json);
    return as_map(load_tree(tree).to_env_vars());
}

TEST(EnvVars, IssueExamples) {
    const auto vars = vars_of(R"({"lr": "1e-05", "flag": "true", "l": "[1, \"a\"]"})");
    EXPECT_EQ(vars.at("SM_HP_LR"), "1e-05");
    EXPECT_EQ(vars.at("SM_HP_FLAG"), "true");
    EXPECT_EQ(vars.at("SM_HP_L"), R"([1,"a"])");
    EXPECT_EQ(vars.at("SM_HPS"), R"({"flag":true,"l":[1,"a"],"lr":1e-05})");
}

TEST(EnvVars, ValuesAsCompactSortedAsciiJson) {
    const auto vars = vars_of(R"({"s": "plain", "u": "\"café\"", "n": "null", "f": "1e16", "g": "1e15",
                                  "i": "Infinity", "x": "NaN", "d": "{\"b\": 1, \"a\": [\"é\", \"😀\"]}",
                                  "big": "123456789012345678901234567890"})");
    EXPECT_EQ(vars.at("SM_HP_S"), "plain");
    EXPECT_EQ(vars.at("SM_HP_U"), "café");  // a string goes as it is, not as JSON
    EXPECT_EQ(vars.at("SM_HP_N"), "");
    EXPECT_EQ(vars.at("SM_HP_F"), "1e+16");
    EXPECT_EQ(vars.at("SM_HP_G"), "1000000000000000.0");
    EXPECT_EQ(vars.at("SM_HP_I"), "Infinity");
    EXPECT_EQ(vars.at("SM_HP_X"), "NaN");
    EXPECT_EQ(vars.at("SM_HP_D"), R"({"a":["\u00e9","\ud83d\ude00"],"b":1})");
    EXPECT_EQ(vars.at("SM_HP_BIG"), "123456789012345678901234567890");
}

TEST(EnvVars, NamesUpperCasedWithFullUnicodeRules) {
    const auto vars = vars_of(R"({"straße": "1", "ﬁle": "2", "mixed-Case.key": "3"})");
    EXPECT_EQ(vars.at("SM_HP_STRASSE"), "1");
    EXPECT_EQ(vars.at("SM_HP_FILE"), "2");
    EXPECT_EQ(vars.at("SM_HP_MIXED-CASE.KEY"), "3");
}

TEST(EnvVars, NamesThatUpperCaseAlikeKeepTheLaterValue) {
    const auto vars = vars_of(R"({"lr": "1", "LR": "2"})");
    EXPECT_EQ(vars.at("SM_HP_LR"), "2");
}

TEST(EnvVars, SortedByNameWithoutDuplicates) {
    TrainingTree tree;
    tree.hyperparameters(R"({"b": "1", "a": "2", "A": "3"})");
    const EnvVars vars = load_tree(tree).to_env_vars();
    for (std::size_t i = 1; i < vars.size(); ++i) EXPECT_LT(vars[i - 1].first, vars[i].first);
}

TEST(EnvVars, TopologyOnlyWhenNotEmpty) {
    TrainingTree tree;
    EXPECT_EQ(as_map(load_tree(tree).to_env_vars()).count("SM_TOPOLOGY"), 0u);
    tree.resource_config(R"({"current_host": "algo-1", "hosts": ["algo-1"], "topology": []})");
    EXPECT_EQ(as_map(load_tree(tree).to_env_vars()).count("SM_TOPOLOGY"), 0u);
    tree.resource_config(R"({"current_host": "algo-1", "hosts": ["algo-1"],
                             "topology": [{"hostName": "algo-1", "capacityUnitId": "cu-1"}]})");
    const TrainingEnv env = load_tree(tree);
    EXPECT_EQ(as_map(env.to_env_vars()).at("SM_TOPOLOGY"),
              R"([{"capacityUnitId":"cu-1","hostName":"algo-1"}])");
}

TEST(EnvVars, ChannelsSortedAndOnePerChannel) {
    TrainingTree tree;
    tree.input_data_config(R"({"validation": {}, "Train": {}, "aux": {}})");
    const auto vars = as_map(load_tree(tree).to_env_vars());
    EXPECT_EQ(vars.at("SM_CHANNELS"), R"(["Train","aux","validation"])");
    EXPECT_EQ(vars.at("SM_CHANNEL_TRAIN"), tree.base_string() + "/input/data/Train");
    EXPECT_EQ(vars.at("SM_CHANNEL_AUX"), tree.base_string() + "/input/data/aux");
    EXPECT_EQ(vars.at("SM_CHANNEL_VALIDATION"), tree.base_string() + "/input/data/validation");
}

TEST(EnvVars, SingleHostDefaults) {
    TrainingTree tree;
    const auto vars = as_map(load_tree(tree).to_env_vars());
    EXPECT_EQ(vars.at("SM_CURRENT_INSTANCE_TYPE"), "local");
    EXPECT_EQ(vars.at("SM_CURRENT_INSTANCE_GROUP"), "homogeneousCluster");
    EXPECT_EQ(vars.at("SM_NETWORK_INTERFACE_NAME"), "eth0");
    EXPECT_EQ(vars.at("SM_INSTANCE_GROUPS"), "[]");
    EXPECT_EQ(vars.at("SM_INSTANCE_GROUPS_DICT"), "{}");
    EXPECT_EQ(vars.at("SM_CURRENT_INSTANCE_GROUP_HOSTS"), "[]");
    EXPECT_EQ(vars.at("SM_DISTRIBUTION_INSTANCE_GROUPS"), "[]");
    EXPECT_EQ(vars.at("SM_CHANNELS"), "[]");
    EXPECT_EQ(vars.at("SM_USER_ARGS"), "[]");
    EXPECT_EQ(vars.at("SM_HPS"), "{}");
    EXPECT_EQ(vars.at("SM_HOST_COUNT"), "1");
    EXPECT_EQ(vars.at("SM_CURRENT_HOST_RANK"), "0");
    EXPECT_EQ(vars.at("SM_MASTER_ADDR"), "algo-1");
    EXPECT_EQ(vars.at("SM_MASTER_PORT"), "7777");
    EXPECT_EQ(vars.size(), 35u);  // the toolkit's 31 + our 4
}

TEST(EnvVars, NulInAStringValueIsRefused) {
    TrainingTree tree;
    tree.resource_config(R"({"current_host": "a\u0000b", "hosts": ["a\u0000b"]})");
    const TrainingEnv env = load_tree(tree);
    try {
        (void)env.to_env_vars();
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_STREQ(
            e.what(),
            "SM_CURRENT_HOST: the value holds a NUL character, which an environment variable cannot");
    }
}

TEST(ProcessEnv, RegionFromHyperparameterEvenWhenEmpty) {
    TrainingTree tree;
    tree.hyperparameters(R"({"sagemaker_region": "\"\""})");
    const auto vars = as_map(load_tree(tree, {{"AWS_REGION", "us-east-1"}}).toolkit_process_env_vars());
    EXPECT_EQ(vars.at("SAGEMAKER_REGION"), "");
}

}  // namespace
}  // namespace smtrain::testing
