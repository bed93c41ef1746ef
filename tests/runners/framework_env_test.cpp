// SPDX-License-Identifier: Apache-2.0
// The framework containers' runner choice and variables (issue 12), from trees
// as the SageMaker SDK writes them. Every TF_CONFIG below is written by hand
// from the TensorFlow container's training.py (_build_tf_config_for_ps,
// _build_tf_config_for_mwms, then json.dumps with its default separators);
// the runner order and variables from the PyTorch container's training.py.
#include "runners/framework_env.hpp"
#include "runners/choose.hpp"

#include <smtrain/error.hpp>

#include "../support/temp_tree.hpp"

#include <gtest/gtest.h>

#include <map>

namespace smtrain::runners {
namespace {

using smtrain::testing::TrainingTree;

TrainingEnv load(const TrainingTree& tree, Environ environ = {}) {
    LoadOptions options;
    environ.emplace("SAGEMAKER_BASE_DIR", tree.base_string());
    environ.emplace("HOME", tree.path().string());
    options.environ = environ;
    MachineFacts machine;
    machine.num_cpus = 4;
    options.machine = machine;
    options.default_base = tree.path() / "no-such-opt-ml";
    return TrainingEnv::load(options);
}

/// A tree of `hosts` (a JSON list) seen from `current`, with these hyperparameters.
TrainingEnv job(const std::string& hosts, const std::string& current, const std::string& hyperparameters,
                TrainingTree& tree) {
    tree.resource_config(R"({"current_host": ")" + current + R"(", "hosts": )" + hosts +
                         R"(, "network_interface_name": "eth1"})");
    tree.hyperparameters(hyperparameters);
    return load(tree);
}

std::map<std::string, std::string> vars_of(const TrainingEnv& env) {
    std::map<std::string, std::string> out;
    for (auto& [name, value] : framework_env_vars(env)) out[name] = value;
    return out;
}

const std::string kThreeHosts = R"(["algo-1", "algo-2", "algo-3"])";

TEST(TfConfig, ParameterServersAsEachOfThreeHostsSeesIt) {
    const std::string cluster =
        R"({"cluster": {"master": ["algo-1:2222"], "ps": ["algo-1:2223", "algo-2:2223", "algo-3:2223"], )"
        R"("worker": ["algo-2:2222", "algo-3:2222"]}, "environment": "cloud", )";
    const std::vector<std::string> hosts = {"algo-1", "algo-2", "algo-3"};
    EXPECT_EQ(tf_config_for_parameter_servers(hosts, "algo-1"),
              cluster + R"("task": {"index": 0, "type": "master"}})");
    EXPECT_EQ(tf_config_for_parameter_servers(hosts, "algo-2"),
              cluster + R"("task": {"index": 0, "type": "worker"}})");
    EXPECT_EQ(tf_config_for_parameter_servers(hosts, "algo-3"),
              cluster + R"("task": {"index": 1, "type": "worker"}})");
}

TEST(TfConfig, ParameterServersOfOneDistributionHostHaveOnlyAMaster) {
    EXPECT_EQ(
        tf_config_for_parameter_servers({"algo-1"}, "algo-1"),
        R"({"cluster": {"master": ["algo-1:2222"]}, "environment": "cloud", "task": {"index": 0, "type": "master"}})");
}

TEST(TfConfig, MultiWorkerMirroredMasterAndWorkerViews) {
    const std::vector<std::string> hosts = {"algo-1", "algo-2"};
    EXPECT_EQ(tf_config_for_multi_worker_mirrored(hosts, "algo-1"),
              R"({"cluster": {"worker": ["algo-1:8890", "algo-2:8890"]}, "environment": "cloud", )"
              R"("task": {"index": 0, "type": "worker"}})");
    EXPECT_EQ(tf_config_for_multi_worker_mirrored(hosts, "algo-2"),
              R"({"cluster": {"worker": ["algo-1:8890", "algo-2:8890"]}, "environment": "cloud", )"
              R"("task": {"index": 1, "type": "worker"}})");
    EXPECT_THROW(tf_config_for_multi_worker_mirrored(hosts, "algo-9"), ConfigError);
}

TEST(TfConfig, NonAsciiHostNamesAreEscapedAsJsonDumps) {
    EXPECT_EQ(
        tf_config_for_multi_worker_mirrored({"h\u00e9"}, "h\u00e9"),
        R"({"cluster": {"worker": ["h\u00e9:8890"]}, "environment": "cloud", "task": {"index": 0, "type": "worker"}})");
}

TEST(FrameworkEnv, TensorFlowParameterServerTwoHostsWorkerView) {
    TrainingTree tree;
    // TensorFlow(distribution={"parameter_server": {"enabled": True}}), 2 instances.
    const auto env =
        job(R"(["algo-1", "algo-2"])", "algo-2",
            R"({"sagemaker_parameter_server_enabled": "true", "sagemaker_program": "\"train.py\"",)"
            R"( "model_dir": "\"s3://b/job/model\""})",
            tree);
    EXPECT_EQ(choose_runner(env), RunnerKind::TfParameterServer);
    EXPECT_EQ(
        vars_of(env),
        (std::map<std::string, std::string>{
            {"TF_CONFIG", R"({"cluster": {"master": ["algo-1:2222"], "ps": ["algo-1:2223", "algo-2:2223"], )"
                          R"("worker": ["algo-2:2222"]}, "environment": "cloud", )"
                          R"("task": {"index": 0, "type": "worker"}})"}}));
}

