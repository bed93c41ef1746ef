// SPDX-License-Identifier: Apache-2.0
// FakeTree: the files it writes (expected bytes written by hand, as the service
// and the SDK write them) and what load() and environ() make of them.
#include <smtrain/error.hpp>
#include <smtrain/testing/fake_tree.hpp>
#include "lib/json.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fs = std::filesystem;
using smtrain::Value;
using smtrain::testing::FakeTree;

namespace {

std::string read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string hyperparameters_file(const FakeTree& tree) { return read(tree.paths().hyperparameters_file()); }
std::string resource_file(const FakeTree& tree) { return read(tree.paths().resource_config_file()); }
std::string input_file(const FakeTree& tree) { return read(tree.paths().input_data_config_file()); }

std::string var(const smtrain::Environ& env, const std::string& name) {
    auto it = env.find(name);
    return it == env.end() ? "<unset>" : it->second;
}

}  // namespace

TEST(FakeTree, DefaultIsOneHostJobWithNothingElse) {
    FakeTree tree;
    EXPECT_EQ(tree.base().filename(), "ml");
    EXPECT_EQ(tree.paths().base, tree.base());
    EXPECT_EQ(hyperparameters_file(tree), "{}\n");
    EXPECT_EQ(input_file(tree), "{}\n");
    EXPECT_EQ(resource_file(tree),
              R"({"current_host": "algo-1", "current_instance_type": "local", "current_group_name": )"
              R"("homogeneousCluster", "hosts": ["algo-1"], "instance_groups": [{"instance_group_name": )"
              R"("homogeneousCluster", "instance_type": "local", "hosts": ["algo-1"]}], )"
              R"("network_interface_name": "eth0"})"
              "\n");
    for (const auto& dir : {tree.paths().code, tree.paths().model, tree.paths().output_data}) {
        EXPECT_TRUE(fs::is_directory(dir)) << dir;
    }
    const auto env = tree.load();
    EXPECT_EQ(env.hosts(), std::vector<std::string>{"algo-1"});
    EXPECT_EQ(env.current_host(), "algo-1");
    EXPECT_TRUE(env.is_master());
    EXPECT_EQ(env.paths().model, tree.paths().model);
}

TEST(FakeTree, RemovesItsDirectoryOnDestruction) {
    fs::path root;
    {
        FakeTree tree;
        tree.channel_file("train", "a/b.csv", "x\n");
        root = tree.base().parent_path().parent_path();
        ASSERT_TRUE(fs::exists(root / "opt/ml/input/data/train/a/b.csv"));
    }
    EXPECT_FALSE(fs::exists(root));
}

TEST(FakeTree, MoveKeepsTheTreeAndTheMovedFromOwnsNothing) {
    FakeTree first;
    first.hyperparameter("epochs", 3);
    const fs::path base = first.base();
    FakeTree second(std::move(first));
    EXPECT_EQ(second.base(), base);
    EXPECT_EQ(second.load().hyperparameter<int>("epochs"), 3);
}

// Each value as json.dumps writes it, then the file as json.dumps writes a dict of strings.
TEST(FakeTree, HyperparametersAreEncodedAsTheSdkEncodesThem) {
    FakeTree tree;
    Value cfg = Value::dict();
    cfg.set("a", 1);
    cfg.set("b", Value(Value::List{Value(true), Value()}));
    tree.hyperparameter("epochs", 3)
        .hyperparameter("lr", 0.1)
        .hyperparameter("flag", true)
        .hyperparameter("name", "two words \"quoted\"")
        .hyperparameter("betas", Value(Value::List{Value(0.9), Value(0.999)}))
        .hyperparameter("cfg", cfg)
        .hyperparameter("unicode", "caf\xc3\xa9")
        .raw_hyperparameter("plain", "True");
    EXPECT_EQ(hyperparameters_file(tree),
              R"({"epochs": "3", "lr": "0.1", "flag": "true", "name": "\"two words \\\"quoted\\\"\"", )"
              R"("betas": "[0.9, 0.999]", "cfg": "{\"a\": 1, \"b\": [true, null]}", )"
              R"("unicode": "\"caf\\u00e9\"", "plain": "True"})"
              "\n");

    const auto env = tree.load();
    EXPECT_EQ(env.hyperparameter<int>("epochs"), 3);
    EXPECT_DOUBLE_EQ(env.hyperparameter<double>("lr"), 0.1);
    EXPECT_TRUE(env.hyperparameter<bool>("flag"));
    EXPECT_EQ(env.hyperparameter<std::string>("name"), "two words \"quoted\"");
    EXPECT_EQ(env.hyperparameter<Value>("betas"), Value(Value::List{Value(0.9), Value(0.999)}));
    EXPECT_EQ(env.hyperparameter<Value>("cfg"), cfg);
    EXPECT_EQ(env.hyperparameter<std::string>("unicode"), "caf\xc3\xa9");
    // The toolkit decodes what parses as JSON and keeps the rest as the string it was.
    EXPECT_EQ(env.hyperparameter<std::string>("plain"), "True");
}

