// SPDX-License-Identifier: Apache-2.0
// Regressions found by the differential harness (tools/parity). Each expected
// value is what the Python toolkit (sagemaker-training, with boto3/botocore 1.43)
// printed for the same tree and environment, written out by hand.
#include "env_test_util.hpp"

#include <gtest/gtest.h>

namespace smtrain::testing {
namespace {

std::string exported_region(const TrainingTree& tree, Environ extra) {
    return as_map(load_tree(tree, std::move(extra)).toolkit_process_env_vars()).at("SAGEMAKER_REGION");
}

// botocore reads AWS_DEFAULT_REGION and never AWS_REGION: with both set, the
// toolkit exported SAGEMAKER_REGION=us-east-2.
TEST(ParityRegression, RegionDefaultRegionBeatsAwsRegion) {
    TrainingTree tree;
    EXPECT_EQ(exported_region(tree, {{"AWS_REGION", "eu-west-1"}, {"AWS_DEFAULT_REGION", "us-east-2"}}),
              "us-east-2");
}

// The profile's region in ~/.aws/config comes before AWS_REGION: the toolkit gave sa-east-1.
TEST(ParityRegression, RegionConfigFileBeatsAwsRegion) {
    TrainingTree tree;
    tree.write(".aws/config", "[default]\nregion=ap-south-1\n[profile dev]\nregion = sa-east-1\n");
    EXPECT_EQ(exported_region(tree, {{"AWS_REGION", "us-east-1"}, {"AWS_PROFILE", "dev"}}), "sa-east-1");
}

// botocore takes AWS_DEFAULT_PROFILE before AWS_PROFILE.
TEST(ParityRegression, RegionDefaultProfileBeatsProfile) {
    TrainingTree tree;
    tree.write(".aws/config", "[profile one]\nregion = eu-north-1\n[profile two]\nregion = af-south-1\n");
    EXPECT_EQ(exported_region(tree, {{"AWS_DEFAULT_PROFILE", "one"}, {"AWS_PROFILE", "two"}}), "eu-north-1");
}

// Where botocore finds nothing the toolkit exports ""; we then use AWS_REGION (an addition).
TEST(ParityRegression, RegionAwsRegionOnlyAsLastResort) {
    TrainingTree tree;
    EXPECT_EQ(exported_region(tree, {{"AWS_REGION", "us-east-1"}}), "us-east-1");
    EXPECT_EQ(exported_region(tree, {{"AWS_REGION", "us-east-1"}, {"AWS_DEFAULT_REGION", ""}}), "us-east-1");
    EXPECT_EQ(exported_region(tree, {}), "");
}

}  // namespace
}  // namespace smtrain::testing
