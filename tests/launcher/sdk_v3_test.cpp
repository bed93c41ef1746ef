// SPDX-License-Identifier: Apache-2.0
// Process tests for issue 20: jobs of the SageMaker Python SDK v3
// (ModelTrainer) run by the real sm-train: v3 local mode and no argument
// (source_code=None), command mode (SourceCode(command="exec sm-train") after
// the SDK's sm_train.sh), the tuner path (sm-train as ENTRYPOINT with an
// sm_drivers channel). Every expected value is written by hand from the SDK's
// source (sagemaker-train/src/sagemaker/train/: templates.py, local/local_container.py,
// container_drivers/scripts/environment.py, common/utils.py, distributed_drivers/*).
#include "launcher_fixture.hpp"

#include "lib/json.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>

namespace smtrain::testing {
namespace {

const std::string kSmTrain =
    std::getenv("SMTRAIN_TEST_SM_TRAIN") ? std::getenv("SMTRAIN_TEST_SM_TRAIN") : SMTRAIN_SM_TRAIN;
const std::string kPython = "/usr/bin/python3";

/// A program that records what it was given: <model dir>/<name>.json with
/// argv, environment, working directory and what PID 1 is.
const char* const kRecorder =
    "import json, os, sys\n"
    "name = os.environ.get('RECORD_AS', 'program')\n"
    "if 'SM_CURRENT_HOST' in os.environ and os.environ.get('RECORD_PER_HOST'):\n"
    "    name = os.environ['SM_CURRENT_HOST']\n"
    "pid1 = open('/proc/1/cmdline', 'rb').read().split(b'\\0')[0].decode()\n"
    "json.dump({'argv': sys.argv, 'env': dict(os.environ), 'cwd': os.getcwd(), 'ppid': os.getppid(),\n"
    "           'pid': os.getpid(), 'pid1': pid1},\n"
    "          open(os.path.join(os.environ['SM_MODEL_DIR'], name + '.json'), 'w'))\n";

/// A fake launcher (torchrun, mpirun): records its argv and environment as the recorder does.
std::string fake_launcher(const std::string& name) {
    return "#!/usr/bin/python3\nimport os\nos.environ['RECORD_AS'] = '" + name + "'\n" + kRecorder;
}

std::vector<std::string> strings(const Value& list) {
    std::vector<std::string> out;
    for (const auto& v : list.as_list()) out.push_back(v.as_string());
    return out;
}

class V3Job : public ::testing::Test {
protected:
    void SetUp() override {
        std::filesystem::create_directories(bin());
        // As ModelTrainer(source_code=SourceCode(source_dir=..., entry_script="train.py",
        // command="exec sm-train")) and the platform write the tree.
        tree.write(
            "input/config/resourceconfig.json",
            R"({"current_host": "algo-1", "hosts": ["algo-1"], "current_group_name": "homogeneousCluster",
                       "current_instance_type": "ml.m5.xlarge", "instance_groups": [{"instance_group_name":
                       "homogeneousCluster", "instance_type": "ml.m5.xlarge", "hosts": ["algo-1"]}],
                       "network_interface_name": "eth0"})");
        tree.write("input/config/inputdataconfig.json",
                   R"({"train": {"TrainingInputMode": "File"}, "code": {"TrainingInputMode": "File"},
                       "sm_drivers": {"TrainingInputMode": "File"}})");
        source_code(R"("train.py")", "null");
        tree.write("input/data/sm_drivers/distributed.json", "{}");
        tree.write("input/data/code/train.py", kRecorder);
    }
    void source_code(const std::string& entry_script, const std::string& requirements) const {
        tree.write(
            "input/data/sm_drivers/sourcecode.json",
            R"({"source_dir": "/home/me/src", "requirements": )" + requirements + R"(, "entry_script": )" +
                entry_script +
                R"(, "command": "exec sm-train", "ignore_patterns": [".env", ".git", "__pycache__"]})");
    }

    std::filesystem::path bin() const { return tree.root() / "bin"; }
    std::filesystem::path code() const { return tree.base() / "input/data/code"; }
    void tool(const std::string& name, const std::string& body) const {
        const auto path = bin() / name;
        std::ofstream(path) << body;
        std::filesystem::permissions(path, std::filesystem::perms::owner_all);
    }
    Value recorded(const std::string& name = "program") const {
        return parse_json(read_file(tree.model() / (name + ".json")));
    }
    static std::string env(const Value& record, const std::string& name) {
        const Value* v = record.find("env")->find(name);
        return v ? v->as_string() : "<unset>";
    }

