// SPDX-License-Identifier: Apache-2.0
// A two-host MPI job, rendered in full: every SM_* variable, argv and SM_TRAINING_ENV
// written out by hand from the toolkit's Environment (environment.py, mapping.py).
#include "env_test_util.hpp"

#include <gtest/gtest.h>

#include "lib/json.hpp"

namespace smtrain::testing {
namespace {

class TwoHostJob : public ::testing::Test {
protected:
    void SetUp() override {
        tree.resource_config(R"({
            "current_host": "algo-2",
            "hosts": ["algo-1", "algo-2"],
            "current_group_name": "homogeneousCluster",
            "current_instance_type": "ml.p3.16xlarge",
            "instance_groups": [{"instance_group_name": "homogeneousCluster",
                                 "instance_type": "ml.p3.16xlarge",
                                 "hosts": ["algo-2", "algo-1"]}],
            "network_interface_name": "eth0"
        })");
        tree.input_data_config(R"({
            "train": {"TrainingInputMode": "File", "S3DistributionType": "FullyReplicated",
                      "RecordWrapperType": "None"},
            "eval": {"TrainingInputMode": "File"}
        })");
        tree.hyperparameters(R"({
            "sagemaker_program": "\"train.py\"",
            "sagemaker_submit_directory": "\"s3://bucket/source.tar.gz\"",
            "sagemaker_region": "\"us-west-2\"",
            "sagemaker_job_name": "\"job-1\"",
            "sagemaker_container_log_level": "20",
            "sagemaker_mpi_enabled": "true",
            "lr": "1e-05",
            "epochs": "10",
            "flag": "true",
            "name": "resnet"
        })");
    }

    TrainingTree tree;
};

// The toolkit orders hosts by the instance group's list, so algo-2 is the master here.
const char* const expected_training_env =
    R"({"additional_framework_parameters":{"sagemaker_mpi_enabled":true},)"
    R"("channel_input_dirs":{"eval":"{base}/input/data/eval","train":"{base}/input/data/train"},)"
    R"("current_host":"algo-2","current_instance_group":"homogeneousCluster",)"
    R"("current_instance_group_hosts":["algo-2","algo-1"],"current_instance_type":"ml.p3.16xlarge",)"
    R"("distribution_hosts":["algo-2","algo-1"],"distribution_instance_groups":["homogeneousCluster"],)"
    R"("framework_module":null,"hosts":["algo-1","algo-2"],)"
    R"("hyperparameters":{"epochs":10,"flag":true,"lr":1e-05,"name":"resnet"},)"
    R"("input_config_dir":"{base}/input/config",)"
    R"("input_data_config":{"eval":{"TrainingInputMode":"File"},"train":{"RecordWrapperType":"None",)"
    R"("S3DistributionType":"FullyReplicated","TrainingInputMode":"File"}},)"
    R"("input_dir":"{base}/input","instance_groups":["homogeneousCluster"],)"
    R"("instance_groups_dict":{"homogeneousCluster":{"hosts":["algo-2","algo-1"],)"
    R"("instance_group_name":"homogeneousCluster","instance_type":"ml.p3.16xlarge"}},)"
    R"("is_hetero":false,"is_master":true,"is_modelparallel_enabled":null,)"
    R"("is_smddpmprun_installed":false,"is_smddprun_installed":false,"job_name":"job-1",)"
    R"("log_level":20,"master_hostname":"algo-2","model_dir":"{base}/model",)"
    R"("module_dir":"s3://bucket/source.tar.gz","module_name":"train","network_interface_name":"eth0",)"
    R"("num_cpus":8,"num_gpus":2,"num_neurons":0,"output_data_dir":"{base}/output/data",)"
    R"("output_dir":"{base}/output","output_intermediate_dir":"{base}/output/intermediate",)"
    R"("resource_config":{"current_group_name":"homogeneousCluster","current_host":"algo-2",)"
    R"("current_instance_type":"ml.p3.16xlarge","hosts":["algo-1","algo-2"],)"
    R"("instance_groups":[{"hosts":["algo-2","algo-1"],"instance_group_name":"homogeneousCluster",)"
    R"("instance_type":"ml.p3.16xlarge"}],"network_interface_name":"eth0"},)"
    R"("topology":[],"user_entry_point":"train.py"})";

TEST_F(TwoHostJob, TrainingEnvJsonIsTheToolkits) {
    const TrainingEnv env = load_tree(tree, {{"TRAINING_JOB_NAME", "job-1"}});
    EXPECT_EQ(dump_json(env.training_env()), with_base(expected_training_env, tree));
}

