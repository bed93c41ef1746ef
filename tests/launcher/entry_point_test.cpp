// SPDX-License-Identifier: Apache-2.0
// Unit tests of sm-train's pieces: stderr capture, reports, entry points,
// env formats, masking, and the supervisor on small shell programs.
#include "entry_point.hpp"
#include "env_format.hpp"
#include "framework_module.hpp"
#include "invocation_log.hpp"
#include "launcher_fixture.hpp"
#include "report.hpp"
#include "signals.hpp"
#include "stderr_capture.hpp"
#include "supervisor.hpp"

#include <smtrain/error.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace smtrain::launcher {
namespace {

using namespace smtrain::process;  // the layer below the lifecycle, under test here too

using smtrain::testing::JobTree;
using smtrain::testing::read_file;

// ---- stderr capture ---------------------------------------------------------

TEST(StderrCapture, StartsAtTheFirstLineNamingAnErrorClass) {
    StderrCapture c;
    c.feed(
        "epoch 1 loss 0.5\nTraceback (most recent call last):\n  File \"/opt/ml/code/train.py\", line 3, in "
        "<module>\n");
    c.feed("    raise ValueError(\"bad rate\")\nValueError: bad rate\n");
    c.finish();
    EXPECT_TRUE(c.found_error_class());
    // Lines after the first start with a space, as the toolkit joins them.
    EXPECT_EQ(c.error_message(), "raise ValueError(\"bad rate\")\n ValueError: bad rate");
}

TEST(StderrCapture, LinesSpanningChunksAreWhole) {
    StderrCapture c;
    c.feed("Key");
    c.feed("Error: 'lr'");
    c.feed("\nnext line :\n");
    c.finish();
    EXPECT_EQ(c.error_message(), "KeyError: 'lr'\n next line");
}

TEST(StderrCapture, DropsDuplicatesAndMpiTags) {
    StderrCapture c;
    c.feed("[1,0]<stderr>:RuntimeError: NCCL failure\n[1,1]<stderr>:RuntimeError: NCCL failure\n");
    c.feed(
        "[1,12]<stdout>:RuntimeError: NCCL failure\n  \nmpirun.real detected that one or more processes "
        "exited\n");
    c.finish();
    EXPECT_EQ(c.error_message(),
              "RuntimeError: NCCL failure\n \n mpirun.real detected that one or more processes exited");
}

TEST(StderrCapture, FallsBackToTheLastLines) {
    StderrCapture c;
    for (int i = 1; i <= 30; ++i) c.feed("line " + std::to_string(i) + "\n");
    c.feed("\n   \nlast words");
    c.finish();
    EXPECT_FALSE(c.found_error_class());
    std::string expected;
    for (int i = 12; i <= 30; ++i) expected += "line " + std::to_string(i) + "\n";
    expected += "last words";
    EXPECT_EQ(c.error_message(), expected);
}

TEST(StderrCapture, MemoryStaysBounded) {
    StderrCapture c;
    std::string block;
    for (int i = 0; i < 1000; ++i) block += "ValueError number " + std::to_string(i) + " of a long run\n";
    for (int round = 0; round < 200; ++round) c.feed(block);  // ~7 MB, 200,000 distinct lines
    c.finish();
    EXPECT_EQ(c.tail().size(), StderrCapture::kTailLimit);
    EXPECT_LE(c.error_message().size(), StderrCapture::kCaptureLimit);
    EXPECT_EQ(c.error_message().substr(0, 40), "ValueError number 0 of a long run\n Value");
    EXPECT_EQ(c.tail().substr(c.tail().size() - 36), "ValueError number 999 of a long run\n");
}

TEST(StderrCapture, HugeLineKeepsItsStartAndEndAroundAMarker) {
    StderrCapture c;
    c.feed("OSError: " + std::string(1'000'000, 'x') + "\n");
    c.finish();
    // 1,000,009 bytes: the first 512 and the last 512 stay.
    EXPECT_EQ(c.error_message(),
              "OSError: " + std::string(503, 'x') + "[... 998985 bytes cut ...]" + std::string(512, 'x'));
}

// Issue 11 item 3: the last stderr line of 64 KiB or more emptied the fallback.
TEST(StderrCapture, ALongLastLineKeepsTheLinesBeforeIt) {
    StderrCapture c;
    c.feed("cuda init failed: device busy\n");
    c.feed(std::string(100'000, 'y') + "\n");
    c.finish();
    EXPECT_FALSE(c.found_error_class());
    EXPECT_EQ(c.error_message(), "cuda init failed: device busy\n" + std::string(512, 'y') +
                                     "[... 98976 bytes cut ...]" + std::string(512, 'y'));
}

TEST(StderrCapture, A200MegabyteLastLineWithoutNewlineIsKeptShortened) {
    StderrCapture c;
    c.feed("epoch 1\nstarting ");
    const std::string chunk(64 * 1024, 'z');
    for (int i = 0; i < 3200; ++i) c.feed(chunk);  // 200 MiB, never a newline
    c.feed(" the end");
    c.finish();
    EXPECT_FALSE(c.found_error_class());
    // "starting " + 209,715,200 z + " the end" = 209,715,217 bytes.
    EXPECT_EQ(c.error_message(), "epoch 1\nstarting " + std::string(503, 'z') +
                                     "[... 209714193 bytes cut ...]" + std::string(504, 'z') + " the end");
}

TEST(StderrCapture, AnErrorClassAtTheEndOf50MegabytesIsFound) {
    // Fed in 64 KiB chunks, as the supervisor reads; the second time a chunk ends
    // inside "RuntimeError" (763 x 65536 = 50,003,968).
    for (std::size_t xs : {50'000'000u, 50'003'963u}) {
        std::string line = std::string(xs, 'x') + "RuntimeError: at the end\n";
        StderrCapture c;
        c.feed("loading\n");
        for (std::size_t at = 0; at < line.size(); at += 65536)
            c.feed(std::string_view(line).substr(at, 65536));
        c.finish();
        EXPECT_TRUE(c.found_error_class()) << xs;
        EXPECT_EQ(c.error_message(), std::string(512, 'x') + "[... " + std::to_string(xs - 1000) +
                                         " bytes cut ...]" + std::string(488, 'x') +
                                         "RuntimeError: at the end")
            << xs;
    }
}

TEST(StderrCapture, ShortenedLinesNeverSplitACharacter) {
    // "é" is 2 bytes: at offsets 511-512 in the head, and across the tail's first byte.
    std::string line =
        std::string(511, 'a') + "\xC3\xA9" + std::string(2000, 'b') + "\xC3\xA9" + std::string(511, 'c');
    EXPECT_EQ(shorten_line(line, 1024),
              std::string(511, 'a') + "[... 2004 bytes cut ...]" + std::string(511, 'c'));
    EXPECT_EQ(shorten_line("short", 1024), "short");
}

TEST(StderrCapture, InvalidUtf8IsReplaced) {
    EXPECT_EQ(replace_invalid_utf8("ok \xff end"), "ok \xEF\xBF\xBD end");
    EXPECT_EQ(replace_invalid_utf8("caf\xC3\xA9"), "caf\xC3\xA9");
    EXPECT_EQ(replace_invalid_utf8("cut \xE2\x82"), "cut \xEF\xBF\xBD");
    EXPECT_EQ(replace_invalid_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
}

// ---- reports ----------------------------------------------------------------

TEST(Report, ToolkitFormat) {
    ProcessFailure f;
    f.exit_code = 1;
    f.error_message = "ValueError: bad";
    f.command = "/usr/bin/python3 train.py --lr 0.1";
    EXPECT_EQ(f.to_string(),
              "ExecuteUserScriptError:\nExitCode 1\nErrorMessage \"ValueError: bad\"\n"
              "Command \"/usr/bin/python3 train.py --lr 0.1\"");
}

TEST(Report, ToolkitFormatWithExtraInfo) {
    ProcessFailure f;
    f.exit_code = 137;
    f.extra_info = std::string(kSigkillExtraInfo);
    f.command = "./train.sh";
    EXPECT_EQ(f.to_string(),
              "ExecuteUserScriptError:\nExitCode 137\nErrorMessage \"\"\n"
              "ExtraInfo \"OutOfMemory: Process killed by SIGKILL (signal 9)\"\nCommand \"./train.sh\"");
}

TEST(Report, FailureFileIsNeverReplaced) {
    JobTree tree;
    EXPECT_TRUE(write_failure_file(tree.output(), "first"));
    EXPECT_FALSE(write_failure_file(tree.output(), "second"));
    EXPECT_EQ(read_file(tree.output() / "failure"), "first");
    write_success_file(tree.output());
    EXPECT_EQ(read_file(tree.output() / "success"), "");
    // No temp files left behind.
    int entries = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(tree.output())) ++entries;
    EXPECT_EQ(entries, 2);
}

TEST(Report, UnwritableDirectoryThrowsCannotWrite) {
    try {
        write_failure_file("/proc/self/no-such-dir", "x");
        FAIL() << "expected an Error";
    } catch (const Error& e) {
        EXPECT_EQ(e.exit_code(), ExitCode::CannotWrite);
    }
}

// ---- entry points -----------------------------------------------------------

TEST(EntryPoint, KindAsTheToolkitDecides) {
    JobTree tree;
    EXPECT_EQ(entry_point_kind(tree.code(), "train.py"), EntryPointKind::PythonProgram);
    EXPECT_EQ(entry_point_kind(tree.code(), "train.sh"), EntryPointKind::Command);
    EXPECT_EQ(entry_point_kind(tree.code(), "train"), EntryPointKind::Command);
    tree.write("code/setup.py", "");
    EXPECT_EQ(entry_point_kind(tree.code(), "train.py"), EntryPointKind::PythonPackage);
    EXPECT_EQ(entry_point_kind(tree.code(), "train"), EntryPointKind::PythonPackage);
    EXPECT_EQ(entry_point_kind(tree.code(), "train.sh"), EntryPointKind::Command);  // extension first
}

TEST(EntryPoint, Commands) {
    std::vector<std::string> args = {"--lr", "0.1"};
    auto program = program_command(EntryPointKind::PythonProgram, "/c", "train.py", args, "/usr/bin/python3");
    EXPECT_EQ(program.program, "/usr/bin/python3");
    EXPECT_EQ(program.argv, (std::vector<std::string>{"/usr/bin/python3", "train.py", "--lr", "0.1"}));
    auto package =
        program_command(EntryPointKind::PythonPackage, "/c", "my.pyth.py", args, "/usr/bin/python3");
    EXPECT_EQ(package.argv, (std::vector<std::string>{"/usr/bin/python3", "-m", "myth", "--lr", "0.1"}));
    auto command = program_command(EntryPointKind::Command, "/c", "train.sh", args, "");
    EXPECT_EQ(command.program, "./train.sh");  // execve gets it from the code dir: $0 is ./train.sh
    EXPECT_EQ(command.argv, (std::vector<std::string>{"./train.sh", "--lr", "0.1"}));
    EXPECT_TRUE(command.sh_fallback_on_enoexec);
    EXPECT_EQ(command.to_string(), "./train.sh --lr 0.1");
}

// Python's "a.p.pyy".replace(".py", "") is "a.py": one pass, left to right, over
// the original text. The launcher's old copy searched again from the start
// after each removal and gave "a".
TEST(EntryPoint, PackageNameLosesEachPyOnceAsPythonStrReplace) {
    auto package = program_command(EntryPointKind::PythonPackage, "/c", "a.p.pyy", {}, "/usr/bin/python3");
    EXPECT_EQ(package.argv, (std::vector<std::string>{"/usr/bin/python3", "-m", "a.py"}));
    EXPECT_EQ(program_command(EntryPointKind::PythonPackage, "/c", ".py.pyy", {}, "/py").argv,
              (std::vector<std::string>{"/py", "-m", "y"}));
}

TEST(EntryPoint, ModuleRunsWithDashM) {
    auto module = program_command(EntryPointKind::PythonModule, "/c", "pkg.train", {"--lr", "0.1"}, "/py");
    EXPECT_EQ(module.program, "/py");
    EXPECT_EQ(module.argv, (std::vector<std::string>{"/py", "-m", "pkg.train", "--lr", "0.1"}));
    EXPECT_FALSE(module.sh_fallback_on_enoexec);
}

TEST(EntryPoint, ModuleInstallsAsPackageOnlyWithSetupPy) {
    JobTree tree;
    EXPECT_FALSE(install_step(EntryPointKind::PythonModule, tree.code(), "/py"));
    tree.write("code/requirements.txt", "numpy\n");
    auto requirements = install_step(EntryPointKind::PythonModule, tree.code(), "/py");
    ASSERT_TRUE(requirements);
    EXPECT_EQ(requirements->command.to_string(), "/py -m pip install -r requirements.txt");
    tree.write("code/setup.py", "");
    auto package = install_step(EntryPointKind::PythonModule, tree.code(), "/py");
    ASSERT_TRUE(package);
    EXPECT_EQ(package->command.to_string(), "/py -m pip install . -r requirements.txt");
    EXPECT_EQ(package->error_class, "InstallModuleError");
}

TEST(EntryPoint, InstallSteps) {
    JobTree tree;
    EXPECT_FALSE(install_step(EntryPointKind::PythonProgram, tree.code(), "/py"));
    auto package = install_step(EntryPointKind::PythonPackage, tree.code(), "/py");
    ASSERT_TRUE(package);
    EXPECT_EQ(package->command.to_string(), "/py -m pip install .");
    EXPECT_EQ(package->error_class, "InstallModuleError");
    tree.write("code/requirements.txt", "numpy\n");
    EXPECT_EQ(install_step(EntryPointKind::PythonPackage, tree.code(), "/py")->command.to_string(),
              "/py -m pip install . -r requirements.txt");
    auto program = install_step(EntryPointKind::PythonProgram, tree.code(), "/py");
    ASSERT_TRUE(program);
    EXPECT_EQ(program->command.to_string(), "/py -m pip install -r requirements.txt");
    EXPECT_EQ(program->error_class, "InstallRequirementsError");
    EXPECT_FALSE(install_step(EntryPointKind::Command, tree.code(), "/py"));
}

TEST(EntryPoint, FrameworkModuleNamesTravelAsArguments) {
    auto c = framework_command("sagemaker_pytorch_container.training:main", "/py", "/o/failure");
    ASSERT_EQ(c.argv.size(), 6u);
    EXPECT_EQ(c.argv[1], "-c");
    EXPECT_EQ(c.argv[3], "sagemaker_pytorch_container.training");
    EXPECT_EQ(c.argv[4], "main");
    EXPECT_EQ(c.argv[5], "/o/failure");
    EXPECT_EQ(c.argv[2].find("sagemaker_pytorch_container"), std::string::npos);
    EXPECT_THROW(framework_command("no_function", "/py", "/f"), ConfigError);
    EXPECT_THROW(framework_command("a:b:c", "/py", "/f"), ConfigError);
    EXPECT_THROW(framework_command(":main", "/py", "/f"), ConfigError);
}

TEST(EntryPoint, FindPython) {
    JobTree tree;
    tree.write("bin/python", "#!/bin/sh\n", true);
    Environ env{{"PATH", (tree.base() / "bin").string()}};
    EXPECT_EQ(find_python("", env), tree.base() / "bin/python");
    tree.write("bin/python3", "#!/bin/sh\n", true);
    EXPECT_EQ(find_python("", env), tree.base() / "bin/python3");
    EXPECT_EQ(find_python("python", env), tree.base() / "bin/python");
    // The forced interpreter comes from the parameter (Settings), not from env.
    env["SMTRAIN_PYTHON"] = "python";
    EXPECT_EQ(find_python("", env), tree.base() / "bin/python3");
    try {
        find_python("/nonexistent/python", env);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()), "SMTRAIN_PYTHON=/nonexistent/python: not an executable file");
        EXPECT_EQ(e.exit_code(), ExitCode::NotFound);
    }
    Environ none{{"PATH", (tree.base() / "nothing").string()}};
    try {
        find_python("", none);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.exit_code(), ExitCode::NotFound);
    }
}