    std::map<std::string, std::string> base_env() const {
        return {{"SAGEMAKER_BASE_DIR", tree.base().string()},
                {"SM_STUDIO_LOCAL_MODE", "true"},
                {"SMTRAIN_PYTHON", kPython},
                {"TRAINING_JOB_NAME", "v3-job"},
                {"PATH", bin().string() + ":/usr/bin:/bin"}};
    }
    /// As sm_train.sh leaves the environment after `source sm_training.env` and
    /// `cd /opt/ml/input/data/code`, then `exec sm-train`.
    int run_command_mode(std::map<std::string, std::string> extra = {}) {
        auto e = base_env();
        e["SM_SOURCE_DIR"] = code().string();
        e["SM_ENTRY_SCRIPT"] = "train.py";
        e["PWD"] = code().string();
        for (auto& [k, v] : extra) e[k] = v;
        last = std::make_unique<Process>(std::vector<std::string>{kSmTrain}, e, tree.root(), code());
        return last->exit_code();
    }
    /// run_command_mode with sm-train's arguments (`train --dry-run`, `env`).
    int run_command_mode_with(std::vector<std::string> args, std::map<std::string, std::string> extra = {}) {
        auto e = base_env();
        e["SM_SOURCE_DIR"] = code().string();
        e["SM_ENTRY_SCRIPT"] = "train.py";
        e["PWD"] = code().string();
        for (auto& [k, v] : extra) e[k] = v;
        args.insert(args.begin(), kSmTrain);
        last = std::make_unique<Process>(args, e, tree.root(), code());
        return last->exit_code();
    }
    /// The tree of a HyperparameterTuner trial (tuner.py _build_driver_and_code_channels):
    /// no code channel, the code in sagemaker_submit_directory (a local dir here),
    /// sagemaker_program, str() values; `distributed` is distributed.json.
    void tuner_trial(const std::string& distributed, const std::string& hosts = R"(["algo-1"])") {
        tree.write("input/config/resourceconfig.json",
                   R"({"current_host": "algo-1", "hosts": )" + hosts +
                       R"(, "network_interface_name": "eth0", "current_instance_type": "ml.c5.xlarge"})");
        tree.write(
            "input/config/inputdataconfig.json",
            R"({"train": {"TrainingInputMode": "File"}, "sm_drivers": {"TrainingInputMode": "File"}})");
        source_code(R"("train.py")", R"("requirements.txt")");
        tree.write("input/data/sm_drivers/distributed.json", distributed);
        const auto src = tree.root() / "sourcedir";
        std::filesystem::create_directories(src);
        std::ofstream(src / "train.py") << kRecorder;
        std::ofstream(src / "requirements.txt") << "numpy\n";
        tree.hyperparameters(
            R"({"lr": "0.1", "sagemaker_program": "train.py", "sagemaker_submit_directory": ")" +
            src.string() + R"("})");
    }
    int run_entrypoint(std::vector<std::string> argv, std::map<std::string, std::string> extra = {}) {
        auto e = base_env();
        for (auto& [k, v] : extra) e[k] = v;
        argv.insert(argv.begin(), kSmTrain);
        last = std::make_unique<Process>(argv, e, tree.root());
        return last->exit_code();
    }

    JobTree tree;
    std::unique_ptr<Process> last;
};

// ---- item 3: source_code=None, v3 local mode ----------------------------------------

TEST_F(V3Job, NoArgumentRunsTheJobAsTrainDoes) {
    // v3 local mode's compose service has no `command:`: the ENTRYPOINT runs with no argument.
    std::filesystem::remove_all(tree.base() / "input/data/sm_drivers");
    tree.write("input/config/inputdataconfig.json", R"({"train": {"TrainingInputMode": "File"}})");
    tree.write("code/train.py", kRecorder);
    tree.hyperparameters(R"({"epochs": "3"})");
    ASSERT_EQ(run_entrypoint({}, {{"SAGEMAKER_PROGRAM", "train.py"}}), 0) << last->err();
    EXPECT_TRUE(tree.has_success());
    EXPECT_EQ(strings(*recorded().find("argv")), (std::vector<std::string>{"train.py", "--epochs", "3"}));
}

TEST_F(V3Job, LocalModeTwoHostsOnEthweShareTheModelDir) {
    // _LocalContainer: hosts algo-1..N, network_interface_name "ethwe", current_instance_type
    // "local_cpu", no groups; <root>/model mounted as /opt/ml/model on every host.
    JobTree second;
    std::filesystem::remove_all(second.model());
    std::filesystem::create_directories(tree.model());
    std::filesystem::create_directory_symlink(tree.model(), second.model());
    std::vector<std::unique_ptr<Process>> hosts;
    for (int i = 1; i <= 2; ++i) {
        const JobTree& t = i == 1 ? tree : second;
        t.write("input/config/resourceconfig.json",
                R"({"current_host": "algo-)" + std::to_string(i) +
                    R"(", "hosts": ["algo-1", "algo-2"], "network_interface_name": "ethwe", )"
                    R"("current_instance_type": "local_cpu"})");
        t.write("input/config/inputdataconfig.json", R"({"train": {"TrainingInputMode": "File"}})");
        t.write("code/train.py", kRecorder);
        t.hyperparameters(R"({"epochs": "3"})");
        auto e = base_env();
        e["SAGEMAKER_BASE_DIR"] = t.base().string();
        e["SAGEMAKER_PROGRAM"] = "train.py";
        e["RECORD_PER_HOST"] = "1";
        hosts.push_back(std::make_unique<Process>(std::vector<std::string>{kSmTrain}, e, t.root()));
    }
    for (auto& h : hosts) ASSERT_EQ(h->exit_code(), 0) << h->err();
    EXPECT_TRUE(tree.has_success());
    EXPECT_TRUE(second.has_success());
    for (const char* host : {"algo-1", "algo-2"}) {
        const Value r = recorded(host);
        EXPECT_EQ(env(r, "SM_CURRENT_HOST"), host);
        EXPECT_EQ(env(r, "SM_NETWORK_INTERFACE_NAME"), "ethwe");
        EXPECT_EQ(env(r, "SM_HOSTS"), R"(["algo-1","algo-2"])");
        EXPECT_EQ(env(r, "SM_CURRENT_INSTANCE_TYPE"), "local_cpu");
    }
}