TEST(FrameworkEnv, ParameterServerOnOneHostIsAPlainJob) {
    TrainingTree tree;
    const auto env =
        job(R"(["algo-1"])", "algo-1", R"({"sagemaker_parameter_server_enabled": "true"})", tree);
    EXPECT_EQ(choose_runner(env), RunnerKind::Process);
    EXPECT_TRUE(vars_of(env).empty());
}

TEST(FrameworkEnv, ParameterServerWinsOverMpiAsInTheTensorFlowContainer) {
    TrainingTree tree;
    const auto env =
        job(R"(["algo-1", "algo-2"])", "algo-1",
            R"({"sagemaker_parameter_server_enabled": true, "sagemaker_mpi_enabled": true})", tree);
    EXPECT_EQ(choose_runner(env), RunnerKind::TfParameterServer);
    // The TensorFlow container's job: TF_CONFIG only, none of the PyTorch container's variables.
    TrainingTree mixed;
    const auto mixed_env = job(R"(["algo-1", "algo-2"])", "algo-1",
                               R"({"sagemaker_parameter_server_enabled": true,)"
                               R"( "sagemaker_pytorch_xla_multi_worker_enabled": true})",
                               mixed);
    EXPECT_EQ(choose_runner(mixed_env), RunnerKind::TfParameterServer);
    const auto vars = framework_env_vars(mixed_env);
    ASSERT_EQ(vars.size(), 1u);
    EXPECT_EQ(vars[0].first, "TF_CONFIG");
}

TEST(FrameworkEnv, ParameterServerOnAHostOutsideTheDistributionGroupsIsAConfigError) {
    TrainingTree tree;
    tree.resource_config(
        R"({"current_host": "algo-2", "hosts": ["algo-1", "algo-2"], "current_group_name": "b",)"
        R"( "instance_groups": [{"instance_group_name": "a", "hosts": ["algo-1"]},)"
        R"( {"instance_group_name": "b", "hosts": ["algo-2"]}]})");
    tree.hyperparameters(
        R"({"sagemaker_parameter_server_enabled": true, "sagemaker_distribution_instance_groups": ["a"]})");
    const auto env = load(tree);
    EXPECT_EQ(choose_runner(env), RunnerKind::Process);
    EXPECT_THROW(framework_env_vars(env), ConfigError);
}

TEST(FrameworkEnv, MultiWorkerMirroredWithMpiKeepsMpiAndAddsTfConfig) {
    TrainingTree tree;
    const auto env = job(
        kThreeHosts, "algo-3",
        R"({"sagemaker_multi_worker_mirrored_strategy_enabled": true, "sagemaker_mpi_enabled": true})", tree);
    EXPECT_EQ(choose_runner(env), RunnerKind::Mpi);
    EXPECT_EQ(
        vars_of(env).at("TF_CONFIG"),
        R"({"cluster": {"worker": ["algo-1:8890", "algo-2:8890", "algo-3:8890"]}, "environment": "cloud", )"
        R"("task": {"index": 2, "type": "worker"}})");
}

TEST(FrameworkEnv, MultiWorkerMirroredAloneIsAProcessWithTfConfig) {
    TrainingTree tree;
    const auto env =
        job(R"(["algo-1"])", "algo-1", R"({"sagemaker_multi_worker_mirrored_strategy_enabled": true})", tree);
    EXPECT_EQ(choose_runner(env), RunnerKind::Process);
    EXPECT_EQ(
        vars_of(env).at("TF_CONFIG"),
        R"({"cluster": {"worker": ["algo-1:8890"]}, "environment": "cloud", "task": {"index": 0, "type": "worker"}})");
}

