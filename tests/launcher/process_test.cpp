// SPDX-License-Identifier: Apache-2.0
// Process tests: the real sm-train binary runs real programs on fake trees.
// Every test here starts sm-train (none runs launcher code in-process), and
// tests.cmake runs each twice: with sm-train as a subreaper, and under the
// `pid1.` prefix as PID 1 of a PID namespace of its own (SMTRAIN_TEST_AS_PID1=1,
// tests/support/supervision_mode.hpp). The commands a test runs around it (tar,
// sh, the S3 server) run as plain children in both.
#include "launcher_fixture.hpp"

#include "lib/json.hpp"

#include <gtest/gtest.h>

#include <signal.h>

namespace smtrain::testing {
namespace {

const std::string kSmTrain = SMTRAIN_SM_TRAIN;
const std::string kPython = "/usr/bin/python3";
const std::string kMarker = "/tmp/smtrain-launcher-test-pwned";

/// Hyperparameters a shell would misread: every one must arrive byte for byte.
/// (As hyperparameters.json holds them: the SDK JSON-encodes every value.)
const std::string kHostileHyperparameters =
    R"({"a":"\"$(touch /tmp/smtrain-launcher-test-pwned)\"","b":"\"`touch /tmp/smtrain-launcher-test-pwned`\"",)"
    R"("c":"\"it's \\\"quoted\\\"\"","d":"\"x; touch /tmp/smtrain-launcher-test-pwned\"","e":"\"two\\nlines\"",)"
    R"("f":"\"  spaced  out \"","g":"\"$HOME\""})";

/// The argv those hyperparameters must produce, written out by hand, one per line in [brackets].
const std::string kHostileArgv =
    "[-a][$(touch /tmp/smtrain-launcher-test-pwned)][-b][`touch /tmp/smtrain-launcher-test-pwned`]"
    "[-c][it's \"quoted\"][-d][x; touch /tmp/smtrain-launcher-test-pwned][-e][two\nlines]"
    "[-f][  spaced  out ][-g][$HOME]";

class SmTrain : public ::testing::Test {
protected:
    void SetUp() override { std::filesystem::remove(kMarker); }
    void TearDown() override {
        EXPECT_FALSE(std::filesystem::exists(kMarker)) << "a hyperparameter was executed";
    }

    std::map<std::string, std::string> env(std::map<std::string, std::string> extra = {}) const {
        std::map<std::string, std::string> e = {{"SAGEMAKER_BASE_DIR", tree.base().string()},
                                                {"SM_STUDIO_LOCAL_MODE", "true"},
                                                {"SMTRAIN_PYTHON", kPython}};
        for (auto& [k, v] : extra) e[k] = v;
        return e;
    }
    std::unique_ptr<Process> start(std::vector<std::string> args = {"train"},
                                   std::map<std::string, std::string> extra = {}) {
        args.insert(args.begin(), kSmTrain);
        return std::make_unique<Process>(args, env(std::move(extra)), tree.root(), std::filesystem::path(),
                                         test_support::test_as_pid1());
    }
    int run(std::vector<std::string> args = {"train"}, std::map<std::string, std::string> extra = {}) {
        last = start(std::move(args), std::move(extra));
        return last->exit_code();
    }

    JobTree tree;
    std::unique_ptr<Process> last;
};

// A Python program that writes its argv, each in [brackets], to the model dir.
const std::string kPrintArgvPy =
    "import os, sys\n"
    "os.makedirs(os.environ['SM_MODEL_DIR'], exist_ok=True)\n"
    "open(os.path.join(os.environ['SM_MODEL_DIR'], 'argv'), 'w').write(''.join('[%s]' % a for a in "
    "sys.argv[1:]))\n";
const std::string kPrintArgvSh =
    "mkdir -p \"$SM_MODEL_DIR\"\nprintf '[%s]' \"$@\" > \"$SM_MODEL_DIR/argv\"\n";

// ---- entry-point kinds, hostile values --------------------------------------

TEST_F(SmTrain, PythonProgramGetsHostileValuesByteForByte) {
    tree.hyperparameters(kHostileHyperparameters);
    tree.write("code/train.py", kPrintArgvPy);
    ASSERT_EQ(run({"train"}, {{"SAGEMAKER_PROGRAM", "train.py"}}), 0) << last->err();
    EXPECT_EQ(read_file(tree.model() / "argv"), kHostileArgv);
    EXPECT_TRUE(tree.has_success());
    EXPECT_FALSE(tree.has_failure());
}

