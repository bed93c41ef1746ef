// SPDX-License-Identifier: Apache-2.0
// Every config error: one line naming the file and the JSON path.
#include "env_test_util.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>

namespace smtrain::testing {
namespace {

// The message load() throws, or "loaded" when it does not throw.
std::string load_error(const TrainingTree& tree) {
    try {
        (void)load_tree(tree);
        return "loaded";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.exit_code(), ExitCode::BadConfig);
        return e.what();
    }
}

std::string resource_error(std::string_view json) {
    TrainingTree tree;
    tree.resource_config(json);
    return load_error(tree);
}

std::string input_error(std::string_view json) {
    TrainingTree tree;
    tree.input_data_config(json);
    return load_error(tree);
}

std::string hyperparameter_error(std::string_view json) {
    TrainingTree tree;
    tree.hyperparameters(json);
    return load_error(tree);
}

TEST(ConfigFiles, MissingFile) {
    TrainingTree tree;
    std::filesystem::remove(tree.base() / "input/config/resourceconfig.json");
    EXPECT_EQ(load_error(tree), "resourceconfig.json: cannot read " + tree.base_string() +
                                    "/input/config/resourceconfig.json: No such file or directory");
}

TEST(ConfigFiles, EmptyFile) {
    TrainingTree tree;
    tree.hyperparameters("");
    EXPECT_EQ(load_error(tree), "hyperparameters.json: file is empty: " + tree.base_string() +
                                    "/input/config/hyperparameters.json");
    tree.hyperparameters(" \n\t ");
    EXPECT_EQ(load_error(tree), "hyperparameters.json: file is empty: " + tree.base_string() +
                                    "/input/config/hyperparameters.json");
}

TEST(ConfigFiles, DirectoryOrFifoInPlaceOfTheFile) {
    TrainingTree tree;
    const auto file = tree.base() / "input/config/inputdataconfig.json";
    std::filesystem::remove(file);
    std::filesystem::create_directory(file);
    EXPECT_EQ(load_error(tree),
              "inputdataconfig.json: cannot read " + file.string() + ": not a regular file");
    std::filesystem::remove(file);
    ASSERT_EQ(::mkfifo(file.c_str(), 0600), 0);  // nobody writes it: reading must not block
    EXPECT_EQ(load_error(tree),
              "inputdataconfig.json: cannot read " + file.string() + ": not a regular file");
}

TEST(ConfigFiles, MalformedJsonWithPythonsReasonAndPosition) {
    EXPECT_EQ(hyperparameter_error(R"({"a": 1,})"),
              "hyperparameters.json: invalid JSON: Expecting property name enclosed in double quotes: "
              "line 1 column 9 (char 8)");
    EXPECT_EQ(resource_error("{\"hosts\": [\"a\"] \"x\"}"),
              "resourceconfig.json: invalid JSON: Expecting ',' delimiter: line 1 column 17 (char 16)");
}

TEST(ConfigFiles, CarriageReturnsCountAsNewlinesAsInPythonTextMode) {
    EXPECT_EQ(hyperparameter_error("{\r\n\"a\" 1}"),
              "hyperparameters.json: invalid JSON: Expecting ':' delimiter: line 2 column 5 (char 6)");
}

TEST(ConfigFiles, ByteOrderMarkIsRefusedAsPythonDoes) {
    EXPECT_EQ(hyperparameter_error("\xEF\xBB\xBF{}"),
              "hyperparameters.json: invalid JSON: Unexpected UTF-8 BOM (decode using utf-8-sig): "
              "line 1 column 1 (char 0)");
}

TEST(ConfigFiles, TopLevelMustBeAnObject) {
    EXPECT_EQ(resource_error("[]"), "resourceconfig.json: $: expected object, got array");
    EXPECT_EQ(input_error("null"), "inputdataconfig.json: $: expected object, got null");
    EXPECT_EQ(hyperparameter_error("\"x\""), "hyperparameters.json: $: expected object, got string");
}

TEST(ConfigFiles, DeepNestingIsAnErrorNotACrash) {
    EXPECT_EQ(hyperparameter_error(std::string(100000, '[')),
              "hyperparameters.json: invalid JSON: nesting too deep (more than 1000 levels): line 1 column "
              "1001 (char 1000)");
}

TEST(Hyperparameters, DeeplyNestedValueStaysAString) {
    TrainingTree tree;
    tree.hyperparameters("{\"deep\": \"" + std::string(5000, '[') + "\"}");
    const TrainingEnv env = load_tree(tree);
    EXPECT_EQ(env.hyperparameter<std::string>("deep"), std::string(5000, '['));
}

TEST(ResourceConfig, Hosts) {
    EXPECT_EQ(resource_error(R"({"current_host": "a"})"),
              "resourceconfig.json: $.hosts: required key is missing");
    EXPECT_EQ(resource_error(R"({"current_host": "a", "hosts": "a"})"),
              "resourceconfig.json: $.hosts: expected array, got string");
    EXPECT_EQ(resource_error(R"({"current_host": "a", "hosts": []})"),
              "resourceconfig.json: $.hosts: expected a non-empty array of host names");
    EXPECT_EQ(resource_error(R"({"current_host": "a", "hosts": ["a", "b", 3]})"),
              "resourceconfig.json: $.hosts[2]: expected string, got number");
    EXPECT_EQ(resource_error(R"({"current_host": "a", "hosts": ["a", "a"]})"),
              R"(resourceconfig.json: $.hosts[1]: duplicate host "a")");
}

TEST(ResourceConfig, CurrentHost) {
    EXPECT_EQ(resource_error(R"({"hosts": ["a"]})"),
              "resourceconfig.json: $.current_host: required key is missing");
    EXPECT_EQ(resource_error(R"({"hosts": ["a"], "current_host": ["a"]})"),
              "resourceconfig.json: $.current_host: expected string, got array");
    EXPECT_EQ(resource_error(R"({"hosts": ["algo-1"], "current_host": "algo-9"})"),
              R"(resourceconfig.json: $.current_host: "algo-9" is not in $.hosts)");
}

TEST(ResourceConfig, OptionalStrings) {
    EXPECT_EQ(resource_error(R"({"hosts": ["a"], "current_host": "a", "network_interface_name": 0})"),
              "resourceconfig.json: $.network_interface_name: expected string, got number");
    EXPECT_EQ(resource_error(R"({"hosts": ["a"], "current_host": "a", "current_instance_type": true})"),
              "resourceconfig.json: $.current_instance_type: expected string, got boolean");
    EXPECT_EQ(resource_error(R"({"hosts": ["a"], "current_host": "a", "current_group_name": null})"),
              "resourceconfig.json: $.current_group_name: expected string, got null");
}

TEST(ResourceConfig, InstanceGroups) {
    EXPECT_EQ(resource_error(R"({"hosts": ["a"], "current_host": "a", "instance_groups": {}})"),
              "resourceconfig.json: $.instance_groups: expected array, got object");
    EXPECT_EQ(resource_error(R"({"hosts": ["a"], "current_host": "a", "instance_groups": ["g"]})"),
              "resourceconfig.json: $.instance_groups[0]: expected object, got string");
    EXPECT_EQ(
        resource_error(R"({"hosts": ["a"], "current_host": "a", "instance_groups": [{"hosts": ["a"]}]})"),
        "resourceconfig.json: $.instance_groups[0].instance_group_name: required key is missing");
    EXPECT_EQ(resource_error(R"({"hosts": ["a"], "current_host": "a", "instance_groups": [
                                  {"instance_group_name": "g", "hosts": ["a"]},
                                  {"instance_group_name": 7, "hosts": []}]})"),
              "resourceconfig.json: $.instance_groups[1].instance_group_name: expected string, got number");
    EXPECT_EQ(resource_error(R"({"hosts": ["a"], "current_host": "a", "instance_groups": [
                                  {"instance_group_name": "g", "hosts": [null]}]})"),
              "resourceconfig.json: $.instance_groups[0].hosts[0]: expected string, got null");
    EXPECT_EQ(resource_error(R"({"hosts": ["a"], "current_host": "a", "instance_groups": [
                                  {"instance_group_name": "g"}]})"),
              "resourceconfig.json: $.instance_groups[0].hosts: required key is missing");
}