// ---- env formats and masking --------------------------------------------------

TEST(EnvFormat, ShellQuoting) {
    EXPECT_EQ(shell_quote("plain"), "'plain'");
    EXPECT_EQ(shell_quote("it's $(x) `y`"), "'it'\\''s $(x) `y`'");
    EXPECT_TRUE(is_shell_name("SM_HP_LR"));
    EXPECT_FALSE(is_shell_name("SM_HP_LEARNING-RATE"));
    EXPECT_FALSE(is_shell_name("1X"));
}

TEST(EnvFormat, Formats) {
    EnvVars vars = {{"SM_A", "x'y"}, {"SM_HP_B-C", "1"}, {"SM_D", "line1\n$HOME \"q\" \\"}};
    EXPECT_EQ(format_variables(vars, EnvFormat::Export),
              "export SM_A='x'\\''y'\n"
              "# skipped SM_HP_B-C: not a valid shell variable name\n"
              "export SM_D='line1\n$HOME \"q\" \\'\n");
    EXPECT_EQ(format_variables(vars, EnvFormat::Dotenv),
              "SM_A=\"x'y\"\n"
              "# skipped SM_HP_B-C: not a valid shell variable name\n"
              "SM_D=\"line1\\n\\$HOME \\\"q\\\" \\\\\"\n");
    EXPECT_EQ(format_variables(vars, EnvFormat::Json),
              "{\n  \"SM_A\": \"x'y\",\n  \"SM_HP_B-C\": \"1\",\n  \"SM_D\": \"line1\\n$HOME \\\"q\\\" "
              "\\\\\"\n}\n");
    EXPECT_EQ(format_variables({{"SM_X\nrm -rf /", "v"}}, EnvFormat::Export),
              "# skipped SM_X?rm -rf /: not a valid shell variable name\n");
}

