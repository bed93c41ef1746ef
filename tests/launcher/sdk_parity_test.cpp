// SPDX-License-Identifier: Apache-2.0
// Process tests for issue 12: jobs as the SageMaker SDK writes them, run by the
// real sm-train with fake launchers (torchrun, mpirun, neuron_parallel_compile)
// that record their argv and the environment execve handed them. Every
// expected value is written by hand from the toolkits' source
// (sagemaker-training's process.py/mpi.py/entry_point.py, the PyTorch and
// TensorFlow containers' training.py, trainer.py).
#include "launcher_fixture.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

namespace smtrain::testing {
namespace {

// SMTRAIN_TEST_SM_TRAIN runs these tests against another build (an older
// sm-train, to see them fail before a fix).
const std::string kSmTrain =
    std::getenv("SMTRAIN_TEST_SM_TRAIN") ? std::getenv("SMTRAIN_TEST_SM_TRAIN") : SMTRAIN_SM_TRAIN;
const std::string kPython = "/usr/bin/python3";

/// A fake launcher: writes its argv (one per line) to <model>/<name>.argv and
/// the environment it was started with, read from /proc (a shell resets PWD
/// before any script line runs), to <model>/<name>.env; then runs `extra`.
std::string fake_launcher(const std::string& name, const std::string& extra = "exit 0") {
    return "#!/bin/sh\n"
           "for a in \"$0\" \"$@\"; do printf '%s\\n' \"$a\"; done > \"$SM_MODEL_DIR/" +
           name +
           ".argv\"\n"
           "tr '\\0' '\\n' < /proc/$$/environ > \"$SM_MODEL_DIR/" +
           name + ".env\"\n" + extra + "\n";
}

/// The value of NAME in a file of NAME=value lines; "<unset>" when absent.
std::string env_value(const std::string& env_file, const std::string& name) {
    std::istringstream in(env_file);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(name + "=", 0) == 0) return line.substr(name.size() + 1);
    }
    return "<unset>";
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

class SdkJob : public ::testing::Test {
protected:
    void SetUp() override { std::filesystem::create_directories(bin()); }

    std::filesystem::path bin() const { return tree.root() / "bin"; }
    void tool(const std::string& name, const std::string& body) const {
        const auto path = bin() / name;
        std::ofstream(path) << body;
        std::filesystem::permissions(path, std::filesystem::perms::owner_all);
    }
    std::string model_file(const std::string& name) const { return read_file(tree.model() / name); }

    int run(std::map<std::string, std::string> extra = {}) {
        std::map<std::string, std::string> e = {{"SAGEMAKER_BASE_DIR", tree.base().string()},
                                                {"SM_STUDIO_LOCAL_MODE", "true"},
                                                {"SMTRAIN_PYTHON", kPython},
                                                {"PATH", bin().string() + ":/usr/bin:/bin"},
                                                // Where sm-train was started from, not where programs start.
                                                {"PWD", "/somewhere/else"}};
        for (auto& [k, v] : extra) e[k] = v;
        last = std::make_unique<Process>(std::vector<std::string>{kSmTrain, "train"}, e, tree.root());
        return last->exit_code();
    }

    JobTree tree;
    std::unique_ptr<Process> last;
};

// ---- item 2: $0 and PWD ---------------------------------------------------

TEST_F(SdkJob, CommandEntryPointSeesDotSlashNameAsDollarZero) {
    // The toolkit's shell runs `./train.sh` from the code dir: `$0` is `./train.sh`.
    tree.write("code/train.sh",
               "#!/bin/sh\nprintf '%s|%s' \"$0\" \"$(dirname \"$0\")\" > \"$SM_MODEL_DIR/zero\"\n", true);
    tree.hyperparameters(R"({"sagemaker_program":"\"train.sh\""})");
    ASSERT_EQ(run(), 0) << last->err();
    EXPECT_EQ(model_file("zero"), "./train.sh|.");
}