TEST_F(SmTrain, ShellScriptGetsHostileValuesByteForByte) {
    tree.hyperparameters(kHostileHyperparameters);
    tree.write("code/train.sh", "#!/bin/sh\n" + kPrintArgvSh);  // not executable: sm-train makes it so
    ASSERT_EQ(run({"train"}, {{"SAGEMAKER_PROGRAM", "train.sh"}}), 0) << last->err();
    EXPECT_EQ(read_file(tree.model() / "argv"), kHostileArgv);
}

TEST_F(SmTrain, ScriptWithoutShebangGetsHostileValuesByteForByte) {
    tree.hyperparameters(kHostileHyperparameters);
    tree.write("code/train", kPrintArgvSh);
    ASSERT_EQ(run({"train"}, {{"SAGEMAKER_PROGRAM", "train"}}), 0) << last->err();
    EXPECT_EQ(read_file(tree.model() / "argv"), kHostileArgv);
}

TEST_F(SmTrain, PythonPackageIsInstalledThenRunAsModule) {
    // A stand-in interpreter records pip's argv and runs everything else with the real one.
    auto fake_python = tree.write(
        "bin/python",
        "#!/bin/sh\nif [ \"$2\" = pip ]; then printf '[%s]' \"$@\" > \"$SM_MODEL_DIR.pip\"; exit 0; fi\n"
        "exec /usr/bin/python3 \"$@\"\n",
        true);
    tree.hyperparameters(R"({"sagemaker_program":"\"train.py\"",)" + kHostileHyperparameters.substr(1));
    tree.write("code/setup.py", "raise SystemExit('setup.py must not run: pip is faked')\n");
    tree.write("code/requirements.txt", "numpy\n");
    tree.write("code/train.py", kPrintArgvPy);
    ASSERT_EQ(run({"train"}, {{"SMTRAIN_PYTHON", fake_python.string()}}), 0) << last->err();
    EXPECT_EQ(read_file(tree.base() / "model.pip"), "[-m][pip][install][.][-r][requirements.txt]");
    EXPECT_EQ(read_file(tree.model() / "argv"), kHostileArgv);
    EXPECT_NE(last->err().find("Invoking script with the following command:\n\n" + fake_python.string() +
                               " -m train -a $(touch"),
              std::string::npos);
}

TEST_F(SmTrain, RequirementsAreInstalledForAPythonProgram) {
    auto fake_python = tree.write(
        "bin/python",
        "#!/bin/sh\nif [ \"$2\" = pip ]; then printf '[%s]' \"$@\" > \"$SM_MODEL_DIR.pip\"; exit 0; fi\n"
        "exec /usr/bin/python3 \"$@\"\n",
        true);
    tree.write("code/requirements.txt", "numpy\n");
    tree.write("code/train.py", kPrintArgvPy);
    ASSERT_EQ(run({"train"}, {{"SAGEMAKER_PROGRAM", "train.py"}, {"SMTRAIN_PYTHON", fake_python.string()}}),
              0)
        << last->err();
    EXPECT_EQ(read_file(tree.base() / "model.pip"), "[-m][pip][install][-r][requirements.txt]");
}

TEST_F(SmTrain, FailedInstallIsReportedAsTheToolkitDoes) {
    auto fake_python = tree.write(
        "bin/python", "#!/bin/sh\necho 'ERROR: Invalid requirement: \"numpy==\"' >&2\nexit 1\n", true);
    tree.write("code/requirements.txt", "numpy==\n");
    tree.write("code/train.py", kPrintArgvPy);
    EXPECT_EQ(run({"train"}, {{"SAGEMAKER_PROGRAM", "train.py"}, {"SMTRAIN_PYTHON", fake_python.string()}}),
              1);
    EXPECT_EQ(tree.failure(),
              "InstallRequirementsError:\nExitCode 1\nErrorMessage \"pip install failed: ERROR: Invalid "
              "requirement: \"numpy==\"\nERROR: Invalid requirement: \"numpy==\"\"\nCommand \"" +
                  fake_python.string() + " -m pip install -r requirements.txt\"");
    EXPECT_FALSE(std::filesystem::exists(tree.model() / "argv"));
}