// ---- item 1: command mode -------------------------------------------------------------

TEST_F(V3Job, CommandModeRunsTheEntryScriptAsTheBasicDriver) {
    // ModelTrainer's safe_serialize of 10, 0.001, "abc", True, [64, 32], {"b1": 0.9}, None.
    tree.hyperparameters(
        R"({"epochs": "10", "lr": "0.001", "name": "abc", "flag": "true", "layers": "[64, 32]",
                             "betas": "{\"b1\": 0.9}", "none": "null"})");
    // As environment.py exported them: SM_LOG_LEVEL as a string, while the
    // SM_TRAINING_ENV it wrote has the int 20 it had (SM_LOG_LEVEL being unset then).
    ASSERT_EQ(run_command_mode({{"SM_LOG_LEVEL", "20"}, {"SM_TRAINING_ENV", R"({"log_level": 20})"}}), 0)
        << last->err();
    EXPECT_TRUE(tree.has_success());
    const Value r = recorded();
    EXPECT_NE(env(r, "SM_TRAINING_ENV").find(R"("log_level": 20, )"), std::string::npos)
        << env(r, "SM_TRAINING_ENV");
    EXPECT_EQ(strings(*r.find("argv")),
              (std::vector<std::string>{"train.py", "--epochs", "10", "--lr", "0.001", "--name", "abc",
                                        "--flag", "true", "--layers", "[64, 32]", "--betas", R"({"b1": 0.9})",
                                        "--none", "null"}));
    EXPECT_EQ(r.find("cwd")->as_string(), code().string());
    EXPECT_EQ(
        env(r, "SM_HPS"),
        R"({"epochs": 10, "lr": 0.001, "name": "abc", "flag": true, "layers": [64, 32], "betas": {"b1": 0.9}, )"
        R"("none": null})");
    EXPECT_EQ(env(r, "SM_HP_BETAS"), R"({"b1": 0.9})");
    EXPECT_EQ(env(r, "SM_CHANNELS"), R"(["train", "code", "sm_drivers"])");
    EXPECT_EQ(env(r, "SM_HOSTS"), R"(["algo-1"])");
    EXPECT_EQ(env(r, "SM_HOST_COUNT"), "1");
    EXPECT_EQ(env(r, "SM_CURRENT_HOST_RANK"), "0");
    EXPECT_EQ(env(r, "SM_MASTER_ADDR"), "algo-1");
    EXPECT_EQ(env(r, "SM_ENTRY_SCRIPT"), "train.py");
    EXPECT_EQ(env(r, "SM_SOURCE_DIR"), code().string());
    EXPECT_EQ(env(r, "SM_DISTRIBUTED_CONFIG"), "<unset>");  // distributed.json is {}
    EXPECT_EQ(env(r, "PWD"), code().string());
    // The v2 toolkit's names are not the v3 program's.
    EXPECT_EQ(env(r, "SM_USER_ARGS"), "<unset>");
    EXPECT_EQ(env(r, "SM_MODULE_DIR"), "<unset>");
    EXPECT_EQ(env(r, "PYTHONPATH"), "<unset>");
}

TEST_F(V3Job, CommandModeShEntrySeesDotSlashAndItsArguments) {
    source_code(R"("run.sh")", "null");
    tree.write(
        "input/data/code/run.sh",
        "#!/bin/sh\nfor a in \"$0\" \"$@\"; do printf '%s\\n' \"$a\"; done > \"$SM_MODEL_DIR/argv\"\n");
    tree.hyperparameters(R"({"msg": "it's", "n": "2"})");
    ASSERT_EQ(run_command_mode(), 0) << last->err();
    EXPECT_EQ(read_file(tree.model() / "argv"), "./run.sh\n--msg\nit's\n--n\n2\n");
}

TEST_F(V3Job, CommandModeTorchrunOnTheSecondOfTwoHosts) {
    tool("torchrun", fake_launcher("torchrun"));
    tree.write("input/config/resourceconfig.json",
               R"({"current_host": "algo-2", "hosts": ["algo-1", "algo-2"], "network_interface_name": "eth0",
                   "current_instance_type": "ml.g5.2xlarge"})");
    tree.write("input/data/sm_drivers/distributed.json", R"({"process_count_per_node": 3, "smp": null})");
    tree.hyperparameters(R"({"lr": "0.1"})");
    ASSERT_EQ(run_command_mode({{"SM_DISTRIBUTED_CONFIG", "stale"}}), 0) << last->err();
    const Value r = recorded("torchrun");
    EXPECT_EQ(strings(*r.find("argv")),
              (std::vector<std::string>{(bin() / "torchrun").string(), "--nnodes=2", "--nproc_per_node=3",
                                        "--master_addr=algo-1", "--master_port=7777", "--node_rank=1",
                                        "train.py", "--lr", "0.1"}));
    EXPECT_EQ(env(r, "NCCL_SOCKET_IFNAME"), "eth0");
    EXPECT_EQ(env(r, "NCCL_PROTO"), "simple");
    EXPECT_EQ(env(r, "SM_DISTRIBUTED_CONFIG"), R"({"process_count_per_node": 3, "smp": null})");
    EXPECT_EQ(r.find("cwd")->as_string(), code().string());
}