TEST_F(SdkJob, ScriptWithoutShebangAlsoSeesDotSlashName) {
    tree.write("code/run", "printf '%s' \"$0\" > \"$SM_MODEL_DIR/zero\"\n", true);
    tree.hyperparameters(R"({"sagemaker_program":"\"run\""})");
    ASSERT_EQ(run(), 0) << last->err();
    EXPECT_EQ(model_file("zero"), "./run");
}

TEST_F(SdkJob, PythonProgramSeesPwdOfTheCodeDir) {
    tree.write(
        "code/train.py",
        "import os\nopen(os.path.join(os.environ['SM_MODEL_DIR'], 'pwd'), 'w').write(os.environ.get('PWD', "
        "'<unset>'))\n");
    tree.hyperparameters(R"({"sagemaker_program":"\"train.py\""})");
    ASSERT_EQ(run(), 0) << last->err();
    EXPECT_EQ(model_file("pwd"), tree.code().string());
}

TEST_F(SdkJob, TorchrunAndNeuronParallelCompileStartWithPwdOfTheCodeDir) {
    tool("neuron_parallel_compile", fake_launcher("neuron_parallel_compile"));
    tool("torchrun", fake_launcher("torchrun"));
    tree.write("code/train.py", "print('never run: torchrun is a fake')\n");
    // As the SDK's PyTorch(distribution={"torch_distributed": {"enabled": True}}) writes it.
    tree.hyperparameters(
        R"({"sagemaker_program":"\"train.py\"","sagemaker_torch_distributed_enabled":"true",)"
        R"("sagemaker_instance_type":"\"ml.trn1.32xlarge\""})");
    ASSERT_EQ(run({{"RUN_NEURON_PARALLEL_COMPILE", "1"}}), 0) << last->err();
    EXPECT_EQ(env_value(model_file("neuron_parallel_compile.env"), "PWD"), tree.code().string());
    EXPECT_EQ(lines(model_file("neuron_parallel_compile.argv")),
              (std::vector<std::string>{(bin() / "neuron_parallel_compile").string(), "torchrun", "--nnodes",
                                        "1", "--nproc_per_node", "1", "train.py"}));
}

TEST_F(SdkJob, MpirunStartsWithPwdOfTheCodeDirAndExportsPythonPath) {
    tool("mpirun", fake_launcher("mpirun"));
    tree.write("code/train.sh", "#!/bin/sh\nexit 0\n", true);
    // As the SDK's mpi distribution writes it: sagemaker_mpi_custom_mpi_options defaults to "".
    tree.hyperparameters(R"({"sagemaker_program":"\"train.sh\"","sagemaker_mpi_enabled":"true",)"
                         R"("sagemaker_mpi_custom_mpi_options":"\"\""})");
    ASSERT_EQ(run({{"SMTRAIN_SSHD", "/bin/true"}, {"PYTHONPATH", "/inherited"}}), 0) << last->err();
    const std::string env = model_file("mpirun.env");
    EXPECT_EQ(env_value(env, "PWD"), tree.code().string());
    EXPECT_EQ(env_value(env, "PYTHONPATH"), tree.code().string() + ":/inherited");
    const auto argv = lines(model_file("mpirun.argv"));
    ASSERT_GE(argv.size(), 4u);
    // ... -x SM_HP_* (none here), then -x PYTHONPATH, then the program.
    EXPECT_EQ((std::vector<std::string>(argv.end() - 3, argv.end())),
              (std::vector<std::string>{"-x", "PYTHONPATH", "./train.sh"}));
}

// ---- item 5: framework modules, as trainer.train() handles their errors ----