// One convention for a process that cannot start, install step or program:
// the step's own error class, the exit code a shell gives (127 here). It used
// to be sm-train's own failure for pip and the program's for the program.
TEST_F(SmTrain, InstallThatCannotStartIsReportedAsTheInstallsFailure) {
    auto python = tree.write("bin/python", "#!/nonexistent/interpreter\n", true);
    tree.write("code/requirements.txt", "numpy\n");
    tree.write("code/train.py", kPrintArgvPy);
    EXPECT_EQ(run({"train"}, {{"SAGEMAKER_PROGRAM", "train.py"}, {"SMTRAIN_PYTHON", python.string()}}), 127);
    EXPECT_EQ(tree.failure(), "InstallRequirementsError:\nExitCode 127\nErrorMessage \"cannot run " +
                                  python.string() + ": execve: No such file or directory\"\nCommand \"" +
                                  python.string() + " -m pip install -r requirements.txt\"");
    EXPECT_FALSE(std::filesystem::exists(tree.model() / "argv"));
}

TEST_F(SmTrain, FrameworkModuleFunctionIsCalled) {
    tree.write("code/my_framework.py",
               "import os, sys\n"
               "def main():\n"
               "    open(os.environ['SM_MODEL_DIR'] + '.framework', 'w').write(repr(sys.argv[1:]))\n");
    ASSERT_EQ(run({"train"}, {{"SAGEMAKER_TRAINING_MODULE", "my_framework:main"}}), 0) << last->err();
    EXPECT_EQ(read_file(tree.base() / "model.framework"), "[]");
}

TEST_F(SmTrain, LocalSubmitDirectoryIsCopiedIntoAnEmptyCodeDir) {
    std::filesystem::remove_all(tree.code());
    tree.write("../src/train.py", kPrintArgvPy);
    tree.hyperparameters(R"({"sagemaker_submit_directory":")" + (tree.root() / "src").string() +
                         R"(","sagemaker_program":"train.py","lr":"0.5"})");
    ASSERT_EQ(run(), 0) << last->err();
    EXPECT_EQ(read_file(tree.model() / "argv"), "[--lr][0.5]");
    EXPECT_TRUE(std::filesystem::exists(tree.code() / "train.py"));
}

TEST_F(SmTrain, LocalTarballIsExtractedIntoAnEmptyCodeDir) {
    tree.write("../src/train.sh", "#!/bin/sh\n" + kPrintArgvSh, true);
    Process tar({"/bin/tar", "czf", (tree.root() / "sourcedir.tar.gz").string(), "-C",
                 (tree.root() / "src").string(), "train.sh"},
                {}, tree.root());
    ASSERT_EQ(tar.exit_code(), 0);
    tree.hyperparameters(R"({"sagemaker_submit_directory":")" + (tree.root() / "sourcedir.tar.gz").string() +
                         R"(","sagemaker_program":"train.sh","x":"1"})");
    ASSERT_EQ(run(), 0) << last->err();
    EXPECT_EQ(read_file(tree.model() / "argv"), "[-x][1]");
}

TEST_F(SmTrain, S3SubmitDirectoryIsDownloadedAndExtracted) {
    // A real S3 endpoint on loopback (moto), holding the code tarball.
    tree.write("../src/train.sh", "#!/bin/sh\n" + kPrintArgvSh, true);
    Process tar({"/bin/tar", "czf", (tree.root() / "sourcedir.tar.gz").string(), "-C",
                 (tree.root() / "src").string(), "train.sh"},
                {}, tree.root());
    ASSERT_EQ(tar.exit_code(), 0);
    Process server(
        {"/usr/bin/env", "python3", SMTRAIN_S3_SERVER, (tree.root() / "port").string(), "code-bucket",
         "job/source/sourcedir.tar.gz", (tree.root() / "sourcedir.tar.gz").string()},
        {}, tree.root());
    if (!wait_for_file(tree.root() / "port", std::chrono::seconds(30)))
        GTEST_SKIP() << "moto not available: " << server.err();
    std::string endpoint = "http://127.0.0.1:" + read_file(tree.root() / "port");
    std::filesystem::remove_all(tree.code());
    tree.hyperparameters(R"({"sagemaker_submit_directory":"s3://code-bucket/job/source/sourcedir.tar.gz",)"
                         R"("sagemaker_program":"train.sh","x":"1"})");
    ASSERT_EQ(run({"train"}, {{"S3_ENDPOINT_URL", endpoint},
                              {"AWS_ACCESS_KEY_ID", "test"},
                              {"AWS_SECRET_ACCESS_KEY", "test"},
                              {"AWS_REGION", "us-east-1"}}),
              0)
        << last->err();
    EXPECT_EQ(read_file(tree.model() / "argv"), "[-x][1]");
}