TEST_F(V3Job, CommandModeMpiStartsProcessesPerHostTimesHostsRanks) {
    tool("mpirun", fake_launcher("mpirun"));
    tree.write("input/data/sm_drivers/distributed.json",
               R"({"process_count_per_node": 2, "mpi_additional_options": ["-x", "MY_VAR"]})");
    ASSERT_EQ(run_command_mode({{"SMTRAIN_SSHD", "/bin/true"}}), 0) << last->err();
    const auto argv = strings(*recorded("mpirun").find("argv"));
    ASSERT_GE(argv.size(), 8u);
    EXPECT_EQ((std::vector<std::string>(argv.begin() + 1, argv.begin() + 5)),
              (std::vector<std::string>{"--host", "algo-1:2", "-np", "2"}));
    EXPECT_EQ((std::vector<std::string>(argv.end() - 4, argv.end())),
              (std::vector<std::string>{"-x", "PWD", kPython, "train.py"}));
    EXPECT_NE(std::find(argv.begin(), argv.end(), "MY_VAR"), argv.end());
}

TEST_F(V3Job, CommandModeFailureFileHoldsTheProgramsError) {
    tree.write("input/data/code/train.py", "raise ValueError('learning rate must be positive')\n");
    ASSERT_EQ(run_command_mode(), 1);
    const std::string failure = tree.failure();
    EXPECT_NE(failure.find("ValueError: learning rate must be positive"), std::string::npos) << failure;
    EXPECT_EQ(failure.find("CalledProcessError"), std::string::npos) << failure;
}

TEST_F(V3Job, CommandModeAfterTheSdkScriptMakesSmTrainPid1) {
    if (geteuid() != 0 || std::system("unshare --pid --fork --mount-proc true 2>/dev/null") != 0) {
        GTEST_SKIP() << "needs root and PID namespaces (unshare --pid)";
    }
    // The bash that runs it: the machine's, or another one (sdk_v3_bash51.sh gives Debian
    // bullseye's 5.1, the oldest for which `bash -c "a && b"` runs b in place).
    const char* bash = std::getenv("SMTRAIN_TEST_BASH") ? std::getenv("SMTRAIN_TEST_BASH") : "/bin/bash";
    // The SDK's shape: `bash -c "chmod +x sm_train.sh && sm_train.sh"`, the script's first
    // line blank (so no #! line: the calling bash runs it itself), `set -e` and an ERR trap,
    // and last `CMD="exec sm-train"; eval $CMD` (templates.py TRAIN_SCRIPT_TEMPLATE,
    // EXECUTE_BASE_COMMANDS).
    const auto script = tree.write("input/data/sm_drivers/sm_train.sh",
                                   "\n#!/bin/bash\nset -e\nhandle_error() {\n    exit $?\n}\n"
                                   "trap 'handle_error' ERR\ncd " +
                                       code().string() + "\nCMD=\"exec " + kSmTrain +
                                       "\"\necho \"Executing command: $CMD\"\neval $CMD\n");
    auto e = base_env();
    e["SM_SOURCE_DIR"] = code().string();
    last = std::make_unique<Process>(
        std::vector<std::string>{"/usr/bin/unshare", "--pid", "--fork", "--mount-proc", bash, "-c",
                                 "chmod +x " + script.string() + " && " + script.string()},
        e, tree.root());
    ASSERT_EQ(last->exit_code(), 0) << last->err();
    const Value r = recorded();
    EXPECT_EQ(r.find("pid1")->as_string(), kSmTrain) << "with " << bash;
    EXPECT_EQ(r.find("ppid")->as_int64(), 1);
}

// ---- item 2: the tuner path --------------------------------------------------------

TEST_F(V3Job, TunerTrialRunsTorchrunWithCodeFromTheSubmitDirectoryAndRequirements) {
    // HyperparameterTuner(model_trainer=...): no ContainerEntrypoint, no code channel,
    // sagemaker_program and sagemaker_submit_directory as str() values.
    tool("torchrun", fake_launcher("torchrun"));
    tool("python3", "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$SM_MODEL_DIR/pip.argv\"\n");
    tree.write("input/config/inputdataconfig.json",
               R"({"train": {"TrainingInputMode": "File"}, "sm_drivers": {"TrainingInputMode": "File"}})");
    source_code(R"("train.py")", R"("requirements.txt")");
    tree.write("input/data/sm_drivers/distributed.json", R"({"process_count_per_node": 4, "smp": null})");
    const auto src = tree.root() / "sourcedir";
    std::filesystem::create_directories(src);
    std::ofstream(src / "train.py") << kRecorder;
    std::ofstream(src / "requirements.txt") << "numpy\n";
    tree.hyperparameters(R"({"lr": "0.1", "sagemaker_program": "train.py", "sagemaker_submit_directory": ")" +
                         src.string() + R"("})");
    ASSERT_EQ(run_entrypoint({"train"}, {{"SMTRAIN_PYTHON", (bin() / "python3").string()}}), 0)
        << last->err();
    const Value r = recorded("torchrun");
    EXPECT_EQ(strings(*r.find("argv")),
              (std::vector<std::string>{(bin() / "torchrun").string(), "--nnodes=1", "--nproc_per_node=4",
                                        "train.py", "--lr", "0.1"}));
    EXPECT_EQ(r.find("cwd")->as_string(), tree.code().string());
    EXPECT_EQ(env(r, "SM_SOURCE_DIR"), tree.code().string());
    EXPECT_EQ(env(r, "SM_HPS"), R"({"lr": 0.1})");
    EXPECT_EQ(read_file(tree.model() / "pip.argv"), "-m\npip\ninstall\n-r\nrequirements.txt\n");
}