class FrameworkModule : public SdkJob {
protected:
    void SetUp() override {
        SdkJob::SetUp();
        // A stand-in for the toolkit's errors module, with its class tree and
        // _CalledProcessError's str() shape, in the code dir (on PYTHONPATH).
        tree.write("code/sagemaker_training/__init__.py", "");
        tree.write("code/sagemaker_training/errors.py",
                   "class ClientError(Exception):\n    pass\n"
                   "class ExecuteUserScriptError(ClientError):\n"
                   "    def __str__(self):\n"
                   "        return 'ExecuteUserScriptError:\\nExitCode 3\\nErrorMessage \"boom\"\\n"
                   "Command \"/usr/bin/python3 train.py\"'\n");
        tree.write("code/my_framework.py",
                   "import errno, os\n"
                   "def ok():\n    pass\n"
                   "def missing_file():\n    open('/nonexistent/smtrain-no-such-file')\n"
                   "def value_error():\n    raise ValueError('bad value')\n"
                   "def oserror_without_errno():\n    raise OSError('no errno here')\n"
                   "def user_script_failed():\n"
                   "    from sagemaker_training import errors\n    raise errors.ExecuteUserScriptError()\n");
        tree.write("code/torch_xla/__init__.py", "");
        tree.write("code/torch_xla/boom.py", "def main():\n    raise RuntimeError('xla compile failed')\n");
    }
    int run_module(const std::string& module) { return run({{"SAGEMAKER_TRAINING_MODULE", module}}); }

    static bool starts_with(const std::string& s, const std::string& prefix) {
        return s.rfind(prefix, 0) == 0;
    }
    static bool ends_with(const std::string& s, const std::string& suffix) {
        return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
    }
};

TEST_F(FrameworkModule, SuccessWritesTheSuccessFile) {
    ASSERT_EQ(run_module("my_framework:ok"), 0) << last->err();
    EXPECT_TRUE(tree.has_success());
}

TEST_F(FrameworkModule, OsErrorExitsWithItsErrnoAndAFrameworkErrorTraceback) {
    EXPECT_EQ(run_module("my_framework:missing_file"), 2) << last->err();
    const std::string failure = tree.failure();
    EXPECT_TRUE(starts_with(failure, "Framework Error: \nTraceback (most recent call last):\n")) << failure;
    EXPECT_TRUE(ends_with(failure,
                          "FileNotFoundError: [Errno 2] No such file or directory: "
                          "'/nonexistent/smtrain-no-such-file'\n\n[Errno 2] No such file or directory: "
                          "'/nonexistent/smtrain-no-such-file'"))
        << failure;
    EXPECT_EQ(failure.find("ExecuteUserScriptError"), std::string::npos) << failure;
}

TEST_F(FrameworkModule, ExceptionWithoutErrnoExitsOne) {
    EXPECT_EQ(run_module("my_framework:value_error"), 1) << last->err();
    EXPECT_TRUE(starts_with(tree.failure(), "Framework Error: \nTraceback")) << tree.failure();
    EXPECT_TRUE(ends_with(tree.failure(), "ValueError: bad value\n\nbad value")) << tree.failure();
}

TEST_F(FrameworkModule, ErrnoNoneExitsOneWhereTheToolkitExitsZero) {
    EXPECT_EQ(run_module("my_framework:oserror_without_errno"), 1) << last->err();
    EXPECT_TRUE(ends_with(tree.failure(), "OSError: no errno here\n\nno errno here")) << tree.failure();
}

TEST_F(FrameworkModule, ExecuteUserScriptErrorIsTheFailureFileVerbatim) {
    EXPECT_EQ(run_module("my_framework:user_script_failed"), 1) << last->err();
    EXPECT_EQ(
        tree.failure(),
        "ExecuteUserScriptError:\nExitCode 3\nErrorMessage \"boom\"\nCommand \"/usr/bin/python3 train.py\"");
}

