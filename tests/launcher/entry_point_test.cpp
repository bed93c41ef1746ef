// SPDX-License-Identifier: Apache-2.0
// Entry points (entry_point.hpp, framework_module.hpp): the kind the toolkit
// decides, the command of each kind, the install steps, a framework module's
// function, and the Python interpreter found on PATH.
#include "launcher/lifecycle/entry_point.hpp"
#include "launcher/lifecycle/framework_module.hpp"
#include "launcher_fixture.hpp"

#include <smtrain/error.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace smtrain::launcher {

using runners::EntryKind;
namespace {

using smtrain::testing::JobTree;

TEST(EntryPoint, KindAsTheToolkitDecides) {
    JobTree tree;
    EXPECT_EQ(entry_point_kind(tree.code(), "train.py"), EntryKind::PythonProgram);
    EXPECT_EQ(entry_point_kind(tree.code(), "train.sh"), EntryKind::Command);
    EXPECT_EQ(entry_point_kind(tree.code(), "train"), EntryKind::Command);
    tree.write("code/setup.py", "");
    EXPECT_EQ(entry_point_kind(tree.code(), "train.py"), EntryKind::PythonPackage);
    EXPECT_EQ(entry_point_kind(tree.code(), "train"), EntryKind::PythonPackage);
    EXPECT_EQ(entry_point_kind(tree.code(), "train.sh"), EntryKind::Command);  // extension first
}

TEST(EntryPoint, Commands) {
    std::vector<std::string> args = {"--lr", "0.1"};
    auto program = program_command(EntryKind::PythonProgram, "/c", "train.py", args, "/usr/bin/python3");
    EXPECT_EQ(program.program, "/usr/bin/python3");
    EXPECT_EQ(program.argv, (std::vector<std::string>{"/usr/bin/python3", "train.py", "--lr", "0.1"}));
    auto package = program_command(EntryKind::PythonPackage, "/c", "my.pyth.py", args, "/usr/bin/python3");
    EXPECT_EQ(package.argv, (std::vector<std::string>{"/usr/bin/python3", "-m", "myth", "--lr", "0.1"}));
    auto command = program_command(EntryKind::Command, "/c", "train.sh", args, "");
    EXPECT_EQ(command.program, "./train.sh");  // execve gets it from the code dir: $0 is ./train.sh
    EXPECT_EQ(command.argv, (std::vector<std::string>{"./train.sh", "--lr", "0.1"}));
    EXPECT_TRUE(command.sh_fallback_on_enoexec);
    EXPECT_EQ(command.to_string(), "./train.sh --lr 0.1");
}

// Python's "a.p.pyy".replace(".py", "") is "a.py": one pass, left to right, over
// the original text. The launcher's old copy searched again from the start
// after each removal and gave "a".
TEST(EntryPoint, PackageNameLosesEachPyOnceAsPythonStrReplace) {
    auto package = program_command(EntryKind::PythonPackage, "/c", "a.p.pyy", {}, "/usr/bin/python3");
    EXPECT_EQ(package.argv, (std::vector<std::string>{"/usr/bin/python3", "-m", "a.py"}));
    EXPECT_EQ(program_command(EntryKind::PythonPackage, "/c", ".py.pyy", {}, "/py").argv,
              (std::vector<std::string>{"/py", "-m", "y"}));
}

TEST(EntryPoint, ModuleRunsWithDashM) {
    auto module = program_command(EntryKind::PythonModule, "/c", "pkg.train", {"--lr", "0.1"}, "/py");
    EXPECT_EQ(module.program, "/py");
    EXPECT_EQ(module.argv, (std::vector<std::string>{"/py", "-m", "pkg.train", "--lr", "0.1"}));
    EXPECT_FALSE(module.sh_fallback_on_enoexec);
}

TEST(EntryPoint, ModuleInstallsAsPackageOnlyWithSetupPy) {
    JobTree tree;
    EXPECT_FALSE(install_step(EntryKind::PythonModule, tree.code(), "/py"));
    tree.write("code/requirements.txt", "numpy\n");
    auto requirements = install_step(EntryKind::PythonModule, tree.code(), "/py");
    ASSERT_TRUE(requirements);
    EXPECT_EQ(requirements->command.to_string(), "/py -m pip install -r requirements.txt");
    tree.write("code/setup.py", "");
    auto package = install_step(EntryKind::PythonModule, tree.code(), "/py");
    ASSERT_TRUE(package);
    EXPECT_EQ(package->command.to_string(), "/py -m pip install . -r requirements.txt");
    EXPECT_EQ(package->error_class, "InstallModuleError");
}

TEST(EntryPoint, InstallSteps) {
    JobTree tree;
    EXPECT_FALSE(install_step(EntryKind::PythonProgram, tree.code(), "/py"));
    auto package = install_step(EntryKind::PythonPackage, tree.code(), "/py");
    ASSERT_TRUE(package);
    EXPECT_EQ(package->command.to_string(), "/py -m pip install .");
    EXPECT_EQ(package->error_class, "InstallModuleError");
    tree.write("code/requirements.txt", "numpy\n");
    EXPECT_EQ(install_step(EntryKind::PythonPackage, tree.code(), "/py")->command.to_string(),
              "/py -m pip install . -r requirements.txt");
    auto program = install_step(EntryKind::PythonProgram, tree.code(), "/py");
    ASSERT_TRUE(program);
    EXPECT_EQ(program->command.to_string(), "/py -m pip install -r requirements.txt");
    EXPECT_EQ(program->error_class, "InstallRequirementsError");
    EXPECT_FALSE(install_step(EntryKind::Command, tree.code(), "/py"));
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

}  // namespace
}  // namespace smtrain::launcher