TEST_F(SmTrain, SubmitDirectoryThatDoesNotExist) {
    std::filesystem::remove_all(tree.code());
    tree.hyperparameters(
        R"({"sagemaker_submit_directory":"/nonexistent/src","sagemaker_program":"train.py"})");
    EXPECT_EQ(run(), 66);
    EXPECT_EQ(tree.failure(),
              "sm-train: sagemaker_submit_directory: /nonexistent/src: no such file or directory");
}

TEST_F(SmTrain, EnvironmentHasSmVariablesAndCodeDirFirstOnPythonPath) {
    tree.write("code/train.sh",
               "#!/bin/sh\nmkdir -p \"$SM_MODEL_DIR\"\n"
               "printf '%s|%s|%s|%s' \"$SM_CHANNEL_DATASET\" \"$PYTHONPATH\" \"$SM_CURRENT_HOST\" \"$PWD\" > "
               "\"$SM_MODEL_DIR/env\"\n");
    ASSERT_EQ(run({"train"}, {{"SAGEMAKER_PROGRAM", "train.sh"}, {"PYTHONPATH", "/inherited"}}), 0)
        << last->err();
    EXPECT_EQ(read_file(tree.model() / "env"), (tree.base() / "input/data/dataset").string() + "|" +
                                                   tree.code().string() + ":/inherited|algo-1|" +
                                                   tree.code().string());
}

TEST_F(SmTrain, SeedExampleRunsFromTheRepositoryRoot) {
    // The README's main command: sm-train on a copy of examples/opt_ml, from the repository root.
    std::filesystem::remove_all(tree.base());
    std::filesystem::copy(std::string(SMTRAIN_SOURCE_DIR) + "/examples/opt_ml", tree.base(),
                          std::filesystem::copy_options::recursive);
    last = std::make_unique<Process>(std::vector<std::string>{kSmTrain, "train"}, env(), tree.root(),
                                     SMTRAIN_SOURCE_DIR, test_support::test_as_pid1());
    ASSERT_EQ(last->exit_code(), 0) << last->err();
    EXPECT_EQ(last->out(),
              "hp1='hello world' hp2=3 hp3=0.25\ndataset=" + (tree.base() / "input/data/dataset").string() +
                  "\nfiles=['train.csv'] rows=5\nmodel written to " + (tree.model() / "model.json").string() +
                  "\n");
    EXPECT_EQ(read_file(tree.model() / "model.json"),
              R"({"hp1": "hello world", "hp2": 3, "hp3": 0.25, "rows": 5})");
    EXPECT_TRUE(tree.has_success());
}

// ---- failure reports ----------------------------------------------------------

TEST_F(SmTrain, PythonTracebackReport) {
    tree.write("code/train.py",
               "import sys\nprint('loading data', file=sys.stderr)\nraise ValueError('bad learning rate')\n");
    EXPECT_EQ(run({"train"}, {{"SAGEMAKER_PROGRAM", "train.py"}}), 1);
    EXPECT_EQ(tree.failure(),
              "ExecuteUserScriptError:\nExitCode 1\nErrorMessage \"raise ValueError('bad learning rate')\n"
              " ValueError: bad learning rate\"\nCommand \"/usr/bin/python3 train.py\"");
    EXPECT_FALSE(tree.has_success());
    // stderr passed through as it came.
    EXPECT_NE(last->err().find("loading data\nTraceback (most recent call last):\n"), std::string::npos);
}