// ---- MPI on the tuner path ------------------------------------------------------------

/// The value after `option` in argv ("" when absent).
std::string after(const std::vector<std::string>& argv, const std::string& option) {
    auto it = std::find(argv.begin(), argv.end(), option);
    return it == argv.end() || it + 1 == argv.end() ? "" : *(it + 1);
}
/// The names given to mpirun with `-x NAME` (not `-x NAME=value`).
std::vector<std::string> exported_names(const std::vector<std::string>& argv) {
    std::vector<std::string> names;
    for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
        if (argv[i] == "-x" && argv[i + 1].find('=') == std::string::npos) names.push_back(argv[i + 1]);
    }
    return names;
}
bool has(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

TEST_F(V3Job, TunerTrialWithMpiOnTwoHostsLaunchesProcessesPerHostTimesHostsRanks) {
    // distributed=MPI(process_count_per_node=2, mpi_additional_options=["-x", "MY_VAR"]) on 2 hosts:
    // the master's mpirun, as --dry-run --json shows it (the real run waits for algo-2's sshd).
    tuner_trial(R"({"process_count_per_node": 2, "mpi_additional_options": ["-x", "MY_VAR"]})",
                R"(["algo-1", "algo-2"])");
    ASSERT_EQ(run_entrypoint({"train", "--dry-run", "--json"}), 0) << last->err();
    const Value out = parse_json(last->out());
    EXPECT_EQ(out.find("runner")->as_string(), "mpi");
    const auto argv = strings(*out.find("argv"));
    ASSERT_GE(argv.size(), 6u) << last->out();
    EXPECT_EQ(argv[0], "mpirun");
    EXPECT_EQ(after(argv, "--host"), "algo-1:2,algo-2:2");
    EXPECT_EQ(after(argv, "-np"), "4");  // 2 per host x 2 hosts (the SDK's driver: 2)
    EXPECT_EQ((std::vector<std::string>(argv.end() - 4, argv.end())),
              (std::vector<std::string>{kPython, "train.py", "--lr", "0.1"}));
    const auto names = exported_names(argv);
    for (const char* name :
         {"MY_VAR", "PATH", "LD_LIBRARY_PATH", "SM_HOST_COUNT", "SM_MASTER_ADDR", "SM_SOURCE_DIR",
          "SM_ENTRY_SCRIPT", "SM_DISTRIBUTED_CONFIG", "SM_HPS", "SM_HP_LR", "SM_HOSTS"}) {
        EXPECT_TRUE(has(names, name)) << name << " not exported with -x: " << last->out();
    }
    // This host's own values: a rank on algo-2 reads algo-2's from its /etc/environment.
    for (const char* name : {"SM_CURRENT_HOST", "SM_CURRENT_HOST_RANK", "SM_TRAINING_ENV"})
        EXPECT_FALSE(has(names, name)) << name << " exported with -x: " << last->out();
    EXPECT_TRUE(has(argv, "NCCL_SOCKET_IFNAME=eth0"));
    // The tuner's own keys are not the program's.
    EXPECT_FALSE(has(argv, "--sagemaker_program"));
    EXPECT_FALSE(has(names, "SM_HP_SAGEMAKER_PROGRAM"));
    EXPECT_EQ(strings(*out.find("install")),
              (std::vector<std::string>{kPython, "-m", "pip", "install", "-r", "requirements.txt"}));
    EXPECT_EQ(out.find("cwd")->as_string(), tree.code().string());
    const Value* vars = out.find("env");
    EXPECT_EQ(vars->find("SM_SOURCE_DIR")->as_string(), tree.code().string());
    EXPECT_EQ(vars->find("SM_HOST_COUNT")->as_string(), "2");
    EXPECT_EQ(vars->find("SM_DISTRIBUTED_CONFIG")->as_string(),
              R"({"process_count_per_node": 2, "mpi_additional_options": ["-x", "MY_VAR"]})");
}

TEST_F(V3Job, TunerTrialWithMpiRunsMpirunWithTheCodeFromTheSubmitDirectory) {
    // One host, so the master starts at once: a fake mpirun records what it got.
    tool("mpirun", fake_launcher("mpirun"));
    tool("python3", "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$SM_MODEL_DIR/pip.argv\"\n");
    tuner_trial(R"({"process_count_per_node": 3, "mpi_additional_options": null})");
    ASSERT_EQ(run_entrypoint({"train"}, {{"SMTRAIN_SSHD", "/bin/true"},
                                         {"SMTRAIN_PYTHON", (bin() / "python3").string()}}),
              0)
        << last->err();
    const Value r = recorded("mpirun");
    const auto argv = strings(*r.find("argv"));
    EXPECT_EQ(after(argv, "--host"), "algo-1:3");
    EXPECT_EQ(after(argv, "-np"), "3");
    EXPECT_EQ((std::vector<std::string>(argv.end() - 4, argv.end())),
              (std::vector<std::string>{(bin() / "python3").string(), "train.py", "--lr", "0.1"}));
    EXPECT_EQ(r.find("cwd")->as_string(), tree.code().string());
    EXPECT_TRUE(std::filesystem::exists(tree.code() / "train.py"));
    // What -x hands the ranks is what mpirun was given.
    const auto names = exported_names(argv);
    for (const char* name : {"SM_SOURCE_DIR", "SM_HOST_COUNT", "SM_HPS", "SM_DISTRIBUTED_CONFIG"})
        EXPECT_TRUE(has(names, name)) << name;
    EXPECT_EQ(env(r, "SM_SOURCE_DIR"), tree.code().string());
    EXPECT_EQ(env(r, "SM_HPS"), R"({"lr": 0.1})");
    EXPECT_EQ(env(r, "SM_DISTRIBUTED_CONFIG"),
              R"({"process_count_per_node": 3, "mpi_additional_options": null})");
    EXPECT_EQ(read_file(tree.model() / "pip.argv"), "-m\npip\ninstall\n-r\nrequirements.txt\n");
}

// ---- --dry-run and `sm-train env` show what will run ------------------------------

/// A torchrun job on host algo-2 of 2 (distributed=Torchrun(process_count_per_node=3)).
void torchrun_on_second_host(const JobTree& tree) {
    tree.write("input/config/resourceconfig.json",
               R"({"current_host": "algo-2", "hosts": ["algo-1", "algo-2"], "network_interface_name": "eth0",
                   "current_instance_type": "ml.g5.2xlarge"})");
    tree.write("input/data/sm_drivers/distributed.json", R"({"process_count_per_node": 3, "smp": null})");
    tree.hyperparameters(R"({"lr": "0.1", "name": "a b"})");
}

