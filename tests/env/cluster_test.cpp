// SPDX-License-Identifier: Apache-2.0
// Instance groups, distribution hosts, master and rank (environment.py's get_* helpers).
#include "env_test_util.hpp"

#include <gtest/gtest.h>

#include "lib/json.hpp"

namespace smtrain::testing {
namespace {

using Strings = std::vector<std::string>;

const char* const hetero_config = R"({
    "current_host": "%HOST%",
    "hosts": ["algo-1", "algo-2", "algo-3"],
    "current_group_name": "%GROUP%",
    "current_instance_type": "ml.c5.xlarge",
    "instance_groups": [
        {"instance_group_name": "train", "instance_type": "ml.p4d.24xlarge", "hosts": ["algo-2", "algo-1"]},
        {"instance_group_name": "data", "instance_type": "ml.c5.xlarge", "hosts": ["algo-3"]}
    ]
})";

std::string hetero(const std::string& host, const std::string& group) {
    std::string text = hetero_config;
    text.replace(text.find("%HOST%"), 6, host);
    text.replace(text.find("%GROUP%"), 7, group);
    return text;
}

TEST(Cluster, HeterogeneousHostOutsideTheDistributionGroups) {
    TrainingTree tree;
    tree.resource_config(hetero("algo-3", "data"));
    tree.hyperparameters(R"({"sagemaker_distribution_instance_groups": "[\"train\"]"})");
    const TrainingEnv env = load_tree(tree);
    EXPECT_EQ(env.instance_groups(), (Strings{"train", "data"}));
    EXPECT_TRUE(env.is_hetero());
    EXPECT_EQ(env.current_instance_group(), "data");
    EXPECT_EQ(env.current_instance_group_hosts(), (Strings{"algo-3"}));
    EXPECT_EQ(env.distribution_instance_groups(), (Strings{"train"}));
    EXPECT_EQ(env.distribution_hosts(), (Strings{"algo-2", "algo-1"}));
    EXPECT_EQ(env.master_hostname(), "algo-2");
    EXPECT_FALSE(env.is_master());
    EXPECT_FALSE(env.distribution_enabled());
    EXPECT_EQ(env.current_host_rank(), std::nullopt);

    const auto vars = as_map(env.to_env_vars());
    EXPECT_EQ(vars.at("SM_HOST_COUNT"), "2");
    EXPECT_EQ(vars.count("SM_CURRENT_HOST_RANK"), 0u);  // documented: no rank outside the distribution
    EXPECT_EQ(vars.at("SM_MASTER_ADDR"), "algo-2");
    EXPECT_EQ(vars.at("SM_IS_HETERO"), "true");
    EXPECT_EQ(
        vars.at("SM_INSTANCE_GROUPS_DICT"),
        R"({"data":{"hosts":["algo-3"],"instance_group_name":"data","instance_type":"ml.c5.xlarge"},)"
        R"("train":{"hosts":["algo-2","algo-1"],"instance_group_name":"train","instance_type":"ml.p4d.24xlarge"}})");
    EXPECT_EQ(vars.at("SM_FRAMEWORK_PARAMS"), R"({"sagemaker_distribution_instance_groups":["train"]})");
}

TEST(Cluster, RankIsTheIndexInTheDistributionHosts) {
    TrainingTree tree;
    tree.resource_config(hetero("algo-1", "train"));
    tree.hyperparameters(R"({"sagemaker_distribution_instance_groups": "[\"train\"]"})");
    const TrainingEnv env = load_tree(tree);
    EXPECT_TRUE(env.distribution_enabled());
    EXPECT_EQ(env.current_host_rank(), 1u);
    EXPECT_EQ(as_map(env.to_env_vars()).at("SM_CURRENT_HOST_RANK"), "1");
}