TEST(Masking, SecretNames) {
    EXPECT_TRUE(is_secret_name("AWS_SECRET_ACCESS_KEY"));
    EXPECT_TRUE(is_secret_name("AWS_ACCESS_KEY_ID"));
    EXPECT_TRUE(is_secret_name("SM_HP_API_TOKEN"));
    EXPECT_TRUE(is_secret_name("db_password"));
    EXPECT_TRUE(is_secret_name("GOOGLE_APPLICATION_CREDENTIALS"));
    EXPECT_FALSE(is_secret_name("SM_HP_LEARNING_RATE"));
}

TEST(Masking, InvocationMessage) {
    Value env = Value::dict();
    Value hps = Value::dict();
    hps.set("api_token", Value("tok-123456"));
    hps.set("lr", Value(0.1));
    env.set("hyperparameters", hps);
    EnvVars vars = {{"SM_HP_API_TOKEN", "tok-123456"}, {"SM_HPS", R"({"api_token":"tok-123456","lr":0.1})"}};
    std::string message = invocation_message(env, vars, "/py train.py --api_token tok-123456 --lr 0.1");
    EXPECT_EQ(message,
              "Invoking user script\n\nTraining Env:\n\n"
              "{\n    \"hyperparameters\": {\n        \"api_token\": \"****\",\n        \"lr\": 0.1\n    }\n}"
              "\n\nEnvironment variables:\n\n"
              "SM_HP_API_TOKEN=****\nSM_HPS={\"api_token\":\"****\",\"lr\":0.1}"
              "\n\nInvoking script with the following command:\n\n"
              "/py train.py --api_token **** --lr 0.1\n\n");
}

