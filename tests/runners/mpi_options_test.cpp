// SPDX-License-Identifier: Apache-2.0
#include "runners/mpi_options.hpp"

#include <smtrain/error.hpp>

#include <gtest/gtest.h>

using smtrain::runners::parse_custom_mpi_options;
using smtrain::runners::shell_split;
using Words = std::vector<std::string>;

TEST(ShellSplit, BlanksSeparateWords) {
    EXPECT_EQ(shell_split("  -x  FOO\t--lr\n35 "), (Words{"-x", "FOO", "--lr", "35"}));
    EXPECT_EQ(shell_split(""), Words{});
}

TEST(ShellSplit, QuotesKeepBlanks) {
    EXPECT_EQ(shell_split(R"(-x "NCCL_ALGO=ring tree" -mca 'a b' c)"),
              (Words{"-x", "NCCL_ALGO=ring tree", "-mca", "a b", "c"}));
    EXPECT_EQ(shell_split(R"(a'b c'd "" '')"), (Words{"ab cd", "", ""}));
}

TEST(ShellSplit, BackslashesAsShlex) {
    EXPECT_EQ(shell_split(R"(a\ b "q\"x\\y\z" 'l\n')"), (Words{"a b", R"(q"x\y\z)", R"(l\n)"}));
}

TEST(ShellSplit, UnbalancedInputIsAnError) {
    EXPECT_THROW(shell_split("-x 'FOO"), smtrain::Error);
    EXPECT_THROW(shell_split("-x \"FOO"), smtrain::Error);
    EXPECT_THROW(shell_split("-x FOO\\"), smtrain::Error);
}

TEST(CustomMpiOptions, DefaultsToInfoAndNothingElse) {
    const auto options = parse_custom_mpi_options("", "opts");
    EXPECT_EQ(options.nccl_debug, "INFO");
    EXPECT_EQ(options.additional, Words{});
}

TEST(CustomMpiOptions, UnknownOptionsPassThroughInOrder) {
    // The toolkit's own test value: -X is not --NCCL_DEBUG.
    const auto options = parse_custom_mpi_options("-X NCCL_DEBUG=WARN", "opts");
    EXPECT_EQ(options.nccl_debug, "INFO");
    EXPECT_EQ(options.additional, (Words{"-X", "NCCL_DEBUG=WARN"}));
}

TEST(CustomMpiOptions, NcclDebugForms) {
    EXPECT_EQ(parse_custom_mpi_options("--NCCL_DEBUG WARN -x FOO", "o").nccl_debug, "WARN");
    EXPECT_EQ(parse_custom_mpi_options("--NCCL_DEBUG WARN -x FOO", "o").additional, (Words{"-x", "FOO"}));
    EXPECT_EQ(parse_custom_mpi_options("--NCCL_DEBUG=TRACE", "o").nccl_debug, "TRACE");
    EXPECT_EQ(parse_custom_mpi_options("--NCCL_DEBUG=", "o").nccl_debug, "");
    EXPECT_EQ(parse_custom_mpi_options("--NCCL_DEB VERSION", "o").nccl_debug, "VERSION");
    EXPECT_EQ(parse_custom_mpi_options("--N WARN", "o").nccl_debug, "WARN");
    EXPECT_EQ(parse_custom_mpi_options("--NCCL_DEBUG a --NCCL_DEBUG b", "o").nccl_debug, "b");
    EXPECT_EQ(parse_custom_mpi_options("--NCCL_DEBUG -1", "o").nccl_debug, "-1");
    // argparse's negative numbers, as Python 3.11 parses them.
    EXPECT_EQ(parse_custom_mpi_options("--NCCL_DEBUG -.5", "o").nccl_debug, "-.5");
    EXPECT_EQ(parse_custom_mpi_options("--NCCL_DEBUG -5 -x -1.5", "o").additional, (Words{"-x", "-1.5"}));
    EXPECT_THROW(parse_custom_mpi_options("--NCCL_DEBUG -1.", "o"), smtrain::Error);
    // A longer name is not the option.
    EXPECT_EQ(parse_custom_mpi_options("--NCCL_DEBUGX 1", "o").additional, (Words{"--NCCL_DEBUGX", "1"}));
    EXPECT_EQ(parse_custom_mpi_options("--NCCL_DEBUGX 1", "o").nccl_debug, "INFO");
}

TEST(CustomMpiOptions, DoubleDashEndsParsing) {
    const auto options = parse_custom_mpi_options("-x A -- --NCCL_DEBUG x", "o");
    EXPECT_EQ(options.nccl_debug, "INFO");
    EXPECT_EQ(options.additional, (Words{"-x", "A", "--", "--NCCL_DEBUG", "x"}));
}

TEST(CustomMpiOptions, QuotedValuesStayWhole) {
    // The toolkit's str.split() would cut this value in two.
    const auto options = parse_custom_mpi_options(R"(-x "FOO=a b" --NCCL_DEBUG "WARN")", "o");
    EXPECT_EQ(options.nccl_debug, "WARN");
    EXPECT_EQ(options.additional, (Words{"-x", "FOO=a b"}));
}

TEST(CustomMpiOptions, MissingValueIsAClearError) {
    try {
        parse_custom_mpi_options("--NCCL_DEBUG -x", "sagemaker_mpi_custom_mpi_options");
        FAIL() << "no error";
    } catch (const smtrain::Error& e) {
        EXPECT_STREQ(e.what(),
                     "sagemaker_mpi_custom_mpi_options: argument --NCCL_DEBUG: expected one argument");
    }
    EXPECT_THROW(parse_custom_mpi_options("--NCCL_DEBUG", "o"), smtrain::Error);
    try {
        parse_custom_mpi_options("-x 'A", "sagemaker_mpi_custom_mpi_options");
        FAIL() << "no error";
    } catch (const smtrain::Error& e) {
        EXPECT_STREQ(e.what(), "sagemaker_mpi_custom_mpi_options: No closing quotation in -x 'A");
    }
}