TEST_F(SmTrain, ShellExitCodeReportWithLastLines) {
    tree.write("code/train.sh", "#!/bin/sh\necho 'working' \necho 'disk quota exceeded' >&2\nexit 3\n");
    tree.hyperparameters(R"({"epochs":"2"})");
    EXPECT_EQ(run({"train"}, {{"SAGEMAKER_PROGRAM", "train.sh"}}), 3);
    EXPECT_EQ(tree.failure(),
              "ExecuteUserScriptError:\nExitCode 3\nErrorMessage \"disk quota exceeded\"\nCommand "
              "\"./train.sh --epochs 2\"");
    EXPECT_EQ(last->out(), "working\n");  // stdout untouched
}

TEST_F(SmTrain, SigkillReportHasTheToolkitExtraInfo) {
    tree.write("code/train.sh", "#!/bin/sh\nkill -9 $$\n");
    EXPECT_EQ(run({"train"}, {{"SAGEMAKER_PROGRAM", "train.sh"}}), 137);
    EXPECT_EQ(
        tree.failure(),
        "ExecuteUserScriptError:\nExitCode 137\nErrorMessage \"Killed by a signal: the program on algo-1 "
        "was killed by SIGKILL\"\n"
        "ExtraInfo \"OutOfMemory: Process killed by SIGKILL (signal 9)\"\nCommand \"./train.sh\"");
}

TEST_F(SmTrain, MissingProgram) {
    EXPECT_EQ(run({"train"}, {{"SAGEMAKER_PROGRAM", "nope.py"}}), 66);
    std::string line = "sm-train: program nope.py not found in " + tree.code().string();
    EXPECT_EQ(tree.failure(), line);
    EXPECT_NE(last->err().find(line + "\n"), std::string::npos);
}

TEST_F(SmTrain, NoProgramSet) {
    EXPECT_EQ(run(), 66);
    EXPECT_EQ(tree.failure(),
              "sm-train: no program to run: set SAGEMAKER_PROGRAM or the sagemaker_program hyperparameter");
}

TEST_F(SmTrain, ProgramThatCannotBeExecuted) {
    tree.write("code/train.sh", "#!/nonexistent/interpreter\n");
    EXPECT_EQ(run({"train"}, {{"SAGEMAKER_PROGRAM", "train.sh"}}), 127);
    EXPECT_EQ(tree.failure(), "ExecuteUserScriptError:\nExitCode 127\nErrorMessage \"cannot run " +
                                  (tree.code() / "train.sh").string() +
                                  ": execve: No such file or directory\"\nCommand \"./train.sh\"");
}

TEST_F(SmTrain, BadConfigIsOneLineAndNonZero) {
    tree.write("input/config/resourceconfig.json", "{not json");
    int code = run({"train"}, {{"SAGEMAKER_PROGRAM", "train.py"}});
    EXPECT_EQ(code, 65);
    std::string failure = tree.failure();
    EXPECT_EQ(failure.rfind("sm-train: resourceconfig.json", 0), 0u) << failure;
    EXPECT_EQ(failure.find('\n'), std::string::npos);
}

TEST_F(SmTrain, ExistingFailureFileIsKept) {
    tree.write("code/train.sh", "#!/bin/sh\necho 'my own reason' > \"$SM_OUTPUT_DIR/failure\"\nexit 5\n");
    EXPECT_EQ(run({"train"}, {{"SAGEMAKER_PROGRAM", "train.sh"}}), 5);
    EXPECT_EQ(tree.failure(), "my own reason\n");
}

TEST_F(SmTrain, ExitCodeIsTheProgramsAndNeverZeroAfterFailure) {
    tree.write("code/train.sh", "#!/bin/sh\nexit 42\n");
    EXPECT_EQ(run({"train"}, {{"SAGEMAKER_PROGRAM", "train.sh"}}), 42);
    tree.write("code/train.sh", "#!/bin/sh\nexit 0\n");
    std::filesystem::remove(tree.output() / "failure");
    EXPECT_EQ(run({"train"}, {{"SAGEMAKER_PROGRAM", "train.sh"}}), 0);
    EXPECT_TRUE(tree.has_success());
}

// ---- signals ----------------------------------------------------------------
// Signals other than SIGTERM reach the program here. The scenarios of the job as
// a whole (a SIGTERM at the start, storms, the grace period and SIGKILL, reaping)
// are each one parameterised test in reliability/faults_test.cpp, and a stop
// before the program in reliability/lifecycle_test.cpp (issue 19 item 7).