TEST(FakeTree, ASecondValueReplacesTheFirstInPlace) {
    FakeTree tree;
    tree.hyperparameter("a", 1).hyperparameter("b", 2).hyperparameter("a", "x");
    EXPECT_EQ(hyperparameters_file(tree), "{\"a\": \"\\\"x\\\"\", \"b\": \"2\"}\n");
}

TEST(FakeTree, ScriptModeParameters) {
    FakeTree tree;
    tree.hyperparameter("epochs", 2)
        .program("train.py")
        .submit_directory("s3://bucket/job/source/sourcedir.tar.gz")
        .job_name("my-job")
        .region("eu-west-1");
    EXPECT_EQ(
        hyperparameters_file(tree),
        R"({"epochs": "2", "sagemaker_submit_directory": "\"s3://bucket/job/source/sourcedir.tar.gz\"", )"
        R"("sagemaker_program": "\"train.py\"", "sagemaker_container_log_level": "20", )"
        R"("sagemaker_job_name": "\"my-job\"", "sagemaker_region": "\"eu-west-1\""})"
        "\n");
    const auto env = tree.load();
    EXPECT_EQ(env.user_entry_point(), "train.py");
    EXPECT_EQ(env.module_name(), "train");
    EXPECT_EQ(env.module_dir(), "s3://bucket/job/source/sourcedir.tar.gz");
    EXPECT_EQ(env.job_name(), "my-job");  // TRAINING_JOB_NAME, which the service sets
    EXPECT_EQ(env.region(), "eu-west-1");
    EXPECT_EQ(env.hyperparameters().as_dict().size(), 1u);  // SageMaker's keys are not the user's
}

TEST(FakeTree, DistributionFlags) {
    FakeTree tree;
    tree.instance_type("ml.g5.2xlarge").distribution("torch_distributed");
    EXPECT_EQ(
        hyperparameters_file(tree),
        R"({"sagemaker_torch_distributed_enabled": "true", "sagemaker_instance_type": "\"ml.g5.2xlarge\""})"
        "\n");
    EXPECT_TRUE(
        tree.load().additional_framework_parameters().find("sagemaker_torch_distributed_enabled")->as_bool());

    tree.distribution("mpi").processes_per_host(4).custom_mpi_options("-x NCCL_DEBUG=INFO");
    EXPECT_EQ(hyperparameters_file(tree),
              R"({"sagemaker_mpi_enabled": "true", "sagemaker_mpi_num_of_processes_per_host": "4", )"
              R"("sagemaker_mpi_custom_mpi_options": "\"-x NCCL_DEBUG=INFO\""})"
              "\n");
    const auto env = tree.load();
    EXPECT_EQ(*env.additional_framework_parameters().find("sagemaker_mpi_num_of_processes_per_host"),
              Value(4));
    EXPECT_TRUE(env.distribution_enabled());
}

TEST(FakeTree, UnknownDistributionIsRefusedAndTheTreeStaysAsItWas) {
    FakeTree tree;
    tree.distribution("mpi");
    const std::string before = hyperparameters_file(tree);
    try {
        tree.distribution("horovod");
        FAIL() << "no error";
    } catch (const smtrain::Error& e) {
        EXPECT_EQ(e.exit_code(), smtrain::ExitCode::Usage);
        EXPECT_EQ(std::string(e.what()),
                  "unknown distribution 'horovod' (known: torch_distributed, mpi, smdistributed, pytorchddp, "
                  "pytorchxla, parameter_server, multi_worker_mirrored_strategy)");
    }
    EXPECT_EQ(hyperparameters_file(tree), before);
}

