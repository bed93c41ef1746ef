// SPDX-License-Identifier: Apache-2.0
// SAGEMAKER_REGION: the sagemaker_region hyperparameter, else the region boto3 finds.
#include "env_test_util.hpp"

#include <gtest/gtest.h>

#include "lib/region.hpp"

namespace smtrain::testing {
namespace {

std::string region_with(const TrainingTree& tree, Environ extra) {
    return load_tree(tree, std::move(extra)).region();
}

TEST(Region, HyperparameterFirst) {
    TrainingTree tree;
    tree.hyperparameters(R"({"sagemaker_region": "\"eu-central-1\""})");
    EXPECT_EQ(region_with(tree, {{"AWS_REGION", "us-east-1"}}), "eu-central-1");
}

TEST(Region, EnvironmentVariablesInOrder) {
    TrainingTree tree;
    // botocore reads AWS_DEFAULT_REGION, never AWS_REGION (our last resort only).
    EXPECT_EQ(region_with(tree, {{"AWS_REGION", "us-east-1"}, {"AWS_DEFAULT_REGION", "us-west-2"}}),
              "us-west-2");
    EXPECT_EQ(region_with(tree, {{"AWS_DEFAULT_REGION", "us-west-2"}}), "us-west-2");
    // Set but empty stops the search, as in botocore.
    tree.write(".aws/config", "[default]\nregion = sa-east-1\n");
    EXPECT_EQ(region_with(tree, {{"AWS_DEFAULT_REGION", ""}}), "");
}

TEST(Region, ConfigFileDefaultProfile) {
    TrainingTree tree;  // HOME is the tree's temp dir
    tree.write(".aws/config",
               "[profile other]\nregion = ap-south-1\n\n[default]\noutput = json\nregion = sa-east-1\n");
    EXPECT_EQ(region_with(tree, {}), "sa-east-1");
    EXPECT_EQ(as_map(load_tree(tree).toolkit_process_env_vars()).at("SAGEMAKER_REGION"), "sa-east-1");
}

TEST(Region, ConfigFileNamedProfileAndFileVariable) {
    TrainingTree tree;
    const auto file = tree.write(
        "elsewhere.ini", "[default]\nregion=us-east-2\n[profile dev]\n# comment\nRegion: eu-north-1\n");
    EXPECT_EQ(region_with(tree, {{"AWS_CONFIG_FILE", file.string()}, {"AWS_PROFILE", "dev"}}), "eu-north-1");
    EXPECT_EQ(region_with(tree, {{"AWS_CONFIG_FILE", file.string()}}), "us-east-2");
    EXPECT_EQ(region_with(tree, {{"AWS_CONFIG_FILE", file.string()}, {"AWS_PROFILE", "missing"}}), "");
    // botocore's order: AWS_DEFAULT_PROFILE before AWS_PROFILE.
    EXPECT_EQ(region_with(tree, {{"AWS_CONFIG_FILE", file.string()},
                                 {"AWS_PROFILE", "dev"},
                                 {"AWS_DEFAULT_PROFILE", "default"}}),
              "us-east-2");
}

TEST(Region, NoneAnywhereIsEmpty) {
    TrainingTree tree;
    EXPECT_EQ(region_with(tree, {}), "");
    EXPECT_EQ(as_map(load_tree(tree).toolkit_process_env_vars()).at("SAGEMAKER_REGION"), "");
}

TEST(Region, ConfigParsing) {
    using detail::region_from_config_text;
    const char* text =
        "[default]\n"
        "s3 =\n"
        "  region = not-this-one\n"
        "region = us-west-1\n"
        "[profile  spaced ]\n"
        "region   =   eu-west-3  \n"
        "[notaprofile]\n"
        "region = never\n"
        "; comment\n";
    EXPECT_EQ(region_from_config_text(text, "default"), "us-west-1");
    EXPECT_EQ(region_from_config_text(text, "spaced"), "eu-west-3");
    EXPECT_EQ(region_from_config_text(text, "notaprofile"), std::nullopt);
    EXPECT_EQ(region_from_config_text("", "default"), std::nullopt);
    EXPECT_EQ(region_from_config_text("[profile default]\nregion = x\n", "default"), "x");
}

}  // namespace
}  // namespace smtrain::testing
