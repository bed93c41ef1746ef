// SPDX-License-Identifier: Apache-2.0
// The SDK v3 unit (sdk_v3.hpp) on trees as ModelTrainer writes them. Every
// expected value is written by hand from the SDK's source
// (sagemaker-train/src/sagemaker/train/container_drivers: scripts/environment.py,
// common/utils.py, distributed_drivers/{torchrun_driver,mpi_driver,mpi_utils}.py).
#include "runners/sdk_v3.hpp"
#include "../support/temp_tree.hpp"

#include <smtrain/error.hpp>
#include <smtrain/training_env.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace smtrain;
using namespace smtrain::runners;
using Argv = std::vector<std::string>;
namespace fs = std::filesystem;

namespace {

class V3Tree : public ::testing::Test {
protected:
    void SetUp() override {
        base = dir_.path();
        resourceconfig(R"({"current_host": "algo-2", "hosts": ["algo-2", "algo-1"],
                          "network_interface_name": "ethwe", "current_instance_type": "ml.p4d.24xlarge"})");
        write("input/config/inputdataconfig.json",
              R"({"train": {"TrainingInputMode": "File"}, "code": {"TrainingInputMode": "File"},
                  "sm_drivers": {"TrainingInputMode": "File"}})");
        write("input/config/hyperparameters.json", "{}");
        write("input/data/sm_drivers/sourcecode.json",
              R"({"source_dir": "/home/me/src", "requirements": null, "entry_script": "train.py",
                  "command": "exec sm-train", "ignore_patterns": [".env", ".git"]})");
    }

    void write(const std::string& relative, const std::string& text) const {
        fs::create_directories((base / relative).parent_path());
        std::ofstream(base / relative) << text;
    }
    void resourceconfig(const std::string& json) const { write("input/config/resourceconfig.json", json); }
    TrainingEnv load(int gpus = 0) const {
        LoadOptions options;
        options.environ = Environ{{"SAGEMAKER_BASE_DIR", base.string()}, {"TRAINING_JOB_NAME", "job-7"}};
        MachineFacts machine;
        machine.num_cpus = 8;
        machine.num_gpus = gpus;
        options.machine = machine;
        return TrainingEnv::load(options);
    }
    std::string value(const EnvVars& vars, const std::string& name) const {
        for (const auto& [n, v] : vars) {
            if (n == name) return v;
        }
        return "<unset>";
    }

    smtrain::testing::TempDir dir_;  // removed with the tree
    fs::path base;
};

TEST(SafeSerialize, StringsRawEverythingElseJsonDumpsWithDefaultSeparators) {
    EXPECT_EQ(v3::safe_serialize(Value("abc")), "abc");
    EXPECT_EQ(v3::safe_serialize(v3::safe_deserialize("10")), "10");
    EXPECT_EQ(v3::safe_serialize(v3::safe_deserialize("1.50")), "1.5");
    EXPECT_EQ(v3::safe_serialize(v3::safe_deserialize("true")), "true");
    EXPECT_EQ(v3::safe_serialize(v3::safe_deserialize("[64,32]")), "[64, 32]");
    EXPECT_EQ(v3::safe_serialize(v3::safe_deserialize(R"({"b1":0.9,"a":"é"})")),
              R"({"b1": 0.9, "a": "\u00e9"})");
    EXPECT_EQ(v3::safe_serialize(v3::safe_deserialize("null")), "null");
    EXPECT_EQ(v3::safe_serialize(v3::safe_deserialize("it's")), "it's");
    EXPECT_EQ(v3::safe_serialize(v3::safe_deserialize("1e5")), "100000.0");
}

TEST(VariableName, ShellNamesInsteadOfTheSdksBrokenOnes) {
    EXPECT_EQ(v3::variable_name("SM_HP_", "learning-rate"), "SM_HP_LEARNING_RATE");  // as the SDK
    EXPECT_EQ(v3::variable_name("SM_HP_", "model.lr"), "SM_HP_MODEL_LR");  // the SDK: SM_HP_MODEL.LR
    EXPECT_EQ(v3::variable_name("SM_CHANNEL_", "train-data.v2"), "SM_CHANNEL_TRAIN_DATA_V2");
}

