// SPDX-License-Identifier: Apache-2.0
// Kernel limits on execve: MAX_ARG_STRLEN (one string over 128 KiB) and ARG_MAX
// (argv + envp). Unit tests of fit_exec_limits with small limits, then the real
// sm-train with a cluster of 20,000 hosts, 10,000 hyperparameters, a small stack
// limit, and an argument that cannot fit.
#include "launcher/lifecycle/env_limits.hpp"
#include "../support/child.hpp"

#include <smtrain/error.hpp>

#include <gtest/gtest.h>

#include <sys/resource.h>

namespace smtrain::reliability {
namespace {

using launcher::ExecLimits;
using launcher::fit_exec_limits;

TEST(ExecLimits, ThisProcessFollowsTheStackLimit) {
    rlimit stack{};
    ASSERT_EQ(getrlimit(RLIMIT_STACK, &stack), 0);
    const ExecLimits limits = ExecLimits::of_this_process();
    EXPECT_EQ(limits.max_string, 131072u);
    if (stack.rlim_cur == RLIM_INFINITY) {
        EXPECT_EQ(limits.max_total, 6u * 1024 * 1024);
    } else {
        EXPECT_EQ(limits.max_total,
                  std::max<std::size_t>(std::min<std::size_t>(stack.rlim_cur / 4, 6u << 20), 131072));
    }
}

TEST(ExecLimits, TooLongValueGoesToAFileNamedByTheVariable) {
    TempDir tmp;
    Environ env{{"PATH", "/bin"}, {"SM_HOSTS", std::string(200, 'h')}, {"SM_CURRENT_HOST", "algo-1"}};
    const auto moved = fit_exec_limits("/bin/true", {"true"}, env, {"SM_HOSTS", "SM_CURRENT_HOST"},
                                       tmp.path(), {100, 100000});
    ASSERT_EQ(moved.size(), 1u);
    EXPECT_EQ(moved[0].name, "SM_HOSTS");
    EXPECT_TRUE(moved[0].over_string_limit);
    EXPECT_EQ(moved[0].bytes, 200u);
    EXPECT_EQ(env.count("SM_HOSTS"), 0u);
    ASSERT_EQ(env.count("SM_HOSTS_FILE"), 1u);
    EXPECT_EQ(env.at("SM_HOSTS_FILE"), moved[0].file.string());
    EXPECT_EQ(moved[0].file.filename(), "SM_HOSTS");
    EXPECT_EQ(read_file(moved[0].file), std::string(200, 'h'));
    EXPECT_EQ(fs::status(moved[0].file).permissions() & fs::perms::all, fs::perms(0600));
    EXPECT_EQ(fs::status(moved[0].file.parent_path()).permissions() & fs::perms::all, fs::perms(0700));
    EXPECT_EQ(env.at("SM_CURRENT_HOST"), "algo-1");
    EXPECT_EQ(env.at("PATH"), "/bin");
}

TEST(ExecLimits, NothingMovesWhenEverythingFits) {
    TempDir tmp;
    Environ env{{"SM_HOSTS", R"(["algo-1"])"}};
    const Environ before = env;
    EXPECT_TRUE(fit_exec_limits("/bin/true", {"true"}, env, {"SM_HOSTS"}, tmp.path()).empty());
    EXPECT_EQ(env, before);
    EXPECT_TRUE(fs::is_empty(tmp.path()));  // no directory made for nothing
}

TEST(ExecLimits, FitsExactlyWhenNothingWouldMoveOrFail) {
    // What lets a job skip fit_exec_limits (train.cpp): true only where it
    // would change nothing and throw nothing. 8192 bytes of the total are the
    // margin it keeps for a script's interpreter.
    const ExecLimits limits{100, 8192 + 200};
    const Environ small{{"SM_HOSTS", R"(["algo-1"])"}};
    EXPECT_TRUE(launcher::fits_exec_limits("/bin/true", {"true"}, small, limits));
    const Environ long_value{{"SM_HOSTS", std::string(100, 'h')}};  // 110 bytes with "SM_HOSTS=" and NUL
    EXPECT_FALSE(launcher::fits_exec_limits("/bin/true", {"true"}, long_value, limits));
    EXPECT_FALSE(launcher::fits_exec_limits("/bin/true", {"true", std::string(100, 'a')}, small, limits));
    // Three variables of 203 bytes ("A=" + 200 + NUL) and a pointer each: 656
    // bytes with the program and argv; 8192 more is fit_exec_limits's margin.
    const Environ many{
        {"A", std::string(200, 'a')}, {"B", std::string(200, 'b')}, {"C", std::string(200, 'c')}};
    const ExecLimits roomy{300, 8192 + 700};
    const ExecLimits tight{300, 8192 + 500};
    EXPECT_TRUE(launcher::fits_exec_limits("/bin/true", {"true"}, many, roomy));
    EXPECT_FALSE(launcher::fits_exec_limits("/bin/true", {"true"}, many, tight));  // over the total
    TempDir tmp;
    Environ fits = many;
    EXPECT_TRUE(fit_exec_limits("/bin/true", {"true"}, fits, {"A", "B", "C"}, tmp.path(), roomy).empty());
    Environ over = many;
    EXPECT_FALSE(fit_exec_limits("/bin/true", {"true"}, over, {"A", "B", "C"}, tmp.path(), tight).empty());
}

TEST(ExecLimits, TheParentsOwnVariablesAreNeverMoved) {
    TempDir tmp;
    Environ env{{"USER_BLOB", std::string(200, 'x')}};
    try {
        fit_exec_limits("/bin/true", {"true"}, env, {}, tmp.path(), {100, 100000});
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.exit_code(), ExitCode::BadConfig);
        EXPECT_EQ(
            std::string(e.what()),
            "the environment variable USER_BLOB is 200 bytes, over Linux's limit of 99 bytes for one string "
            "(MAX_ARG_STRLEN); it comes from sm-train's own environment");
    }
}

TEST(ExecLimits, OverTheTotalTheLargestMoveFirstUntilItFits) {
    TempDir tmp;
    // Budget: 8192 (room kept for a script's interpreter) + 300 bytes.
    Environ env{{"SM_A", std::string(90, 'a')},
                {"SM_B", std::string(60, 'b')},
                {"SM_C", std::string(80, 'c')},
                {"SM_D", std::string(10, 'd')}};
    const auto moved =
        fit_exec_limits("/p", {"p"}, env, {"SM_A", "SM_B", "SM_C", "SM_D"}, tmp.path(), {1000, 8192 + 300});
    // Before: 3 ("/p\0") + 2+8 + (5+91+8) + (5+61+8) + (5+81+8) + (5+11+8) = 309 > 300; SM_A moves
    // (SM_A_FILE=<path> is shorter than 90 bytes here), and the rest fits.
    ASSERT_EQ(moved.size(), 1u);
    EXPECT_EQ(moved[0].name, "SM_A");
    EXPECT_FALSE(moved[0].over_string_limit);
    EXPECT_EQ(env.count("SM_A_FILE"), 1u);
    EXPECT_EQ(env.at("SM_C"), std::string(80, 'c'));
}

TEST(ExecLimits, AnArgumentOverTheStringLimitIsAnErrorBeforeAnythingRuns) {
    TempDir tmp;
    Environ env;
    try {
        fit_exec_limits("/p", {"p", "--data", std::string(150, 'z')}, env, {}, tmp.path(), {100, 100000});
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.exit_code(), ExitCode::BadConfig);
        EXPECT_EQ(
            std::string(e.what()),
            "argument 2 of the program (zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz...) is 150 bytes, over "
            "Linux's limit of 99 bytes for one argument (MAX_ARG_STRLEN): shorten that hyperparameter");
    }
}

