// SPDX-License-Identifier: Apache-2.0
// The argument styles of program_args.hpp over hyperparameters as the SDK
// encodes them. Expected argv written by hand from each parser's grammar
// (Hydra's OverrideParser, argparse); tests/launcher/argument_styles_test.py
// feeds the same styles to the real parsers.
#include "env_test_util.hpp"

#include <smtrain/error.hpp>
#include <smtrain/program_args.hpp>

#include <gtest/gtest.h>

namespace smtrain::testing {
namespace {

using Args = std::vector<std::string>;

// Every type, as the SDK writes it: json.dumps of each value.
constexpr const char* kSdkEncoded = R"({"lr": "0.1", "epochs": "3", "name": "\"two words\"",
    "layers": "[1, 2]", "use_amp": "true", "fp16": "false", "trainer.max_epochs": "5",
    "opt": "{\"kind\": \"adam\", \"beta\": 0.9}", "none": "null", "path": "\"/data/x\"",
    "s": "\"true\"", "q": "\"it's\"", "empty": "\"\"", "small": "1e-05"})";

Args render(const char* hyperparameters_json, const std::string& style) {
    TrainingTree tree;
    tree.hyperparameters(hyperparameters_json);
    return load_tree(tree).to_cmd_args(ArgumentStyle::parse(style));
}

TEST(ArgumentStyle, ParsesEachStyleAndTemplates) {
    EXPECT_EQ(ArgumentStyle::parse("").kind, ArgumentStyle::Kind::Argparse);
    EXPECT_EQ(ArgumentStyle::parse("argparse").name(), "argparse");
    EXPECT_EQ(ArgumentStyle::parse("flags").kind, ArgumentStyle::Kind::Flags);
    EXPECT_EQ(ArgumentStyle::parse("hydra").hydra_prefix, "");
    EXPECT_EQ(ArgumentStyle::parse("hydra+").hydra_prefix, "+");
    EXPECT_EQ(ArgumentStyle::parse("hydra++").name(), "hydra++");
    auto words = ArgumentStyle::parse("  train.py\t--lr {lr}\n x={{literal}} ");
    EXPECT_EQ(words.kind, ArgumentStyle::Kind::Template);
    EXPECT_EQ(words.template_words, (Args{"train.py", "--lr", "{lr}", "x={{literal}}"}));
    EXPECT_EQ(ArgumentStyle::parse(R"(["train.py", "a b", "{lr}"])").template_words,
              (Args{"train.py", "a b", "{lr}"}));
    EXPECT_EQ(ArgumentStyle::parse(R"(["train.py"])").template_words, (Args{"train.py"}));
}

TEST(ArgumentStyle, BadSettingIsOneLineNamingIt) {
    for (const char* bad :
         {"hyrda", "Hydra", "train.py", "x {lr", "x lr}", "x {}", "x {a{b}", "[1]", "[\"a\"", "   ", "[]"}) {
        try {
            ArgumentStyle::parse(bad);
            ADD_FAILURE() << "accepted: " << bad;
        } catch (const ConfigError& e) {
            EXPECT_EQ(e.exit_code(), ExitCode::BadConfig);
            EXPECT_EQ(e.file(), "SMTRAIN_ARGS") << bad;
            EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
        }
    }
    try {
        ArgumentStyle::parse("hyrda");
    } catch (const ConfigError& e) {
        EXPECT_STREQ(
            e.what(),
            "SMTRAIN_ARGS: expected argparse, hydra, hydra+, hydra++, flags or a command template such as "
            "'train.py --lr {lr}', got 'hyrda'");
    }
}

TEST(ArgumentStyles, ArgparseIsTheToolkitsToCmdArgs) {
    TrainingTree tree;
    tree.hyperparameters(kSdkEncoded);
    const TrainingEnv env = load_tree(tree);
    EXPECT_EQ(env.to_cmd_args(ArgumentStyle{}), env.to_cmd_args());
    EXPECT_EQ(render_arguments(env.hyperparameters(), ArgumentStyle{}), env.to_cmd_args());
    EXPECT_EQ(render(R"({"b": "true", "a": "[1, 2]"})", "argparse"), (Args{"-a", "[1, 2]", "-b", "True"}));
}

TEST(ArgumentStyles, HydraOverridesAsHydraParsesThem) {
    EXPECT_EQ(render(kSdkEncoded, "hydra"),
              (Args{"empty=''", "epochs=3", "fp16=false", "layers=[1,2]", "lr=0.1", "name='two words'",
                    "none=null", "opt.beta=0.9", "opt.kind=adam", "path=/data/x", "q=\"it's\"", "s='true'",
                    "small=1e-05", "trainer.max_epochs=5", "use_amp=true"}));
}

TEST(ArgumentStyles, HydraAppendAndForce) {
    EXPECT_EQ(render(R"({"lr": "0.1", "model.depth": "4"})", "hydra+"), (Args{"+lr=0.1", "+model.depth=4"}));
    EXPECT_EQ(render(R"({"lr": "0.1"})", "hydra++"), (Args{"++lr=0.1"}));
}