TEST_F(V3Tree, NoDriversChannelIsNoV3Job) {
    write("input/config/inputdataconfig.json", R"({"train": {}})");
    EXPECT_FALSE(v3::read_job(load()).has_value());
}

TEST_F(V3Tree, ReadsSourceCodeAndDistributedJson) {
    write("input/data/sm_drivers/distributed.json",
          R"({"process_count_per_node": 3, "mpi_additional_options": ["-x", "FOO"]})");
    const auto job = v3::read_job(load());
    ASSERT_TRUE(job);
    EXPECT_EQ(job->entry_script, "train.py");
    EXPECT_TRUE(job->has_source_dir);
    EXPECT_EQ(job->requirements, "");
    EXPECT_EQ(job->driver, v3::Driver::Mpi);
    EXPECT_EQ(job->process_count_per_node, 3);
    EXPECT_EQ(job->mpi_additional_options, (Argv{"-x", "FOO"}));
}

TEST_F(V3Tree, ACustomDriverIsRefusedWithTheFileNamed) {
    write("input/data/sm_drivers/distributed.json", R"({"my_option": 1})");
    try {
        v3::read_job(load());
        FAIL() << "no error";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.file(), "distributed.json");
    }
}

TEST_F(V3Tree, HyperparametersAsArgumentsInFileOrder) {
    // As ModelTrainer's safe_serialize wrote them: 10, 0.001, "abc", True, [64, 32], {"b1": 0.9}, None.
    write("input/config/hyperparameters.json",
          R"({"epochs": "10", "lr": "0.001", "name": "abc", "flag": "true", "layers": "[64, 32]",
              "betas": "{\"b1\": 0.9}", "none": "null", "x": "1.50", "quoted": "\"5\""})");
    const Value::Dict hps = v3::read_hyperparameters(load(), false);
    EXPECT_EQ(
        v3::hyperparameter_args(hps),
        (Argv{"--epochs", "10", "--lr", "0.001", "--name", "abc", "--flag", "true", "--layers", "[64, 32]",
              "--betas", R"({"b1": 0.9})", "--none", "null", "--x", "1.5", "--quoted", "5"}));
}