class SmTrainSignals : public SmTrain {
protected:
    std::unique_ptr<Process> start_print_signals(std::vector<std::string> extra_args = {},
                                                 std::map<std::string, std::string> extra_env = {}) {
        std::filesystem::copy_file(SMTRAIN_PRINT_SIGNALS, tree.code() / "print_signals");
        if (!extra_args.empty()) {
            std::string hps = "{";
            for (std::size_t i = 0; i < extra_args.size(); ++i)
                hps += (i ? "," : "") + ("\"" + extra_args[i] + "\":\"\"");
            tree.hyperparameters(hps + "}");
        }
        extra_env["SAGEMAKER_PROGRAM"] = "print_signals";
        extra_env["READY_FILE"] = (tree.root() / "ready").string();
        auto r = start({"train"}, extra_env);
        EXPECT_TRUE(wait_for_file(tree.root() / "ready")) << r->err();
        return r;
    }
};

TEST_F(SmTrainSignals, SigtermReachesTheProgram) {
    auto r = start_print_signals();
    EXPECT_EQ(read_file(tree.root() / "ready").substr(read_file(tree.root() / "ready").find(' ', 6)),
              " mask-empty\n");
    kill(r->pid(), SIGUSR1);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    kill(r->pid(), SIGHUP);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    kill(r->pid(), SIGTERM);
    EXPECT_EQ(r->exit_code(), 143);
    EXPECT_EQ(r->out(), "USR1\nHUP\nTERM\n");
    EXPECT_EQ(tree.failure(),
              "ExecuteUserScriptError:\nExitCode 143\nErrorMessage \"\"\nCommand \"./print_signals\"");
}

TEST_F(SmTrainSignals, HostThatNeverResolvesGivesUp) {
    tree.write("input/config/resourceconfig.json",
               R"({"current_host":"no-such-host.invalid","hosts":["no-such-host.invalid"]})");
    tree.write("code/train.sh", "#!/bin/sh\n");
    EXPECT_EQ(run({"train"}, {{"SAGEMAKER_PROGRAM", "train.sh"},
                              {"SM_STUDIO_LOCAL_MODE", "false"},
                              {"SMTRAIN_DNS_WAIT_TIMEOUT_S", "0.5"}}),
              69);
    EXPECT_EQ(tree.failure().rfind("sm-train: host no-such-host.invalid did not resolve after ", 0), 0u)
        << tree.failure();
}

// The pid1. run has sm-train as PID 1 indeed: where PID namespaces are refused,
// the relay falls back to a plain child, and this fails rather than letting the
// run pass as a second subreaper run.
TEST_F(SmTrain, RunsInTheModeTheTestAsksFor) {
    tree.write("code/train.sh",
               "#!/bin/sh\nmkdir -p \"$SM_MODEL_DIR\"\necho $PPID > \"$SM_MODEL_DIR/parent\"\n");
    ASSERT_EQ(run({"train"}, {{"SAGEMAKER_PROGRAM", "train.sh"}}), 0) << last->err();
    if (test_support::test_as_pid1()) {
        EXPECT_EQ(read_file(tree.model() / "parent"), "1\n");
    } else {
        EXPECT_NE(read_file(tree.model() / "parent"), "1\n");
        EXPECT_EQ(last->err().find("cannot become a child subreaper"), std::string::npos) << last->err();
    }
}

// ---- logs -------------------------------------------------------------------

TEST_F(SmTrain, SecretsAreMaskedInTheInvocationLog) {
    tree.hyperparameters(R"({"api_token":"\"tok-9f8e7d6c\"","lr":"0.1"})");
    tree.write("code/train.sh", "#!/bin/sh\n");
    ASSERT_EQ(run({"train"}, {{"SAGEMAKER_PROGRAM", "train.sh"}}), 0);
    std::string err = last->err();
    EXPECT_NE(err.find("Invoking user script\n\nTraining Env:\n\n{\n"), std::string::npos);
    EXPECT_NE(err.find("\nSM_HP_API_TOKEN=****\n"), std::string::npos);
    EXPECT_NE(err.find("\nSM_HP_LR=0.1\n"), std::string::npos);
    EXPECT_NE(err.find("\n./train.sh --api_token **** --lr 0.1\n"), std::string::npos);
    EXPECT_EQ(err.find("tok-9f8e7d6c"), std::string::npos) << err;
}

