// SPDX-License-Identifier: Apache-2.0
// to_cmd_args: mapping.to_cmd_args over the decoded user hyperparameters.
#include "env_test_util.hpp"

#include <gtest/gtest.h>

namespace smtrain::testing {
namespace {

using Args = std::vector<std::string>;

Args argv_of(std::string_view hyperparameters_json) {
    TrainingTree tree;
    tree.hyperparameters(hyperparameters_json);
    return load_tree(tree).to_cmd_args();
}

TEST(CmdArgs, IssueExamples) {
    EXPECT_EQ(argv_of(R"({"lr": "1e-05"})"), (Args{"--lr", "1e-05"}));
    EXPECT_EQ(argv_of(R"({"flag": "true"})"), (Args{"--flag", "True"}));
    EXPECT_EQ(argv_of(R"({"l": "[1, \"a\"]"})"), (Args{"-l", "[1, 'a']"}));
}

TEST(CmdArgs, SortedKeysAndDashes) {
    EXPECT_EQ(argv_of(R"({"un_der": "2", "da-sh": "1", "U": "1", "b": "x", "T": ""})"),
              (Args{"-T", "", "-U", "1", "-b", "x", "--da-sh", "1", "--un_der", "2"}));
}

TEST(CmdArgs, EmptyKeyGivesEmptyName) { EXPECT_EQ(argv_of(R"({"": "42"})"), (Args{"", "42"})); }

TEST(CmdArgs, OneCodePointKeyGetsOneDashEvenWhenNotAscii) {
    EXPECT_EQ(argv_of(R"({"é": "1", "éé": "2"})"), (Args{"-é", "1", "--éé", "2"}));
}

TEST(CmdArgs, FloatsAsPythonRepr) {
    EXPECT_EQ(argv_of(R"({"a": "1e16", "b": "1e15", "c": "100.0", "d": "1.10", "e": "1e5", "f": "0.1"})"),
              (Args{"-a", "1e+16", "-b", "1000000000000000.0", "-c", "100.0", "-d", "1.1", "-e", "100000.0",
                    "-f", "0.1"}));
    EXPECT_EQ(argv_of(R"({"i": "Infinity", "m": "-Infinity", "n": "NaN"})"),
              (Args{"-i", "inf", "-m", "-inf", "-n", "nan"}));
}

TEST(CmdArgs, BooleansNoneAndBigIntegers) {
    EXPECT_EQ(argv_of(R"({"t": true, "f": "false", "z": "null", "big": "123456789012345678901234567890"})"),
              (Args{"--big", "123456789012345678901234567890", "-f", "False", "-t", "True", "-z", ""}));
}

TEST(CmdArgs, ListsAndNestedValuesAsPythonRepr) {
    EXPECT_EQ(argv_of(R"({"nested": "[\"1\", [\"2\", \"3\", [[\"6\"]]]]"})"),
              (Args{"--nested", "['1', ['2', '3', [['6']]]]"}));
    EXPECT_EQ(argv_of(R"({"l": "[1, \"a\", true, null, 0.5, {\"k\": \"v\"}]"})"),
              (Args{"-l", "[1, 'a', True, None, 0.5, {'k': 'v'}]"}));
    EXPECT_EQ(argv_of(R"({"q": "[\"it's\"]"})"), (Args{"-q", R"(["it's"])"}));
}

TEST(CmdArgs, TopLevelDictIsKeyEqualsValueSortedByKey) {
    EXPECT_EQ(argv_of(R"({"channel_dirs": {"train": "foo", "eval": "bar"}, "map": "{\"a\": [1, 3, 4]}"})"),
              (Args{"--channel_dirs", "eval=bar,train=foo", "--map", "a=[1, 3, 4]"}));
    EXPECT_EQ(argv_of(R"({"d": "{\"b\": true, \"a\": {\"x\": \"y\"}, \"c\": null}"})"),
              (Args{"-d", "a={'x': 'y'},b=True,c=None"}));
    EXPECT_EQ(argv_of(R"({"e": "{}"})"), (Args{"-e", ""}));
}

TEST(CmdArgs, StringsStayAsTheyAre) {
    EXPECT_EQ(argv_of(R"({"s": "two words", "q": "\"quoted \\\" inside\"", "u": "\"café\""})"),
              (Args{"-q", "quoted \" inside", "-s", "two words", "-u", "café"}));
}

TEST(CmdArgs, NulInAValueCannotReachArgv) {
    TrainingTree tree;
    tree.hyperparameters(R"({"bad": "\"a\\u0000b\""})");
    const TrainingEnv env = load_tree(tree);
    try {
        (void)env.to_cmd_args();
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_STREQ(
            e.what(),
            "hyperparameters.json: $.bad: the value holds a NUL character, which cannot be passed in argv");
    }
}

}  // namespace
}  // namespace smtrain::testing