TEST(InputDataConfig, ChannelsMustBeObjects) {
    EXPECT_EQ(input_error(R"({"train": "File"})"),
              "inputdataconfig.json: $.train: expected object, got string");
    EXPECT_EQ(input_error(R"({"my channel": []})"),
              R"(inputdataconfig.json: $["my channel"]: expected object, got array)");
}

TEST(InputDataConfig, ChannelNamesThatWouldEscapeInputData) {
    EXPECT_EQ(input_error(R"({"../x": {}})"),
              R"(inputdataconfig.json: $["../x"]: channel name contains '/')");
    EXPECT_EQ(input_error(R"({"/etc": {}})"),
              R"(inputdataconfig.json: $["/etc"]: channel name contains '/')");
    EXPECT_EQ(input_error(R"({"..": {}})"),
              R"(inputdataconfig.json: $[".."]: channel name ".." is not a directory name)");
    EXPECT_EQ(input_error(R"({".": {}})"),
              R"(inputdataconfig.json: $["."]: channel name "." is not a directory name)");
    EXPECT_EQ(input_error(R"({"": {}})"), R"(inputdataconfig.json: $[""]: channel name is empty)");
    EXPECT_EQ(input_error(R"({"a\u0000b": {}})"),
              R"(inputdataconfig.json: $["a\u0000b"]: channel name contains NUL)");
    EXPECT_EQ(
        input_error(R"({"a=b": {}})"),
        R"(inputdataconfig.json: $["a=b"]: channel name contains '=', which cannot be in an environment variable name)");
    EXPECT_EQ(input_error(R"({"train.v2-x_y": {}})"), "loaded");
}