TEST_F(SmTrain, LogLevelHidesInfo) {
    tree.hyperparameters(R"({"sagemaker_container_log_level":"40"})");
    tree.write("code/train.sh", "#!/bin/sh\necho program-output >&2\n");
    ASSERT_EQ(run({"train"}, {{"SAGEMAKER_PROGRAM", "train.sh"}}), 0);
    EXPECT_EQ(last->err(), "program-output\n");
}

// ---- command line -------------------------------------------------------------

TEST_F(SmTrain, DryRunPrintsAndRunsNothing) {
    tree.hyperparameters(R"({"x":"\"it's\""})");
    tree.write("code/train.sh", "#!/bin/sh\ntouch /tmp/smtrain-launcher-test-pwned\n");
    ASSERT_EQ(run({"--dry-run"}, {{"SAGEMAKER_PROGRAM", "train.sh"}}), 0) << last->err();
    std::string out = last->out();
    EXPECT_EQ(out.rfind("runner: process\nentry point: train.sh (command)\nworking directory: " +
                            tree.code().string() + "\ncommand: './train.sh' '-x' 'it'\\''s'\nenvironment:\n",
                        0),
              0u)
        << out;
    EXPECT_NE(out.find("\nexport SM_HP_X='it'\\''s'\n"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(tree.output()));
}

TEST_F(SmTrain, DryRunJson) {
    tree.write("code/train.py", "");
    ASSERT_EQ(run({"train", "--dry-run", "--json"}, {{"SAGEMAKER_PROGRAM", "train.py"}}), 0) << last->err();
    std::string out = last->out();
    EXPECT_EQ(
        out.rfind("{\n  \"runner\": \"process\",\n  \"entry_point\": \"train.py\",\n  \"kind\": \"python "
                  "program\",\n  \"install\": null,\n  \"argv\": [\n    \"/usr/bin/python3\",\n    "
                  "\"train.py\"\n  ],\n"
                  "  \"cwd\": \"" +
                      tree.code().string() + "\",\n  \"env\": {\n",
                  0),
        0u)
        << out;
}

// A dry run plans as the job does and fails as it would: the job's line on
// stderr and its exit code, with nothing written.
TEST_F(SmTrain, DryRunFailsAsTheJobWouldAndWritesNothing) {
    tree.write("code/other.py", "");
    EXPECT_EQ(run({"--dry-run"}, {{"SAGEMAKER_PROGRAM", "nope.py"}}), 66);
    EXPECT_NE(last->err().find("sm-train: program nope.py not found in " + tree.code().string() + "\n"),
              std::string::npos)
        << last->err();
    EXPECT_EQ(last->out(), "");
    EXPECT_EQ(run({"train", "--dry-run", "--json"}), 66);
    EXPECT_NE(
        last->err().find(
            "sm-train: no program to run: set SAGEMAKER_PROGRAM or the sagemaker_program hyperparameter\n"),
        std::string::npos)
        << last->err();
    EXPECT_EQ(last->out(), "");
    EXPECT_FALSE(std::filesystem::exists(tree.output()));
}

// Before the code is fetched (an empty code dir, no submit dir) the plan shows
// the command; the job itself checks the program once its code is in place.
TEST_F(SmTrain, DryRunBeforeTheCodeIsFetchedShowsTheCommandUnchecked) {
    ASSERT_EQ(run({"--dry-run"}, {{"SAGEMAKER_PROGRAM", "train.sh"}}), 0) << last->err();
    EXPECT_EQ(last->out().rfind("runner: process\nentry point: train.sh (command)\n", 0), 0u) << last->out();
    EXPECT_EQ(run({"train"}, {{"SAGEMAKER_PROGRAM", "train.sh"}}), 66);
    EXPECT_EQ(tree.failure(), "sm-train: program train.sh not found in " + tree.code().string());
}

TEST_F(SmTrain, EnvExportCanBeEvaluated) {
    tree.hyperparameters(kHostileHyperparameters);
    ASSERT_EQ(run({"env"}), 0) << last->err();
    std::string script = last->out() + "printf '[%s]' \"$SM_HP_A\" \"$SM_HP_C\" \"$SM_HP_E\" \"$SM_HP_G\"\n";
    tree.write("../eval.sh", script);
    Process sh({"/bin/sh", (tree.root() / "eval.sh").string()}, {}, tree.root() / "opt_ml");
    ASSERT_EQ(sh.exit_code(), 0) << sh.err();
    EXPECT_EQ(sh.out(), "[$(touch /tmp/smtrain-launcher-test-pwned)][it's \"quoted\"][two\nlines][$HOME]");
}