TEST_F(V3Job, DryRunInCommandModeShowsTheTorchrunCommandAndTheV3Variables) {
    tool("torchrun", fake_launcher("torchrun"));
    torchrun_on_second_host(tree);
    ASSERT_EQ(run_command_mode_with({"train", "--dry-run"}), 0) << last->err();
    const std::string out = last->out();
    EXPECT_EQ(out.rfind("runner: process\nentry point: train.py (python program)\nworking directory: " +
                            code().string() +
                            "\ncommand: 'torchrun' '--nnodes=2' '--nproc_per_node=3' '--master_addr=algo-1' "
                            "'--master_port=7777' '--node_rank=1' 'train.py' '--lr' '0.1' '--name' 'a b'\n"
                            "environment:\n",
                        0),
              0u)
        << out;
    for (const char* line :
         {"export SM_ENTRY_SCRIPT='train.py'\n", "export SM_HOST_COUNT='2'\n",
          "export SM_CURRENT_HOST_RANK='1'\n", "export SM_MASTER_ADDR='algo-1'\n",
          "export SM_HP_NAME='a b'\n",
          "export SM_DISTRIBUTED_CONFIG='{\"process_count_per_node\": 3, \"smp\": null}'\n",
          // torchrun_driver.py's setup_env(): the program gets them too.
          "export NCCL_SOCKET_IFNAME='eth0'\n", "export NCCL_PROTO='simple'\n"}) {
        EXPECT_NE(out.find(line), std::string::npos) << line << out;
    }
    EXPECT_NE(out.find("export SM_SOURCE_DIR='" + code().string() + "'\n"), std::string::npos) << out;
    // None of the v2 toolkit's names: the v3 program does not get them.
    for (const char* v2 : {"SM_USER_ARGS", "SM_MODULE_DIR", "SM_USER_ENTRY_POINT", "PYTHONPATH"})
        EXPECT_EQ(out.find(std::string("export ") + v2 + "="), std::string::npos) << v2;
    EXPECT_FALSE(std::filesystem::exists(tree.model() / "torchrun.json"));  // nothing ran
    EXPECT_FALSE(tree.has_success());
}

