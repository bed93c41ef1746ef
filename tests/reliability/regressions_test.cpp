// SPDX-License-Identifier: Apache-2.0
// Regression tests for bugs found by the fuzzers and the broken-input catalogue,
// at the library level (the catalogue covers them through sm-train too).
#include "../support/child.hpp"

#include <smtrain/error.hpp>
#include <smtrain/training_env.hpp>

#include <gtest/gtest.h>

namespace smtrain::reliability {
namespace {

TrainingEnv load(const fs::path& base) {
    LoadOptions options;
    options.environ = Environ{{"SAGEMAKER_BASE_DIR", base.string()}, {"PATH", "/nonexistent"}};
    options.machine = MachineFacts{};
    options.create_local_tree = false;
    return TrainingEnv::load(options);
}

std::string load_error(const fs::path& base) {
    try {
        load(base);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

// An instance group naming a host outside $.hosts made that host the master
// (distribution_hosts) of a cluster it is not part of: the job would hang.
TEST(Regressions, InstanceGroupHostOutsideTheClusterIsRefused) {
    TempDir tmp;
    const fs::path base = tmp.path();
    write_file(base / "input/config/resourceconfig.json",
               R"({"current_host":"algo-1","hosts":["algo-1"],"current_group_name":"g",)"
               R"("instance_groups":[{"instance_group_name":"g","hosts":["algo-0","algo-1"]}]})");
    write_file(base / "input/config/inputdataconfig.json", "{}");
    write_file(base / "input/config/hyperparameters.json", R"({"sagemaker_mpi_enabled":"true"})");
    EXPECT_EQ(load_error(base),
              R"(resourceconfig.json: $.instance_groups[0].hosts[0]: "algo-0" is not in $.hosts)");
}

// fuzz_from_environment: a hyperparameter or channel name with '=' in SM_TRAINING_ENV
// became "SM_HP_A=B=..." in to_env_vars(), a variable no program can read back.
TEST(Regressions, FromEnvironmentRefusesNamesThatCannotBeExported) {
    auto error = [](const std::string& training_env) -> std::string {
        try {
            TrainingEnv::from_environment(
                Environ{{"SM_TRAINING_ENV", training_env}, {"PATH", "/nonexistent"}});
        } catch (const ConfigError& e) {
            return e.what();
        }
        return "(no error)";
    };
    EXPECT_EQ(
        error(R"({"hosts":["a"],"current_host":"a","hyperparameters":{"lr=0.1":1}})"),
        R"(SM_TRAINING_ENV: $.hyperparameters["lr=0.1"]: a name with '=' or NUL cannot become an environment )"
        "variable");
    EXPECT_EQ(error(R"({"hosts":["a"],"current_host":"a","hyperparameters":{"a\u0000b":1}})"),
              R"(SM_TRAINING_ENV: $.hyperparameters["a\u0000b"]: a name with '=' or NUL cannot become an )"
              "environment variable");
    EXPECT_EQ(error(R"({"hosts":["a"],"current_host":"a","channel_input_dirs":{"tr=ain":"/data"}})"),
              R"(SM_TRAINING_ENV: $.channel_input_dirs["tr=ain"]: a name with '=' or NUL cannot become an )"
              "environment variable");
    EXPECT_EQ(error(R"({"hosts":["a"],"current_host":"a","hyperparameters":{"lr":0.1}})"), "(no error)");
}

}  // namespace
}  // namespace smtrain::reliability