TEST(FakeTree, Channels) {
    FakeTree tree;
    tree.channel_file("train", "part-0.csv", "1,2\n")
        .channel_file("train", "sub/part-1.csv", "3,4\n")
        .channel("validation", "text/csv");
    EXPECT_EQ(
        input_file(tree),
        R"({"train": {"TrainingInputMode": "File", "S3DistributionType": "FullyReplicated", )"
        R"("RecordWrapperType": "None"}, "validation": {"ContentType": "text/csv", )"
        R"("TrainingInputMode": "File", "S3DistributionType": "FullyReplicated", "RecordWrapperType": "None"}})"
        "\n");
    const auto env = tree.load();
    EXPECT_EQ(env.channel("train"), tree.paths().input_data / "train");
    EXPECT_EQ(read(env.channel("train") / "sub/part-1.csv"), "3,4\n");
    EXPECT_TRUE(fs::is_directory(env.channel("validation")));
    EXPECT_THROW(env.channel("test"), smtrain::LookupError);
}

TEST(FakeTree, ChannelFromADirectoryCopiedOrLinked) {
    FakeTree source;
    source.channel_file("x", "rows.csv", "a\n");
    const fs::path dir = source.paths().channel("x");

    FakeTree tree;
    tree.channel_from("copied", dir).channel_from("linked", dir, true).channel_from("file", dir / "rows.csv");
    EXPECT_EQ(read(tree.paths().channel("copied") / "rows.csv"), "a\n");
    EXPECT_FALSE(fs::is_symlink(tree.paths().channel("copied")));
    EXPECT_TRUE(fs::is_symlink(tree.paths().channel("linked")));
    EXPECT_EQ(read(tree.paths().channel("linked") / "rows.csv"), "a\n");
    EXPECT_EQ(read(tree.paths().channel("file") / "rows.csv"), "a\n");
    EXPECT_THROW(tree.channel_from("missing", dir / "nothing"), smtrain::Error);
    EXPECT_EQ(tree.load().channel_input_dirs().size(), 3u);
}

TEST(FakeTree, CodeFiles) {
    FakeTree tree;
    tree.code_file("train.sh", "#!/bin/sh\n", true).code_file("lib/util.py", "x = 1\n");
    EXPECT_EQ(read(tree.paths().code / "lib/util.py"), "x = 1\n");
    EXPECT_NE(fs::status(tree.paths().code / "train.sh").permissions() & fs::perms::owner_exec,
              fs::perms::none);
}

TEST(FakeTree, HostsAndCurrentHost) {
    FakeTree tree;
    tree.hosts(3).current_host("algo-2").network_interface("ens5").instance_type("ml.c5.xlarge");
    EXPECT_EQ(resource_file(tree),
              R"({"current_host": "algo-2", "current_instance_type": "ml.c5.xlarge", "current_group_name": )"
              R"("homogeneousCluster", "hosts": ["algo-1", "algo-2", "algo-3"], "instance_groups": )"
              R"([{"instance_group_name": "homogeneousCluster", "instance_type": "ml.c5.xlarge", "hosts": )"
              R"(["algo-1", "algo-2", "algo-3"]}], "network_interface_name": "ens5"})"
              "\n");
    const auto env = tree.load();
    EXPECT_EQ(env.hosts().size(), 3u);
    EXPECT_EQ(env.current_host(), "algo-2");
    EXPECT_FALSE(env.is_master());
    EXPECT_EQ(env.master_hostname(), "algo-1");
    EXPECT_EQ(env.network_interface_name(), "ens5");
    EXPECT_EQ(env.current_instance_type(), "ml.c5.xlarge");
}

TEST(FakeTree, CurrentHostNotAmongTheHostsIsRefused) {
    FakeTree tree;
    tree.hosts(2);
    try {
        tree.current_host("algo-3");
        FAIL() << "no error";
    } catch (const smtrain::Error& e) {
        EXPECT_EQ(std::string(e.what()), "current host algo-3 is not among the hosts (algo-1, algo-2)");
    }
    EXPECT_EQ(tree.load().current_host(), "algo-1");
}