TEST_F(V3Job, DryRunJsonInCommandModeShowsTheTorchrunArgvAndTheV3Variables) {
    tool("torchrun", fake_launcher("torchrun"));
    torchrun_on_second_host(tree);
    ASSERT_EQ(run_command_mode_with({"train", "--dry-run", "--json"}), 0) << last->err();
    const Value out = parse_json(last->out());
    EXPECT_EQ(out.find("runner")->as_string(), "process");
    EXPECT_TRUE(out.find("install")->is_null());  // sm_train.sh installed the requirements
    EXPECT_EQ(strings(*out.find("argv")),
              (std::vector<std::string>{"torchrun", "--nnodes=2", "--nproc_per_node=3",
                                        "--master_addr=algo-1", "--master_port=7777", "--node_rank=1",
                                        "train.py", "--lr", "0.1", "--name", "a b"}));
    EXPECT_EQ(out.find("cwd")->as_string(), code().string());
    const Value* vars = out.find("env");
    EXPECT_EQ(vars->find("SM_CURRENT_HOST_RANK")->as_string(), "1");
    EXPECT_EQ(vars->find("SM_HPS")->as_string(), R"({"lr": 0.1, "name": "a b"})");
    EXPECT_EQ(vars->find("NCCL_PROTO")->as_string(), "simple");
    EXPECT_EQ(vars->find("PWD")->as_string(), code().string());
    EXPECT_EQ(vars->find("SM_USER_ARGS"), nullptr);
}

TEST_F(V3Job, DryRunOnAnMpiWorkerShowsItsSshd) {
    // What a worker host of a v3 MPI job runs: sshd in the foreground, as mpi_driver.py.
    tree.write("input/config/resourceconfig.json",
               R"({"current_host": "algo-2", "hosts": ["algo-1", "algo-2"], "network_interface_name": "eth0",
                   "current_instance_type": "ml.c5.xlarge"})");
    tree.write("input/data/sm_drivers/distributed.json",
               R"({"process_count_per_node": 2, "mpi_additional_options": []})");
    ASSERT_EQ(run_command_mode_with({"train", "--dry-run", "--json"}, {{"SMTRAIN_SSHD", "/opt/sshd"}}), 0)
        << last->err();
    const Value out = parse_json(last->out());
    EXPECT_EQ(out.find("runner")->as_string(), "mpi");
    EXPECT_EQ(strings(*out.find("argv")), (std::vector<std::string>{"/opt/sshd", "-D"}));
    EXPECT_EQ(out.find("env")->find("SM_CURRENT_HOST_RANK")->as_string(), "1");
}

TEST_F(V3Job, EnvInCommandModePrintsTheV3VariablesAndTheDriversOwn) {
    torchrun_on_second_host(tree);
    ASSERT_EQ(run_command_mode_with({"env", "--format", "json"}), 0) << last->err();
    const Value vars = parse_json(last->out());
    EXPECT_EQ(vars.find("SM_ENTRY_SCRIPT")->as_string(), "train.py");
    EXPECT_EQ(vars.find("SM_SOURCE_DIR")->as_string(), code().string());
    EXPECT_EQ(vars.find("SM_HOST_COUNT")->as_string(), "2");
    EXPECT_EQ(vars.find("SM_HP_NAME")->as_string(), "a b");
    EXPECT_EQ(vars.find("NCCL_SOCKET_IFNAME")->as_string(), "eth0");
    EXPECT_EQ(vars.find("NCCL_PROTO")->as_string(), "simple");
    EXPECT_EQ(vars.find("SM_USER_ARGS"), nullptr);
    EXPECT_EQ(vars.find("SM_MODULE_DIR"), nullptr);
}

TEST_F(V3Job, EnvOnTheTunerPathNamesTheCodeDirAndLeavesOutTheTunersKeys) {
    tuner_trial(R"({"process_count_per_node": 2, "smp": null})");
    ASSERT_EQ(run_entrypoint({"env"}), 0) << last->err();
    const std::string out = last->out();
    EXPECT_NE(out.find("export SM_SOURCE_DIR='" + tree.code().string() + "'\n"), std::string::npos) << out;
    EXPECT_NE(out.find("export SM_HPS='{\"lr\": 0.1}'\n"), std::string::npos) << out;
    EXPECT_NE(out.find("export NCCL_PROTO='simple'\n"), std::string::npos) << out;
    EXPECT_EQ(out.find("SM_HP_SAGEMAKER_PROGRAM"), std::string::npos) << out;
    EXPECT_EQ(out.find("SM_USER_ARGS"), std::string::npos) << out;
}

TEST_F(V3Job, DryRunTextOnTheTunerPathShowsTheInstallAndTorchrun) {
    tuner_trial(R"({"process_count_per_node": 4, "smp": null})");
    ASSERT_EQ(run_entrypoint({"train", "--dry-run"}), 0) << last->err();
    const std::string out = last->out();
    EXPECT_NE(out.find("working directory: " + tree.code().string() + "\n"), std::string::npos) << out;
    EXPECT_NE(out.find("install: '" + kPython + "' '-m' 'pip' 'install' '-r' 'requirements.txt'\n"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("command: 'torchrun' '--nnodes=1' '--nproc_per_node=4' 'train.py' '--lr' '0.1'\n"),
              std::string::npos)
        << out;
    EXPECT_FALSE(std::filesystem::exists(tree.code() / "train.py"));  // nothing fetched
}

// ---- the SDK's three broken inputs, with sm-train as the ENTRYPOINT -----------------

TEST_F(V3Job, QuoteValueDottedKeyAndDashedChannelRunOnTheTunerPath) {
    tree.write(
        "input/config/inputdataconfig.json",
        R"({"train-data": {"TrainingInputMode": "File"}, "sm_drivers": {"TrainingInputMode": "File"}})");
    const auto src = tree.root() / "sourcedir";
    std::filesystem::create_directories(src);
    std::ofstream(src / "train.py") << kRecorder;
    tree.hyperparameters(R"({"msg": "it's", "model.lr": "0.1", "sagemaker_program": "train.py", )"
                         R"("sagemaker_submit_directory": ")" +
                         src.string() + R"("})");
    ASSERT_EQ(run_entrypoint({"train"}), 0) << last->err();
    const Value r = recorded();
    EXPECT_EQ(strings(*r.find("argv")),
              (std::vector<std::string>{"train.py", "--msg", "it's", "--model.lr", "0.1"}));
    EXPECT_EQ(env(r, "SM_HP_MSG"), "it's");
    EXPECT_EQ(env(r, "SM_HP_MODEL_LR"), "0.1");
    EXPECT_EQ(env(r, "SM_CHANNEL_TRAIN_DATA"), (tree.base() / "input/data/train-data").string());
}