TEST_F(SmTrain, EnvFormats) {
    tree.hyperparameters(R"({"lr":"0.1"})");
    ASSERT_EQ(run({"env", "--format", "dotenv"}), 0);
    EXPECT_NE(last->out().find("\nSM_HP_LR=\"0.1\"\n"), std::string::npos) << last->out();
    ASSERT_EQ(run({"env", "--format", "json"}), 0);
    EXPECT_NE(last->out().find("\n  \"SM_HP_LR\": \"0.1\",\n"), std::string::npos) << last->out();
    EXPECT_EQ(run({"env", "--format", "yaml"}), 64);
}

// torchrun on two hosts: its runner sets NCCL_PROTO=simple for the program
// (the toolkit's TorchDistributedRunner._setup), which the dry run's
// environment left out: it went into the program's environment only.
TEST_F(SmTrain, DryRunOfATorchrunJobHasTheRunnersVariables) {
    tree.write(
        "input/config/resourceconfig.json",
        R"({"current_host": "algo-1", "hosts": ["algo-1", "algo-2"], "network_interface_name": "eth0"})");
    tree.hyperparameters(R"({"sagemaker_torch_distributed_enabled": "true"})");
    tree.write("code/train.py", "");
    ASSERT_EQ(run({"train", "--dry-run", "--json"}, {{"SAGEMAKER_PROGRAM", "train.py"}}), 0) << last->err();
    const Value planned = parse_json(last->out());
    ASSERT_NE(planned.find("env"), nullptr);
    const Value* proto = planned.find("env")->find("NCCL_PROTO");
    ASSERT_NE(proto, nullptr) << last->out();
    EXPECT_EQ(proto->as_string(), "simple");
    ASSERT_EQ(run({"train", "--dry-run"}, {{"SAGEMAKER_PROGRAM", "train.py"}}), 0) << last->err();
    EXPECT_NE(last->out().find("\nexport NCCL_PROTO='simple'\n"), std::string::npos) << last->out();
}

// SMTRAIN_SDK_V3_VARIABLES: `sm-train env` prints the SDK v3 names the job
// adds (SM_ENTRY_SCRIPT, ...), as the job's plan has them: for a plain
// program (no runner variables) the two lists are the same.
TEST_F(SmTrain, EnvHasTheSdkV3NamesTheJobAdds) {
    tree.write("code/train.py", "");
    const std::map<std::string, std::string> extra{{"SAGEMAKER_PROGRAM", "train.py"},
                                                   {"SMTRAIN_SDK_V3_VARIABLES", "true"}};
    ASSERT_EQ(run({"train", "--dry-run", "--json"}, extra), 0) << last->err();
    const Value planned = parse_json(last->out());
    ASSERT_EQ(run({"env", "--format", "json"}, extra), 0) << last->err();
    const Value printed = parse_json(last->out());
    ASSERT_NE(planned.find("env"), nullptr);
    EXPECT_EQ(dump_json(printed), dump_json(*planned.find("env")));
    ASSERT_NE(printed.find("SM_ENTRY_SCRIPT"), nullptr) << last->out();
    EXPECT_EQ(printed.find("SM_ENTRY_SCRIPT")->as_string(), "train.py");
}

TEST_F(SmTrain, ServeIsRefused) {
    EXPECT_EQ(run({"serve"}), 64);
    EXPECT_EQ(last->err(),
              "sm-train: serve is not supported: sm-train runs training jobs only (SageMaker passes "
              "`serve` to inference containers)\n");
}

TEST_F(SmTrain, VersionAndUsage) {
    EXPECT_EQ(run({"--version"}), 0);
    EXPECT_EQ(last->out(), "sm-train 0.1.0\n");
    EXPECT_EQ(run({"--help"}), 0);
    EXPECT_NE(last->out().find("Usage: "), std::string::npos);
    EXPECT_EQ(run({"bogus"}), 64);
}

}  // namespace
}  // namespace smtrain::testing