TEST(FakeTree, HeterogeneousInstanceGroups) {
    FakeTree tree;
    tree.instance_group("cpu", "ml.c5.xlarge", 1)
        .instance_group("gpu", "ml.p3.2xlarge", 2)
        .current_host("algo-3")
        .distribution("torch_distributed")
        .distribution_instance_groups({"gpu"});
    EXPECT_EQ(
        resource_file(tree),
        R"({"current_host": "algo-3", "current_instance_type": "ml.p3.2xlarge", "current_group_name": "gpu", )"
        R"("hosts": ["algo-1", "algo-2", "algo-3"], "instance_groups": [{"instance_group_name": "cpu", )"
        R"("instance_type": "ml.c5.xlarge", "hosts": ["algo-1"]}, {"instance_group_name": "gpu", )"
        R"("instance_type": "ml.p3.2xlarge", "hosts": ["algo-2", "algo-3"]}], "network_interface_name": "eth0"})"
        "\n");
    EXPECT_EQ(
        hyperparameters_file(tree),
        R"({"sagemaker_distribution_instance_groups": "[\"gpu\"]", "sagemaker_torch_distributed_enabled": )"
        R"("true", "sagemaker_instance_type": "\"ml.p3.2xlarge\""})"
        "\n");
    const auto env = tree.load();
    EXPECT_TRUE(env.is_hetero());
    EXPECT_EQ(env.current_instance_group(), "gpu");
    EXPECT_EQ(env.current_instance_group_hosts(), (std::vector<std::string>{"algo-2", "algo-3"}));
    EXPECT_EQ(env.distribution_hosts(), (std::vector<std::string>{"algo-2", "algo-3"}));
    EXPECT_EQ(env.master_hostname(), "algo-2");

    // Named hosts after the groups; a count that does not match is refused.
    FakeTree named;
    named.instance_group("cpu", "ml.c5.xlarge", 1)
        .instance_group("gpu", "ml.p3.2xlarge", 2)
        .hosts({"a", "b", "c"});
    EXPECT_EQ(named.load().current_host(), "a");
    EXPECT_EQ(named.load().current_instance_group(), "cpu");
    try {
        named.hosts(2);
        FAIL() << "no error";
    } catch (const smtrain::Error& e) {
        EXPECT_EQ(std::string(e.what()), "2 hosts do not match the instance groups, which hold 3");
    }
}

TEST(FakeTree, EnvironIsWhatALauncherExports) {
    FakeTree tree;
    smtrain::MachineFacts facts;
    facts.num_cpus = 4;
    tree.machine(facts)
        .hosts(2)
        .current_host("algo-2")
        .hyperparameter("epochs", 5)
        .channel("train")
        .job_name("j");
    const auto vars = tree.environ();
    EXPECT_EQ(var(vars, "SM_HOSTS"), R"(["algo-1","algo-2"])");
    EXPECT_EQ(var(vars, "SM_CURRENT_HOST"), "algo-2");
    EXPECT_EQ(var(vars, "SM_HP_EPOCHS"), "5");
    EXPECT_EQ(var(vars, "SM_HPS"), R"({"epochs":5})");
    EXPECT_EQ(var(vars, "SM_NUM_CPUS"), "4");
    EXPECT_EQ(var(vars, "SM_CHANNEL_TRAIN"), (tree.paths().input_data / "train").string());
    EXPECT_EQ(var(vars, "SM_MODEL_DIR"), tree.paths().model.string());
    EXPECT_EQ(var(vars, "CURRENT_HOST"), "algo-2");
    EXPECT_EQ(var(vars, "SAGEMAKER_JOB_NAME"), "j");
    EXPECT_NE(var(vars, "SM_TRAINING_ENV"), "<unset>");

    const auto env = smtrain::TrainingEnv::from_environment(vars);
    EXPECT_EQ(env.current_host(), "algo-2");
    EXPECT_EQ(env.hosts(), (std::vector<std::string>{"algo-1", "algo-2"}));
    EXPECT_EQ(env.hyperparameter<int>("epochs"), 5);
    EXPECT_EQ(env.channel("train"), tree.paths().input_data / "train");
    EXPECT_EQ(env.num_cpus(), 4);
}
