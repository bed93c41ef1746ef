// SPDX-License-Identifier: Apache-2.0
// `sm-train env`'s formats (env_format.hpp): shell quoting, export, dotenv and
// JSON, and names no shell can take skipped with a comment.
#include "launcher/cli/env_format.hpp"

#include <gtest/gtest.h>

namespace smtrain::launcher {
namespace {

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

}  // namespace
}  // namespace smtrain::launcher