TEST(ExecLimits, ArgumentsOverTheTotalAreAnError) {
    TempDir tmp;
    Environ env;
    std::vector<std::string> argv(100, std::string(50, 'a'));
    try {
        fit_exec_limits("/p", argv, env, {}, tmp.path(), {1000, 8192 + 1000});
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(
            std::string(e.what()),
            "the program's arguments are 5903 bytes, over Linux's limit of 1000 bytes for arguments and "
            "environment together (ARG_MAX, a quarter of the stack limit): pass fewer or shorter "
            "hyperparameters");
    }
}

// ---- through sm-train ----------------------------------------------------------------

class KernelLimits : public ::testing::Test {
protected:
    void SetUp() override {
        base = tmp.path() / "opt_ml";
        write_file(base / "input/config/inputdataconfig.json", R"({"train":{"TrainingInputMode":"File"}})");
        write_file(base / "input/config/hyperparameters.json", R"({"sagemaker_program":"\"train.sh\""})");
        // The program reports what it got: which variables are set, the files' contents, argc.
        write_file(base / "code/train.sh",
                   "#!/bin/sh\n"
                   "out='" +
                       tmp.path().string() +
                       "/seen'\n"
                       "mkdir -p \"$out\"\n"
                       "echo $# > \"$out/argc\"\n"
                       "for v in SM_HOSTS SM_TRAINING_ENV SM_HPS SM_USER_ARGS SM_RESOURCE_CONFIG; do\n"
                       "  eval \"set=\\${$v+set} file=\\${${v}_FILE}\"\n"
                       "  echo \"$v ${set:-unset} ${file:+file}\" >> \"$out/vars\"\n"
                       "  [ -n \"$file\" ] && cat \"$file\" > \"$out/$v\"\n"
                       "done\n"
                       "exit 0\n");
        fs::permissions(base / "code/train.sh", fs::perms(0755));
    }
    void cluster(int hosts) {
        std::string list;
        for (int i = 1; i <= hosts; ++i) list += (i > 1 ? "," : "") + ("\"algo-" + std::to_string(i) + "\"");
        write_file(
            base / "input/config/resourceconfig.json",
            R"({"current_host":"algo-1","hosts":[)" + list +
                R"(],"current_group_name":"homogeneousCluster","instance_groups":[{"instance_group_name":)"
                R"("homogeneousCluster","instance_type":"ml.m5.xlarge","hosts":[)" +
                list + "]}]}");
        hosts_json = "[" + list + "]";
    }
    ChildResult run(std::function<bool()> before_exec = {}) {
        ChildSpec s;
        s.argv = {SMTRAIN_SM_TRAIN, "train"};
        s.env = base_environment(base, tmp.path());
        s.env["TMPDIR"] = tmp.path().string();  // where the value files go: removed with the test's dir
        s.workdir = tmp.path();
        s.timeout = std::chrono::seconds(120);
        s.before_exec = std::move(before_exec);
        return run_child(s);
    }
    std::string seen(const std::string& name) const { return read_file(tmp.path() / "seen" / name); }

    TempDir tmp;
    fs::path base;
    std::string hosts_json;
};