TEST_F(TwoHostJob, EveryEnvironmentVariable) {
    const TrainingEnv env = load_tree(tree, {{"TRAINING_JOB_NAME", "job-1"}});
    const EnvVars expected = {
        {"SM_CHANNELS", R"(["eval","train"])"},
        {"SM_CHANNEL_EVAL", with_base("{base}/input/data/eval", tree)},
        {"SM_CHANNEL_TRAIN", with_base("{base}/input/data/train", tree)},
        {"SM_CURRENT_HOST", "algo-2"},
        {"SM_CURRENT_HOST_RANK", "0"},
        {"SM_CURRENT_INSTANCE_GROUP", "homogeneousCluster"},
        {"SM_CURRENT_INSTANCE_GROUP_HOSTS", R"(["algo-2","algo-1"])"},
        {"SM_CURRENT_INSTANCE_TYPE", "ml.p3.16xlarge"},
        {"SM_DISTRIBUTION_INSTANCE_GROUPS", R"(["homogeneousCluster"])"},
        {"SM_FRAMEWORK_MODULE", ""},
        {"SM_FRAMEWORK_PARAMS", R"({"sagemaker_mpi_enabled":true})"},
        {"SM_HOSTS", R"(["algo-1","algo-2"])"},
        {"SM_HOST_COUNT", "2"},
        {"SM_HPS", R"({"epochs":10,"flag":true,"lr":1e-05,"name":"resnet"})"},
        {"SM_HP_EPOCHS", "10"},
        {"SM_HP_FLAG", "true"},
        {"SM_HP_LR", "1e-05"},
        {"SM_HP_NAME", "resnet"},
        {"SM_INPUT_CONFIG_DIR", with_base("{base}/input/config", tree)},
        {"SM_INPUT_DATA_CONFIG",
         R"({"eval":{"TrainingInputMode":"File"},"train":{"RecordWrapperType":"None",)"
         R"("S3DistributionType":"FullyReplicated","TrainingInputMode":"File"}})"},
        {"SM_INPUT_DIR", with_base("{base}/input", tree)},
        {"SM_INSTANCE_GROUPS", R"(["homogeneousCluster"])"},
        {"SM_INSTANCE_GROUPS_DICT",
         R"({"homogeneousCluster":{"hosts":["algo-2","algo-1"],)"
         R"("instance_group_name":"homogeneousCluster","instance_type":"ml.p3.16xlarge"}})"},
        {"SM_IS_HETERO", "false"},
        {"SM_LOG_LEVEL", "20"},
        {"SM_MASTER_ADDR", "algo-2"},
        {"SM_MASTER_PORT", "7777"},
        {"SM_MODEL_DIR", with_base("{base}/model", tree)},
        {"SM_MODULE_DIR", "s3://bucket/source.tar.gz"},
        {"SM_MODULE_NAME", "train"},
        {"SM_NETWORK_INTERFACE_NAME", "eth0"},
        {"SM_NUM_CPUS", "8"},
        {"SM_NUM_GPUS", "2"},
        {"SM_NUM_NEURONS", "0"},
        {"SM_OUTPUT_DATA_DIR", with_base("{base}/output/data", tree)},
        {"SM_OUTPUT_DIR", with_base("{base}/output", tree)},
        {"SM_OUTPUT_INTERMEDIATE_DIR", with_base("{base}/output/intermediate", tree)},
        {"SM_RESOURCE_CONFIG",
         R"({"current_group_name":"homogeneousCluster","current_host":"algo-2",)"
         R"("current_instance_type":"ml.p3.16xlarge","hosts":["algo-1","algo-2"],)"
         R"("instance_groups":[{"hosts":["algo-2","algo-1"],)"
         R"("instance_group_name":"homogeneousCluster","instance_type":"ml.p3.16xlarge"}],)"
         R"("network_interface_name":"eth0"})"},
        {"SM_TRAINING_ENV", with_base(expected_training_env, tree)},
        {"SM_USER_ARGS", R"(["--epochs","10","--flag","True","--lr","1e-05","--name","resnet"])"},
        {"SM_USER_ENTRY_POINT", "train.py"},
    };
    EXPECT_EQ(env.to_env_vars(), expected);
}

TEST_F(TwoHostJob, ArgvAndProcessVariables) {
    const TrainingEnv env = load_tree(tree);
    EXPECT_EQ(env.to_cmd_args(), (std::vector<std::string>{"--epochs", "10", "--flag", "True", "--lr",
                                                           "1e-05", "--name", "resnet"}));
    EXPECT_EQ(env.toolkit_process_env_vars(), (EnvVars{{"CURRENT_HOST", "algo-2"},
                                                       {"SAGEMAKER_JOB_NAME", "job-1"},
                                                       {"SAGEMAKER_REGION", "us-west-2"}}));
}

TEST_F(TwoHostJob, TypedAccessors) {
    const TrainingEnv env = load_tree(tree, {{"TRAINING_JOB_NAME", "job-1"}});
    EXPECT_EQ(env.paths().base, tree.base());
    EXPECT_EQ(env.paths().checkpoints, tree.base() / "checkpoints");
    EXPECT_EQ(env.channel("train"), tree.base() / "input" / "data" / "train");
    EXPECT_EQ(env.hosts(), (std::vector<std::string>{"algo-1", "algo-2"}));
    EXPECT_TRUE(env.is_master());
    EXPECT_TRUE(env.distribution_enabled());
    EXPECT_EQ(env.user_entry_point(), "train.py");
    EXPECT_EQ(env.module_name(), "train");
    EXPECT_EQ(env.job_name(), "job-1");
    EXPECT_EQ(env.region(), "us-west-2");
    EXPECT_EQ(env.current_host_rank(), 0u);
    EXPECT_EQ(
        dump_json(env.sagemaker_hyperparameters()),
        R"({"sagemaker_container_log_level":20,"sagemaker_job_name":"job-1","sagemaker_mpi_enabled":true,)"
        R"("sagemaker_program":"train.py","sagemaker_region":"us-west-2",)"
        R"("sagemaker_submit_directory":"s3://bucket/source.tar.gz"})");
}

}  // namespace
}  // namespace smtrain::testing