// ---- supervisor -------------------------------------------------------------

SpawnSpec shell(const std::string& script) {
    SpawnSpec spec;
    spec.program = "/bin/sh";
    spec.argv = {"sh", "-c", script};
    spec.env = {"PATH=/usr/bin:/bin"};
    return spec;
}

TEST(Supervisor, ExitCodeAndStderrTail) {
    SignalBlock signals;
    JobTree tree;
    int sink = open((tree.root() / "err").c_str(), O_WRONLY | O_CREAT, 0644);
    SupervisorOptions options;
    options.stderr_sink = sink;
    RunResult r = supervise(shell("echo one >&2; echo two >&2; exit 7"), signals, options);
    close(sink);
    EXPECT_EQ(r.exit_code, 7);
    EXPECT_EQ(r.stderr_capture.tail(), "one\ntwo\n");
    EXPECT_EQ(read_file(tree.root() / "err"), "one\ntwo\n");  // passed through as it came
}

// sm-train's stderr is a pipe in a container: the data then goes through
// tee(2). A small, slow sink pipe makes the supervisor wait for it.
TEST(Supervisor, PipeSinkGetsEveryByteAndTheCaptureStillWorks) {
    SignalBlock signals;
    int fds[2];
    ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
    fcntl(fds[1], F_SETPIPE_SZ, 4096);
    std::string received;
    std::thread reader([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        char buf[1000];
        ssize_t n;
        while ((n = read(fds[0], buf, sizeof buf)) > 0) received.append(buf, static_cast<std::size_t>(n));
    });
    SupervisorOptions options;
    options.stderr_sink = fds[1];
    RunResult r = supervise(shell("seq 1 100000 >&2; echo 'Traceback (most recent call last):' >&2; "
                                  "echo 'ValueError: bad value' >&2; echo done >&2; exit 1"),
                            signals, options);
    close(fds[1]);
    reader.join();
    close(fds[0]);

    std::string expected;
    for (int i = 1; i <= 100000; ++i) expected += std::to_string(i) + "\n";
    expected += "Traceback (most recent call last):\nValueError: bad value\ndone\n";
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(received.size(), expected.size());
    EXPECT_TRUE(received == expected);
    EXPECT_EQ(r.stderr_capture.error_message(), "ValueError: bad value\n done");
    EXPECT_EQ(r.stderr_capture.tail(), expected.substr(expected.size() - StderrCapture::kTailLimit));
}