TEST_F(FrameworkModule, TracebackThroughTorchXlaIsATrainingCompilerError) {
    EXPECT_EQ(run_module("torch_xla.boom:main"), 1) << last->err();
    EXPECT_TRUE(starts_with(tree.failure(), "SMTrainingCompiler Error: \nTraceback")) << tree.failure();
    EXPECT_TRUE(ends_with(tree.failure(), "\nxla compile failed")) << tree.failure();
}

// ---- item 6: the warm-pool cache for the requirements install --------------

class WarmPool : public SdkJob {
protected:
    void SetUp() override {
        // The fixture cannot unset variables of the test's own environment.
        if (std::getenv("PIP_CACHE_DIR") || std::getenv("SAGEMAKER_MANAGED_WARMPOOL_CACHE_DIRECTORY"))
            GTEST_SKIP() << "PIP_CACHE_DIR or SAGEMAKER_MANAGED_WARMPOOL_CACHE_DIRECTORY is set here";
        SdkJob::SetUp();
        // A pip stand-in: what a real pip does with its cache dir, reduced to
        // one cached wheel (found: "hit"; not found: downloaded and cached, "miss").
        tool("python",
             "#!/bin/sh\n"
             "if [ \"$1\" = -m ] && [ \"$2\" = pip ]; then\n"
             "  if [ -z \"${PIP_CACHE_DIR+set}\" ]; then echo 'no cache' >> \"$SM_MODEL_DIR/pip.log\"; exit "
             "0; fi\n"
             "  if [ -e \"$PIP_CACHE_DIR/wheels/demo-1.0-py3-none-any.whl\" ]; then r=hit; else\n"
             "    mkdir -p \"$PIP_CACHE_DIR/wheels\" && : > "
             "\"$PIP_CACHE_DIR/wheels/demo-1.0-py3-none-any.whl\"; r=miss; fi\n"
             "  echo \"$PIP_CACHE_DIR $r\" >> \"$SM_MODEL_DIR/pip.log\"; exit 0\n"
             "fi\n"
             "exec /usr/bin/python3 \"$@\"\n");
        tree.write("code/train.py",
                   "import os\nopen(os.path.join(os.environ['SM_MODEL_DIR'], 'pip_env'), 'w')"
                   ".write(os.environ.get('PIP_CACHE_DIR', '<unset>'))\n");
        tree.write("code/requirements.txt", "demo==1.0\n");
        tree.hyperparameters(R"({"sagemaker_program":"\"train.py\""})");
    }
    std::map<std::string, std::string> job_env(std::map<std::string, std::string> extra = {}) const {
        extra["SMTRAIN_PYTHON"] = (bin() / "python").string();
        return extra;
    }
};

TEST_F(WarmPool, SecondJobOnTheWarmPoolInstallsFromTheCache) {
    const std::string cache = (tree.root() / "warmpool").string();
    ASSERT_EQ(run(job_env({{"SAGEMAKER_MANAGED_WARMPOOL_CACHE_DIRECTORY", cache}})), 0) << last->err();
    ASSERT_EQ(run(job_env({{"SAGEMAKER_MANAGED_WARMPOOL_CACHE_DIRECTORY", cache}})), 0) << last->err();
    EXPECT_EQ(model_file("pip.log"), cache + "/pip miss\n" + cache + "/pip hit\n");
    // Only the install step: the program's own environment is left alone.
    EXPECT_EQ(model_file("pip_env"), "<unset>");
}

TEST_F(WarmPool, PipCacheDirOfTheJobWins) {
    const std::string own = (tree.root() / "own-cache").string();
    ASSERT_EQ(
        run(job_env({{"SAGEMAKER_MANAGED_WARMPOOL_CACHE_DIRECTORY", (tree.root() / "warmpool").string()},
                     {"PIP_CACHE_DIR", own}})),
        0)
        << last->err();
    EXPECT_EQ(model_file("pip.log"), own + " miss\n");
}

TEST_F(WarmPool, WithoutAWarmPoolPipKeepsItsDefault) {
    ASSERT_EQ(run(job_env()), 0) << last->err();
    EXPECT_EQ(model_file("pip.log"), "no cache\n");
}