TEST(Cluster, EnabledFlagPutsTheCurrentGroupInTheDistribution) {
    for (const char* flag :
         {"sagemaker_mpi_enabled", "sagemaker_parameter_server_enabled",
          "sagemaker_distributed_dataparallel_enabled", "sagemaker_pytorch_ddp_enabled",
          "sagemaker_pytorch_xla_multi_worker_enabled", "sagemaker_multi_worker_mirrored_strategy_enabled",
          "sagemaker_torch_distributed_enabled"}) {
        TrainingTree tree;
        tree.resource_config(hetero("algo-3", "data"));
        tree.hyperparameters(std::string(R"({")") + flag + R"(": "true"})");
        const TrainingEnv env = load_tree(tree);
        EXPECT_EQ(env.distribution_instance_groups(), (Strings{"data"})) << flag;
        EXPECT_EQ(env.distribution_hosts(), (Strings{"algo-3"})) << flag;
        EXPECT_TRUE(env.is_master()) << flag;
    }
}

TEST(Cluster, FalsyFlagsDoNotDistribute) {
    TrainingTree tree;
    tree.resource_config(hetero("algo-3", "data"));
    tree.hyperparameters(R"({"sagemaker_mpi_enabled": "false", "sagemaker_pytorch_ddp_enabled": "0",
                             "sagemaker_torch_distributed_enabled": "\"\""})");
    const TrainingEnv env = load_tree(tree);
    EXPECT_EQ(env.distribution_instance_groups(), Strings{});
    EXPECT_EQ(env.distribution_hosts(), Strings{});
    // No distribution hosts: the master is the first of all hosts, and ranks count over them.
    EXPECT_EQ(env.master_hostname(), "algo-1");
    EXPECT_EQ(env.current_host_rank(), 2u);
    EXPECT_EQ(as_map(env.to_env_vars()).at("SM_HOST_COUNT"), "3");
}

TEST(Cluster, NoInstanceGroupsIsLocalModeWhereEveryHostDistributes) {
    TrainingTree tree;
    tree.resource_config(R"({"current_host": "b", "hosts": ["a", "b"]})");
    const TrainingEnv env = load_tree(tree);
    EXPECT_EQ(env.distribution_hosts(), (Strings{"a", "b"}));
    EXPECT_EQ(env.master_hostname(), "a");
    EXPECT_FALSE(env.is_master());
    EXPECT_FALSE(env.is_hetero());
    EXPECT_FALSE(env.distribution_enabled());
    EXPECT_EQ(env.current_instance_group_hosts(), Strings{});
}

TEST(Cluster, OldGroupKeyIsAcceptedAndTheSageMakerKeyWins) {
    TrainingTree tree;
    tree.resource_config(R"({"current_host": "a", "hosts": ["a"], "current_instance_group": "old",
                             "instance_groups": [{"instance_group_name": "old", "hosts": ["a"]}]})");
    EXPECT_EQ(load_tree(tree).current_instance_group(), "old");
    EXPECT_EQ(load_tree(tree).current_instance_group_hosts(), (Strings{"a"}));
    tree.resource_config(R"({"current_host": "a", "hosts": ["a"], "current_instance_group": "old",
                             "current_group_name": "new"})");
    EXPECT_EQ(load_tree(tree).current_instance_group(), "new");
}

TEST(Cluster, RepeatedGroupNameReplacesTheDictEntryInPlace) {
    TrainingTree tree;
    tree.resource_config(R"({"current_host": "a", "hosts": ["a", "b"], "current_group_name": "g",
                             "instance_groups": [{"instance_group_name": "g", "hosts": ["a"]},
                                                 {"instance_group_name": "h", "hosts": []},
                                                 {"instance_group_name": "g", "hosts": ["b"]}]})");
    const TrainingEnv env = load_tree(tree);
    EXPECT_EQ(env.instance_groups(), (Strings{"g", "h", "g"}));
    EXPECT_EQ(
        dump_json(env.instance_groups_dict(), {.sort_keys = false}),
        R"({"g":{"instance_group_name":"g","hosts":["b"]},"h":{"instance_group_name":"h","hosts":[]}})");
    EXPECT_EQ(env.current_instance_group_hosts(), (Strings{"a"}));  // the first match, as the toolkit's loop
}

TEST(Cluster, NetworkInterfaceAndInstanceType) {
    TrainingTree tree;
    tree.resource_config(R"({"current_host": "a", "hosts": ["a"], "network_interface_name": "ethwe",
                             "current_instance_type": "ml.m5.xlarge"})");
    const TrainingEnv env = load_tree(tree);
    EXPECT_EQ(env.network_interface_name(), "ethwe");
    EXPECT_EQ(env.current_instance_type(), "ml.m5.xlarge");
}

}  // namespace
}  // namespace smtrain::testing