TEST(FrameworkEnv, HuggingFacePytorchDdpRunsSmDataParallelWithThePyTorchVariables) {
    TrainingTree tree;
    // HuggingFace(distribution={"pytorchddp": {"enabled": True}}, instance_type="ml.p4d.24xlarge").
    const auto env = job(
        R"(["algo-1", "algo-2"])", "algo-2",
        R"({"sagemaker_pytorch_ddp_enabled": true, "sagemaker_instance_type": "\"ml.p4d.24xlarge\""})", tree);
    EXPECT_EQ(choose_runner(env), RunnerKind::SmDataParallel);
    EXPECT_EQ(vars_of(env), (std::map<std::string, std::string>{{"NCCL_SOCKET_IFNAME", "eth1"},
                                                                {"NCCL_IB_DISABLE", "1"},
                                                                {"NCCL_DEBUG", "WARN"},
                                                                {"MASTER_ADDR", "algo-1"},
                                                                {"MASTER_PORT", "7777"}}));
}

TEST(FrameworkEnv, ThePyTorchContainersOrder) {
    TrainingTree tree;
    auto kind = [&](const std::string& hyperparameters) {
        return choose_runner(job(R"(["algo-1", "algo-2"])", "algo-1", hyperparameters, tree));
    };
    // mpi first, then pytorchddp, torch_distributed, smdistributed dataparallel, PT-XLA.
    EXPECT_EQ(kind(R"({"sagemaker_mpi_enabled": true, "sagemaker_torch_distributed_enabled": true})"),
              RunnerKind::Mpi);
    EXPECT_EQ(kind(R"({"sagemaker_pytorch_ddp_enabled": true, "sagemaker_torch_distributed_enabled": true})"),
              RunnerKind::SmDataParallel);
    EXPECT_EQ(
        kind(
            R"({"sagemaker_torch_distributed_enabled": true, "sagemaker_distributed_dataparallel_enabled": true})"),
        RunnerKind::TorchDistributed);
    EXPECT_EQ(
        kind(
            R"({"sagemaker_distributed_dataparallel_enabled": true, "sagemaker_pytorch_xla_multi_worker_enabled": true})"),
        RunnerKind::SmDataParallel);
    EXPECT_EQ(kind(R"({"sagemaker_pytorch_xla_multi_worker_enabled": true})"), RunnerKind::PyTorchXla);
    EXPECT_EQ(kind(R"({"sagemaker_pytorch_ddp_enabled": false})"), RunnerKind::Process);
}

TEST(FrameworkEnv, AFrameworkModuleSetsItsOwn) {
    // SAGEMAKER_TRAINING_MODULE is the container's training.py itself: it adds them.
    TrainingTree tree;
    tree.resource_config(R"({"current_host": "algo-1", "hosts": ["algo-1", "algo-2"]})");
    tree.hyperparameters(R"({"sagemaker_multi_worker_mirrored_strategy_enabled": true,)"
                         R"( "sagemaker_torch_distributed_enabled": true})");
    EXPECT_EQ(framework_env_vars(load(tree)).size(), 6u);
    EXPECT_TRUE(framework_env_vars(load(tree, {{"SAGEMAKER_TRAINING_MODULE",
                                                "sagemaker_tensorflow_container.training:main"}}))
                    .empty());
}

TEST(FrameworkEnv, AFrameworkModuleRunsAsAPlainProcess) {
    // The container's training.py (SAGEMAKER_TRAINING_MODULE) chooses its runner itself.
    TrainingTree tree;
    tree.resource_config(R"({"current_host": "algo-1", "hosts": ["algo-1", "algo-2"]})");
    tree.hyperparameters(R"({"sagemaker_mpi_enabled": true})");
    EXPECT_EQ(choose_runner(load(tree)), RunnerKind::Mpi);
    EXPECT_EQ(choose_runner(
                  load(tree, {{"SAGEMAKER_TRAINING_MODULE", "sagemaker_pytorch_container.training:main"}})),
              RunnerKind::Process);
}

TEST(FrameworkEnv, PlainMpiAndSmddpGetNoPyTorchVariables) {
    TrainingTree tree;
    EXPECT_TRUE(vars_of(job(R"(["algo-1"])", "algo-1", R"({"sagemaker_mpi_enabled": true})", tree)).empty());
    EXPECT_TRUE(vars_of(job(R"(["algo-1"])", "algo-1",
                            R"({"sagemaker_distributed_dataparallel_enabled": true})", tree))
                    .empty());
}

}  // namespace
}  // namespace smtrain::runners