TEST_F(V3Job, QuoteValueDottedKeyAndDashedChannelRunWithoutSourceCode) {
    std::filesystem::remove_all(tree.base() / "input/data/sm_drivers");
    tree.write("input/config/inputdataconfig.json", R"({"train-data": {"TrainingInputMode": "File"}})");
    tree.write("code/train.py", kRecorder);
    tree.hyperparameters(R"({"msg": "it's", "model.lr": "0.1"})");
    ASSERT_EQ(run_entrypoint({"train"}, {{"SAGEMAKER_PROGRAM", "train.py"}}), 0) << last->err();
    const Value r = recorded();
    EXPECT_EQ(strings(*r.find("argv")),
              (std::vector<std::string>{"train.py", "--model.lr", "0.1", "--msg", "it's"}));
    EXPECT_EQ(env(r, "SM_HP_MSG"), "it's");
    // The v2 toolkit's names, as it exports them (Python reads them; a shell cannot).
    EXPECT_EQ(env(r, "SM_HP_MODEL.LR"), "0.1");
    EXPECT_EQ(env(r, "SM_CHANNEL_TRAIN-DATA"), (tree.base() / "input/data/train-data").string());
}

// ---- item 4: the v3 names on a v2-style job, when asked ------------------------------

TEST_F(V3Job, V2JobGetsTheV3NamesWhenTheSettingAsks) {
    std::filesystem::remove_all(tree.base() / "input/data/sm_drivers");
    tree.write(
        "input/config/resourceconfig.json",
        R"({"current_host": "algo-2", "hosts": ["algo-1", "algo-2"], "network_interface_name": "eth0"})");
    tree.write("input/config/inputdataconfig.json", R"({"train-data": {"TrainingInputMode": "File"}})");
    tree.write("code/train.py", kRecorder);
    // As a v2 framework estimator writes them: JSON-encoded.
    tree.hyperparameters(
        R"({"model.lr": "0.1", "opt-name": "\"adam\"", "sagemaker_program": "\"train.py\""})");
    ASSERT_EQ(run_entrypoint({"train"}, {{"SMTRAIN_SDK_V3_VARIABLES", "true"}}), 0) << last->err();
    const Value r = recorded();
    EXPECT_EQ(env(r, "SM_HOST_COUNT"), "2");
    EXPECT_EQ(env(r, "SM_CURRENT_HOST_RANK"), "1");
    EXPECT_EQ(env(r, "SM_MASTER_ADDR"), "algo-1");
    EXPECT_EQ(env(r, "SM_MASTER_PORT"), "7777");
    EXPECT_EQ(env(r, "SM_ENTRY_SCRIPT"), "train.py");
    EXPECT_EQ(env(r, "SM_SOURCE_DIR"), tree.code().string());
    EXPECT_EQ(env(r, "SM_OUTPUT_FAILURE"), (tree.output() / "failure").string());
    EXPECT_EQ(env(r, "SM_HP_MODEL_LR"), "0.1");
    EXPECT_EQ(env(r, "SM_HP_OPT_NAME"), "adam");
    EXPECT_EQ(env(r, "SM_CHANNEL_TRAIN_DATA"), (tree.base() / "input/data/train-data").string());
    // The toolkit's own names and values stay.
    EXPECT_EQ(env(r, "SM_HP_MODEL.LR"), "0.1");
    EXPECT_EQ(env(r, "SM_HOSTS"), R"(["algo-1","algo-2"])");
}

TEST_F(V3Job, V2JobHasNoV3NamesByDefault) {
    std::filesystem::remove_all(tree.base() / "input/data/sm_drivers");
    tree.write("input/config/inputdataconfig.json", R"({"train": {"TrainingInputMode": "File"}})");
    tree.write("code/train.py", kRecorder);
    tree.hyperparameters(R"({"sagemaker_program": "\"train.py\""})");
    ASSERT_EQ(run_entrypoint({"train"}), 0) << last->err();
    EXPECT_EQ(env(recorded(), "SM_ENTRY_SCRIPT"), "<unset>");
    EXPECT_EQ(env(recorded(), "SM_SOURCE_DIR"), "<unset>");
    ASSERT_EQ(run_entrypoint({"train"}, {{"SMTRAIN_SDK_V3_VARIABLES", "yes"}}), 65);
}

}  // namespace
}  // namespace smtrain::testing