TEST_F(KernelLimits, TwentyThousandHostsStillStartTheProgram) {
    cluster(20000);  // SM_HOSTS alone is ~250 KB: over MAX_ARG_STRLEN
    const ChildResult r = run();
    ASSERT_EQ(r.exit_code, 0) << r.err.substr(0, 2000);
    // SM_HOSTS is the compact JSON list, as the toolkit's json.dumps renders it.
    EXPECT_EQ(seen("SM_HOSTS"), hosts_json);
    const std::string vars = seen("vars");
    EXPECT_NE(vars.find("SM_HOSTS unset file\n"), std::string::npos) << vars;
    EXPECT_NE(vars.find("SM_TRAINING_ENV unset file\n"), std::string::npos) << vars;
    EXPECT_NE(vars.find("SM_RESOURCE_CONFIG unset file\n"), std::string::npos) << vars;
    EXPECT_NE(
        r.err.find("WARNING  SM_HOSTS is " + std::to_string(hosts_json.size()) +
                   " bytes, over Linux's limit for one environment string (MAX_ARG_STRLEN, 128 KiB): the "
                   "program gets SM_HOSTS_FILE="),
        std::string::npos);
    EXPECT_TRUE(fs::exists(base / "output" / "success"));
}

TEST_F(KernelLimits, TenThousandHyperparametersStillStartTheProgram) {
    cluster(2);
    std::string hps = R"({"sagemaker_program":"\"train.sh\"")";
    for (int i = 0; i < 10000; ++i)
        hps += ",\"hp_" + std::to_string(i) + "\":\"value-" + std::to_string(i) + "\"";
    write_file(base / "input/config/hyperparameters.json", hps + "}");
    const ChildResult r = run();
    ASSERT_EQ(r.exit_code, 0) << r.err.substr(0, 2000);
    EXPECT_EQ(seen("argc"), "20000\n");
    const std::string vars = seen("vars");
    EXPECT_NE(vars.find("SM_HPS unset file\n"), std::string::npos) << vars;
    EXPECT_NE(vars.find("SM_USER_ARGS unset file\n"), std::string::npos) << vars;
    EXPECT_EQ(seen("SM_HPS").substr(0, 41), R"({"hp_0":"value-0","hp_1":"value-1","hp_10)");
}

// Nothing over 128 KiB, but more than ARG_MAX together: with a 512 KiB stack
// ARG_MAX is 128 KiB, and SM_TRAINING_ENV (the largest) moves to a file.
TEST_F(KernelLimits, OverArgMaxTogetherTheLargestMoves) {
    cluster(1500);
    const ChildResult r = run([] {
        rlimit small{512 * 1024, 512 * 1024};
        return setrlimit(RLIMIT_STACK, &small) == 0;
    });
    ASSERT_EQ(r.exit_code, 0) << r.err.substr(0, 2000);
    const std::string vars = seen("vars");
    EXPECT_NE(vars.find("SM_TRAINING_ENV unset file\n"), std::string::npos) << vars;
    EXPECT_NE(vars.find("SM_HOSTS set \n"), std::string::npos) << vars;
    EXPECT_NE(r.err.find("SM_TRAINING_ENV is "), std::string::npos);
    EXPECT_NE(r.err.find("over Linux's limit for the whole environment (ARG_MAX)"), std::string::npos);
}

TEST_F(KernelLimits, AnArgumentTooLongIsAClearErrorAndNothingRuns) {
    cluster(1);
    write_file(base / "input/config/hyperparameters.json",
               R"({"sagemaker_program":"\"train.sh\"","data":")" + std::string(200000, 'd') + "\"}");
    const ChildResult r = run();
    EXPECT_EQ(r.exit_code, 65);
    const std::string line =
        "sm-train: argument 2 of the program (dddddddddddddddddddddddddddddddddddddddd...) is 200000 bytes, "
        "over "
        "Linux's limit of 131071 bytes for one argument (MAX_ARG_STRLEN): shorten that hyperparameter";
    EXPECT_NE(r.err.find(line + "\n"), std::string::npos) << r.err.substr(0, 2000);
    EXPECT_EQ(read_file(base / "output" / "failure"), line);
    EXPECT_FALSE(fs::exists(tmp.path() / "seen"));
}

}  // namespace
}  // namespace smtrain::reliability