// ---- item 4: the TensorFlow parameter-server job, through sm-train ----------

class ParameterServerJob : public SdkJob {
protected:
    void SetUp() override {
        SdkJob::SetUp();
        const std::string rec = tree.root().string();
        // A python that stands in for TensorFlow's: `import tensorflow` works, the
        // parameter-server code records its arguments and serves until SIGTERM.
        tool("python",
             "#!/bin/sh\n"
             "if [ \"$1\" = -c ] && [ \"$2\" = 'import tensorflow' ]; then exit 0; fi\n"
             "case \"$2\" in *\"job_name='ps'\"*)\n"
             "  printf '%s\\n' \"$3\" \"$4\" > '" +
                 rec +
                 "/ps.argv'\n"
                 "  trap \"echo stopped > '" +
                 rec +
                 "/ps.stopped'; exit 0\" TERM\n"
                 "  : > '" +
                 rec +
                 "/ps.started'\n"
                 "  while :; do sleep 0.05; done ;;\n"
                 "esac\n"
                 "exec /usr/bin/python3 \"$@\"\n");
        tree.write("code/train.py",
                   "import os\n"
                   "d = os.environ['SM_MODEL_DIR']\n"
                   "open(os.path.join(d, 'tf_config'), 'w').write(os.environ.get('TF_CONFIG', '<unset>'))\n"
                   "open(os.path.join(d, 'ps_first'), 'w').write(str(os.path.exists('" +
                       rec + "/ps.started')))\n");
        // TensorFlow(distribution={"parameter_server": {"enabled": True}}, instance_count=2).
        tree.hyperparameters(
            R"({"sagemaker_program":"\"train.py\"","sagemaker_parameter_server_enabled":"true",)"
            R"("model_dir":"\"s3://bucket/job/model\""})");
    }
    int run_as(const std::string& host) {
        tree.write("input/config/resourceconfig.json",
                   R"({"current_host":")" + host + R"(","hosts":["algo-1","algo-2"]})");
        return run({{"SMTRAIN_PYTHON", (bin() / "python").string()}});
    }
    std::string rec(const std::string& name) const { return read_file(tree.root() / name); }

    const std::string cluster_ =
        R"({"cluster": {"master": ["algo-1:2222"], "ps": ["algo-1:2223", "algo-2:2223"], )"
        R"("worker": ["algo-2:2222"]}, "environment": "cloud", )";
};

TEST_F(ParameterServerJob, MasterStartsThePsThenTheWorkerWithTfConfigAndStopsThePs) {
    ASSERT_EQ(run_as("algo-1"), 0) << last->err();
    const std::string tf_config = cluster_ + R"("task": {"index": 0, "type": "master"}})";
    EXPECT_EQ(model_file("tf_config"), tf_config);
    EXPECT_EQ(rec("ps.argv"), tf_config + "\n0\n");
    EXPECT_EQ(model_file("ps_first"), "True");
    EXPECT_EQ(rec("ps.stopped"), "stopped\n");
    EXPECT_TRUE(tree.has_success());
}

TEST_F(ParameterServerJob, WorkerViewGetsItsTaskAndItsPsIndex) {
    // algo-1 does not resolve here: the master counts as down at once.
    ASSERT_EQ(run_as("algo-2"), 0) << last->err();
    EXPECT_EQ(model_file("tf_config"), cluster_ + R"("task": {"index": 0, "type": "worker"}})");
    EXPECT_NE(rec("ps.argv").find("\n1\n"), std::string::npos) << rec("ps.argv");
    EXPECT_EQ(rec("ps.stopped"), "stopped\n");
    EXPECT_NE(last->err().find("master algo-1 is down, stopping parameter server"), std::string::npos)
        << last->err();
}

}  // namespace
}  // namespace smtrain::testing
