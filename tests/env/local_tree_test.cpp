// SPDX-License-Identifier: Apache-2.0
// Where the tree is: SAGEMAKER_BASE_DIR, /opt/ml, or a new local tree under ~.
#include "env_test_util.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <sstream>

namespace smtrain::testing {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// str(time.time()): digits, a dot, digits ("1712345678.123456").
bool looks_like_python_time(const std::string& s) {
    const auto dot = s.find('.');
    auto digits = [](std::string_view part) {
        return !part.empty() && part.find_first_not_of("0123456789") == std::string_view::npos;
    };
    return dot != std::string::npos && digits(std::string_view(s).substr(0, dot)) &&
           digits(std::string_view(s).substr(dot + 1));
}

std::string hostname() {
    char name[256] = {};
    ::gethostname(name, sizeof name - 1);
    return name;
}

TEST(LocalTree, CreatedUnderHomeWhenThereIsNoTree) {
    TempDir home;
    LoadOptions options;
    options.environ = Environ{{"HOME", home.path().string()}};
    options.machine = fixed_machine();
    options.default_base = home.path() / "no-opt-ml";
    const TrainingEnv env = TrainingEnv::load(options);

    EXPECT_TRUE(env.created_local_tree());
    const fs::path base = env.paths().base;
    // ~/sagemaker_local/jobs/<str(time.time())>/opt/ml
    EXPECT_EQ(base.parent_path().parent_path().parent_path(), home.path() / "sagemaker_local" / "jobs");
    EXPECT_TRUE(looks_like_python_time(base.parent_path().parent_path().filename().string())) << base;
    EXPECT_EQ(base.filename(), "ml");
    EXPECT_EQ(base.parent_path().filename(), "opt");

    EXPECT_TRUE(fs::is_directory(base / "model"));
    EXPECT_TRUE(fs::is_directory(base / "output/data"));
    EXPECT_TRUE(fs::is_directory(base / "code"));
    EXPECT_EQ(read_file(base / "input/config/hyperparameters.json"), "{}");
    EXPECT_EQ(read_file(base / "input/config/inputdataconfig.json"), "{}");
    const std::string host = hostname();
    EXPECT_EQ(read_file(base / "input/config/resourceconfig.json"),
              R"({"current_host":")" + host + R"(","hosts":[")" + host +
                  R"("],"current_group_name":"homogeneousCluster","instance_groups":[{"instance_group_name":)"
                  R"("homogeneousCluster","instance_type":"local","hosts":[")" +
                  host + R"("]}]})");

    EXPECT_EQ(env.hosts(), std::vector<std::string>{host});
    EXPECT_EQ(env.current_instance_group(), "homogeneousCluster");
    EXPECT_EQ(env.current_instance_group_hosts(), std::vector<std::string>{host});
    EXPECT_EQ(env.current_instance_type(), "local");
    // The toolkit exports the new base dir to the program, so do we.
    EXPECT_EQ(as_map(env.toolkit_process_env_vars()).at("SAGEMAKER_BASE_DIR"), base.string());
}

TEST(LocalTree, RefusedWhenCreationIsOff) {
    TempDir home;
    LoadOptions options;
    options.environ = Environ{{"HOME", home.path().string()}};
    options.default_base = home.path() / "no-opt-ml";
    options.create_local_tree = false;
    try {
        (void)TrainingEnv::load(options);
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()), (home.path() / "no-opt-ml").string() +
                                             ": does not exist and SAGEMAKER_BASE_DIR is not set");
    }
    EXPECT_FALSE(fs::exists(home.path() / "sagemaker_local"));
}

TEST(LocalTree, ExistingDefaultBaseIsUsed) {
    TrainingTree tree;
    LoadOptions options;
    options.environ = Environ{{"HOME", tree.path().string()}};
    options.machine = fixed_machine();
    options.default_base = tree.base();
    const TrainingEnv env = TrainingEnv::load(options);
    EXPECT_FALSE(env.created_local_tree());
    EXPECT_EQ(env.paths().base, tree.base());
    EXPECT_EQ(as_map(env.toolkit_process_env_vars()).count("SAGEMAKER_BASE_DIR"), 0u);
}

TEST(LocalTree, BaseDirVariableIsNeverReplacedByALocalTree) {
    TempDir home;
    LoadOptions options;
    options.environ =
        Environ{{"HOME", home.path().string()}, {"SAGEMAKER_BASE_DIR", (home.path() / "nope").string()}};
    options.default_base = home.path() / "no-opt-ml";
    EXPECT_THROW((void)TrainingEnv::load(options), ConfigError);
    EXPECT_FALSE(fs::exists(home.path() / "sagemaker_local"));
}

TEST(LocalTree, CodeDirIsCreatedAsOnTheToolkitsImport) {
    TrainingTree tree;
    fs::remove(tree.base() / "code");
    (void)load_tree(tree);
    EXPECT_TRUE(fs::is_directory(tree.base() / "code"));
}

TEST(Paths, EveryPathUnderTheBase) {
    const Paths p = Paths::under("/opt/ml");
    EXPECT_EQ(p.code, "/opt/ml/code");
    EXPECT_EQ(p.model, "/opt/ml/model");
    EXPECT_EQ(p.input, "/opt/ml/input");
    EXPECT_EQ(p.input_config, "/opt/ml/input/config");
    EXPECT_EQ(p.input_data, "/opt/ml/input/data");
    EXPECT_EQ(p.output, "/opt/ml/output");
    EXPECT_EQ(p.output_data, "/opt/ml/output/data");
    EXPECT_EQ(p.output_intermediate, "/opt/ml/output/intermediate");
    EXPECT_EQ(p.checkpoints, "/opt/ml/checkpoints");
    EXPECT_EQ(p.hyperparameters_file(), "/opt/ml/input/config/hyperparameters.json");
    EXPECT_EQ(p.resource_config_file(), "/opt/ml/input/config/resourceconfig.json");
    EXPECT_EQ(p.input_data_config_file(), "/opt/ml/input/config/inputdataconfig.json");
    EXPECT_EQ(p.channel("train"), "/opt/ml/input/data/train");
    // os.path.join adds no second separator after a trailing one.
    EXPECT_EQ(Paths::under("/tmp/base/").model.string(), "/tmp/base/model");
}

}  // namespace
}  // namespace smtrain::testing