TEST(Hyperparameters, NamesThatCannotBecomeVariables) {
    EXPECT_EQ(
        hyperparameter_error(R"({"a=b": "1"})"),
        R"(hyperparameters.json: $["a=b"]: a name with '=' or NUL cannot become an environment variable)");
}

TEST(Hyperparameters, DistributionInstanceGroupsMustBeAListOfNames) {
    EXPECT_EQ(hyperparameter_error(R"({"sagemaker_distribution_instance_groups": "\"train\""})"),
              "hyperparameters.json: $.sagemaker_distribution_instance_groups: expected array, got string");
    EXPECT_EQ(
        hyperparameter_error(R"({"sagemaker_distribution_instance_groups": "[\"a\", 1]"})"),
        "hyperparameters.json: $.sagemaker_distribution_instance_groups[1]: expected string, got number");
}

TEST(ConfigFiles, ErrorOrderFollowsTheToolkit) {
    // resourceconfig.json is read first, hyperparameters.json last.
    TrainingTree tree;
    tree.resource_config("[]");
    tree.hyperparameters("[]");
    EXPECT_EQ(load_error(tree), "resourceconfig.json: $: expected object, got array");
}

TEST(ConfigError, Parts) {
    const ConfigError e("resourceconfig.json", "$.hosts[2]", "expected string, got number");
    EXPECT_STREQ(e.what(), "resourceconfig.json: $.hosts[2]: expected string, got number");
    EXPECT_EQ(e.file(), "resourceconfig.json");
    EXPECT_EQ(e.json_path(), "$.hosts[2]");
    EXPECT_EQ(e.detail(), "expected string, got number");
    EXPECT_STREQ(ConfigError("x.json", "", "file is empty").what(), "x.json: file is empty");
}

}  // namespace
}  // namespace smtrain::testing