TEST_F(V3Tree, VariablesAsEnvironmentPyExportsThem) {
    write("input/config/hyperparameters.json", R"({"lr": "0.1", "model.depth": "3", "opt-name": "adam"})");
    write("input/data/sm_drivers/distributed.json", R"({"process_count_per_node": null, "smp": null})");
    const TrainingEnv env = load();
    const auto job = v3::read_job(env);
    ASSERT_TRUE(job);
    v3::VariableInputs inputs;
    inputs.job = &*job;
    inputs.hyperparameters = v3::read_hyperparameters(env, false);
    inputs.source_dir = base / "input/data/code";
    const EnvVars vars = v3::variables(env, Environ{{"TRAINING_JOB_NAME", "job-7"}}, inputs);
    const std::string b = base.string();
    EXPECT_EQ(value(vars, "SM_MODEL_DIR"), b + "/model");
    EXPECT_EQ(value(vars, "SM_OUTPUT_FAILURE"), b + "/output/failure");
    EXPECT_EQ(value(vars, "SM_LOG_LEVEL"), "20");
    EXPECT_EQ(value(vars, "SM_MASTER_ADDR"), "algo-1");
    EXPECT_EQ(value(vars, "SM_MASTER_PORT"), "7777");
    EXPECT_EQ(value(vars, "SM_SOURCE_DIR"), b + "/input/data/code");
    EXPECT_EQ(value(vars, "SM_ENTRY_SCRIPT"), "train.py");
    EXPECT_EQ(value(vars, "SM_DISTRIBUTED_DRIVER_DIR"), b + "/input/data/sm_drivers/distributed_drivers");
    EXPECT_EQ(value(vars, "SM_DISTRIBUTED_CONFIG"), R"({"process_count_per_node": null, "smp": null})");
    EXPECT_EQ(value(vars, "SM_CHANNEL_SM_DRIVERS"), b + "/input/data/sm_drivers");
    EXPECT_EQ(value(vars, "SM_CHANNELS"), R"(["train", "code", "sm_drivers"])");  // file order, not sorted
    EXPECT_EQ(value(vars, "SM_HP_LR"), "0.1");
    EXPECT_EQ(value(vars, "SM_HP_MODEL_DEPTH"), "3");
    EXPECT_EQ(value(vars, "SM_HP_OPT_NAME"), "adam");
    EXPECT_EQ(value(vars, "SM_HPS"), R"({"lr": 0.1, "model.depth": 3, "opt-name": "adam"})");
    EXPECT_EQ(value(vars, "SM_HOSTS"), R"(["algo-1", "algo-2"])");  // sorted
    EXPECT_EQ(value(vars, "SM_HOST_COUNT"), "2");
    EXPECT_EQ(value(vars, "SM_CURRENT_HOST_RANK"), "1");
    EXPECT_EQ(value(vars, "SM_NETWORK_INTERFACE_NAME"), "ethwe");
    EXPECT_EQ(value(vars, "SM_NUM_CPUS"), "8");
    EXPECT_EQ(
        value(vars, "SM_RESOURCE_CONFIG"),
        R"({"current_host": "algo-2", "hosts": ["algo-2", "algo-1"], "network_interface_name": "ethwe", )"
        R"("current_instance_type": "ml.p4d.24xlarge"})");
    EXPECT_EQ(
        value(vars, "SM_TRAINING_ENV"),
        R"({"channel_input_dirs": {"train": ")" + b + R"(/input/data/train", "code": ")" + b +
            R"(/input/data/code", "sm_drivers": ")" + b +
            R"(/input/data/sm_drivers"}, "current_host": "algo-2", "current_instance_type": )"
            R"("ml.p4d.24xlarge", "hosts": ["algo-1", "algo-2"], "master_addr": "algo-1", "master_port": 7777, )"
            R"("hyperparameters": {"lr": 0.1, "model.depth": 3, "opt-name": "adam"}, "input_data_config": )"
            R"({"train": {"TrainingInputMode": "File"}, "code": {"TrainingInputMode": "File"}, "sm_drivers": )"
            R"({"TrainingInputMode": "File"}}, "input_config_dir": ")" +
            b + R"(/input/config", "input_data_dir": ")" + b + R"(/input/data", "input_dir": ")" + b +
            R"(/input", "job_name": "job-7", "log_level": 20, "model_dir": ")" + b +
            R"(/model", "network_interface_name": "ethwe", "num_cpus": 8, "num_gpus": 0, "num_neurons": 0, )"
            R"("output_data_dir": ")" +
            b +
            R"(/output/data", "resource_config": {"current_host": "algo-2", "hosts": ["algo-2", "algo-1"], )"
            R"("network_interface_name": "ethwe", "current_instance_type": "ml.p4d.24xlarge"}})");
    // Nothing of the v2 toolkit's.
    EXPECT_EQ(value(vars, "SM_USER_ARGS"), "<unset>");
    EXPECT_EQ(value(vars, "SM_MODULE_NAME"), "<unset>");
}

TEST_F(V3Tree, TorchrunOnTwoHostsAsTheDriverBuildsIt) {
    write("input/data/sm_drivers/distributed.json", R"({"process_count_per_node": null, "smp": null})");
    const TrainingEnv env = load(/*gpus=*/8);
    const auto job = v3::read_job(env);
    ASSERT_TRUE(job);
    const Launch launch = v3::driver_command(*job, env, {}, "/usr/bin/python3", {"--lr", "0.1"});
    EXPECT_EQ(launch.argv, (Argv{"torchrun", "--nnodes=2", "--nproc_per_node=8", "--master_addr=algo-1",
                                 "--master_port=7777", "--node_rank=1", "train.py", "--lr", "0.1"}));
    EXPECT_EQ(launch.env, (EnvVars{{"FI_PROVIDER", "efa"},
                                   {"FI_EFA_USE_DEVICE_RDMA", "1"},
                                   {"RDMAV_FORK_SAFE", "1"},
                                   {"NCCL_SOCKET_IFNAME", "ethwe"},
                                   {"NCCL_PROTO", "simple"}}));
}