TEST(Supervisor, KilledBySignal) {
    SignalBlock signals;
    SupervisorOptions options;
    options.stderr_sink = -1;
    RunResult r = supervise(shell("kill -USR1 $$"), signals, options);
    EXPECT_EQ(r.exit_code, 128 + SIGUSR1);
    EXPECT_EQ(r.term_signal, SIGUSR1);
}

TEST(Supervisor, LineRewriterSeesWholeLines) {
    SignalBlock signals;
    JobTree tree;
    int sink = open((tree.root() / "out").c_str(), O_WRONLY | O_CREAT, 0644);
    SupervisorOptions options;
    options.stdout_sink = sink;
    options.stdout_rewriter = [](std::string_view line) { return "<" + std::string(line) + ">"; };
    RunResult r =
        supervise(shell("printf 'a'; sleep 0.05; printf 'b\\nc\\n'; printf 'tail'"), signals, options);
    close(sink);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(read_file(tree.root() / "out"), "<ab>\n<c>\n<tail>");
}

TEST(Supervisor, MissingProgramIsASpawnError) {
    SignalBlock signals;
    SpawnSpec spec;
    spec.program = "/nonexistent/program";
    try {
        supervise(spec, signals);
        FAIL();
    } catch (const SpawnError& e) {
        EXPECT_EQ(e.exit_code(), ExitCode::NotFound);
        EXPECT_EQ(std::string(e.what()),
                  "cannot run /nonexistent/program: execve: No such file or directory");
    }
}

TEST(Supervisor, ScriptWithoutShebangFallsBackToSh) {
    SignalBlock signals;
    JobTree tree;
    auto script = tree.write("code/noshebang", "echo \"from sh: $1\" >&2\n", true);
    SpawnSpec spec;
    spec.program = script;
    spec.argv = {"./noshebang", "a b"};
    spec.sh_fallback_on_enoexec = true;
    SupervisorOptions options;
    options.stderr_sink = -1;
    RunResult r = supervise(spec, signals, options);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.stderr_capture.tail(), "from sh: a b\n");
}

}  // namespace
}  // namespace smtrain::launcher