TEST(ArgumentStyles, HydraQuotesWhatItsGrammarWouldReadOtherwise) {
    auto value = [](const Value& v) { return hydra_value(v); };
    EXPECT_EQ(value("adam"), "adam");
    EXPECT_EQ(value("resnet-50_v1.5"), "resnet-50_v1.5");
    for (const char* keyword : {"null", "True", "NaN", "inf", "yes", "off"})
        EXPECT_EQ(value(keyword), "'" + std::string(keyword) + "'");
    EXPECT_EQ(value("007"), "'007'");
    EXPECT_EQ(value("a,b"), "'a,b'");
    EXPECT_EQ(value("f(x)=[1]"), "'f(x)=[1]'");
    EXPECT_EQ(value("say \"hi\""), "'say \"hi\"'");
    EXPECT_EQ(value("both ' and \""), R"('both \' and "')");
    EXPECT_EQ(value("C:\\dir\\"), R"('C:\dir\\')");  // a backslash before the closing quote is doubled
    EXPECT_EQ(value("\\'"), R"("\'")");              // no escape needed in the other quote
    EXPECT_EQ(value("${oc.env:HOME}"), R"('\${oc.env:HOME}')");
    EXPECT_EQ(value(Value::list()), "[]");
    EXPECT_EQ(value(Value::dict()), "{}");
    EXPECT_EQ(value(Value(Value::List{Value("a b"), Value(1.5), Value(nullptr), Value(false)})),
              "['a b',1.5,null,false]");
    EXPECT_EQ(value(Value(Value::List{Value(Value::Dict{{"k", Value("v")}, {"n", Value(1)}})})),
              "[{k:v,n:1}]");
    EXPECT_EQ(render(R"({"e": "{}"})", "hydra"), (Args{"e={}"}));
    EXPECT_EQ(render(R"({"f": "1e16", "i": "Infinity"})", "hydra"), (Args{"f=1e+16", "i=inf"}));
}

TEST(ArgumentStyles, WhatHydraCannotExpressIsOneLineNamingTheHyperparameter) {
    for (const char* hps : {R"({"my key": "1"})", R"({"a:b": "1"})", R"({"9lives": "1"})", R"({"a..b": "1"})",
                            R"({"": "1"})", R"({"l": "[{\"two words\": 1}]"})", R"({"o": "{\"a b\": 1}"})"}) {
        try {
            render(hps, "hydra");
            ADD_FAILURE() << "rendered: " << hps;
        } catch (const ConfigError& e) {
            EXPECT_EQ(e.exit_code(), ExitCode::BadConfig);
            EXPECT_EQ(e.file(), "hyperparameters.json");
            EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("Hydra cannot"), std::string::npos) << e.what();
        }
    }
    try {
        render(R"({"my key": "1"})", "hydra");
    } catch (const ConfigError& e) {
        EXPECT_STREQ(
            e.what(),
            "hyperparameters.json: $[\"my key\"]: Hydra cannot take 'my key' as an override key: expected "
            "names such as lr, trainer.max_epochs or model/encoder");
    }
}

TEST(ArgumentStyles, FlagsTrueAloneFalseDropped) {
    EXPECT_EQ(render(R"({"verbose": "true", "v": "true", "quiet": "false", "lr": "0.1", "s": "\"True\"",
                          "t": "\"False\"", "n": "null"})",
                     "flags"),
              (Args{"--lr", "0.1", "-n", "", "-s", "-v", "--verbose"}));
}

TEST(ArgumentStyles, TemplateSubstitutesEveryType) {
    EXPECT_EQ(render(kSdkEncoded,
                     R"(["-m", "pkg.train", "--name", "{name}", "--layers={layers}", "{use_amp}", "{lr}",
                         "{epochs}", "opt={opt}", "n={none}", "{{{s}}}", "{empty}", "{trainer.max_epochs}"])"),
              (Args{"-m", "pkg.train", "--name", "two words", "--layers=[1, 2]", "True", "0.1", "3",
                    "opt=beta=0.9,kind=adam", "n=", "{true}", "", "5"}));
    EXPECT_EQ(render(R"({"lr": "0.5"})", "train.py --lr {lr} trainer.max_epochs={lr}{lr}"),
              (Args{"train.py", "--lr", "0.5", "trainer.max_epochs=0.50.5"}));
}

TEST(ArgumentStyles, TemplatesUnknownPlaceholderIsOneLineNamingIt) {
    try {
        render(R"({"lr": "0.5"})", "train.py --lr {lr} --epochs {epochs}");
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.exit_code(), ExitCode::BadConfig);
        EXPECT_STREQ(e.what(), "SMTRAIN_ARGS: the template names {epochs}, which is not a hyperparameter");
    }
}

TEST(ArgumentStyles, NulIsRefusedInEveryStyle) {
    for (const char* style : {"argparse", "flags", "hydra", "t {a}"}) {
        EXPECT_THROW(render(R"({"a": "\"x\u0000y\""})", style), ConfigError) << style;
    }
}

}  // namespace
}  // namespace smtrain::testing