TEST_F(V3Tree, TorchrunOnOneHostHasNoRendezvousArguments) {
    resourceconfig(R"({"current_host": "algo-1", "hosts": ["algo-1"], "network_interface_name": "eth0",
                      "current_instance_type": "ml.g5.2xlarge"})");
    write("input/data/sm_drivers/distributed.json", R"({"process_count_per_node": 2, "smp": null})");
    const TrainingEnv env = load(4);
    const auto job = v3::read_job(env);
    ASSERT_TRUE(job);
    const Launch launch =
        v3::driver_command(*job, env, {{"RUN_NEURON_PARALLEL_COMPILE", "1"}}, "python3", {});
    EXPECT_EQ(launch.argv,
              (Argv{"neuron_parallel_compile", "torchrun", "--nnodes=1", "--nproc_per_node=2", "train.py"}));
}

TEST_F(V3Tree, BasicDriverRunsPyWithPythonAndShDirectly) {
    const TrainingEnv env = load();
    auto job = v3::read_job(env);
    ASSERT_TRUE(job);
    EXPECT_EQ(v3::driver_command(*job, env, {}, "/usr/bin/python3", {"--a", "1"}).argv,
              (Argv{"/usr/bin/python3", "train.py", "--a", "1"}));
    job->entry_script = "run.sh";
    EXPECT_EQ(v3::driver_command(*job, env, {}, "/usr/bin/python3", {"--a", "it's"}).argv,
              (Argv{"./run.sh", "--a", "it's"}));
    job->entry_script = "run.rb";
    EXPECT_THROW(v3::driver_command(*job, env, {}, "/usr/bin/python3", {}), Error);
}

TEST_F(V3Tree, MpiStartsProcessesPerHostTimesHostsRanks) {
    write("input/data/sm_drivers/distributed.json",
          R"({"process_count_per_node": 2, "mpi_additional_options": ["-x", "MY_VAR"]})");
    resourceconfig(
        R"({"current_host": "algo-1", "hosts": ["algo-1", "algo-2"], "network_interface_name": "eth0",
                      "current_instance_type": "ml.c5.xlarge"})");
    const TrainingEnv env = load();
    const auto job = v3::read_job(env);
    ASSERT_TRUE(job);
    // The host's own values (SM_CURRENT_HOST, ...) are not sent with -x: a rank on a
    // worker reads that worker's from its /etc/environment, as under mpi_driver.py.
    const Plan plan = v3::mpi_plan(*job, env, {}, "/usr/bin/python3", {"--lr", "0.1"},
                                   {{"SM_HOSTS", "[]"},
                                    {"SM_CURRENT_HOST", "algo-1"},
                                    {"SM_CURRENT_HOST_RANK", "0"},
                                    {"SM_HPS", "{}"},
                                    {"SM_TRAINING_ENV", "{}"},
                                    {"SM_RESOURCE_CONFIG", "{}"}},
                                   "");
    EXPECT_EQ(plan.kind, RunnerKind::Mpi);
    EXPECT_EQ(plan.processes_per_host, 2);
    // mpi_utils.get_mpirun_command, with -np 4 where the driver says 2.
    // clang-format off
    EXPECT_EQ(plan.master_command, (Argv{
        "mpirun", "--host", "algo-1:2,algo-2:2", "-np", "4", "--allow-run-as-root", "--tag-output",
        "-mca", "btl_tcp_if_include", "eth0", "-mca", "oob_tcp_if_include", "eth0",
        "-mca", "plm_rsh_no_tree_spawn", "1", "-mca", "pml", "ob1", "-mca", "btl", "^openib",
        "-mca", "orte_abort_on_non_zero_status", "1", "-mca", "btl_vader_single_copy_mechanism", "none",
        "-mca", "plm_rsh_num_concurrent", "2",
        "-x", "NCCL_SOCKET_IFNAME=eth0", "-x", "LD_LIBRARY_PATH", "-x", "PATH",
        "-x", "MY_VAR",
        "-x", "SM_HOSTS", "-x", "SM_HPS",
        "/usr/bin/python3", "train.py", "--lr", "0.1"}));
    // clang-format on
}

}  // namespace
