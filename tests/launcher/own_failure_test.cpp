// SPDX-License-Identifier: Apache-2.0
// sm-train's own failures: the one mapping from what a command threw to its
// line and exit code (docs/launcher.md, exit codes), shared by train, env,
// init and local.
#include "launcher/lifecycle/own_failure.hpp"

#include <smtrain/error.hpp>

#include <gtest/gtest.h>

#include <stdexcept>

namespace smtrain::launcher {
namespace {

TEST(OwnFailure, AnErrorKeepsItsMessageAndExitCode) {
    const OwnFailure f = OwnFailure::of(Error("host algo-9 did not resolve", ExitCode::Unavailable));
    EXPECT_EQ(f.message, "host algo-9 did not resolve");
    EXPECT_EQ(f.exit_code, 69);
}

TEST(OwnFailure, AConfigErrorNamesItsFileAndPathAndExits65) {
    const OwnFailure f = OwnFailure::of(ConfigError("resourceconfig.json", "$.hosts[2]", "expected string"));
    EXPECT_EQ(f.message, "resourceconfig.json: $.hosts[2]: expected string");
    EXPECT_EQ(f.exit_code, 65);
}

TEST(OwnFailure, AnErrorWithoutACodeStillFails) {
    EXPECT_EQ(OwnFailure::of(Error("no code", ExitCode::Success)).exit_code, 1);
    EXPECT_EQ(own_exit_code(0), 1);
    EXPECT_EQ(own_exit_code(143), 143);
}

TEST(OwnFailure, AnythingElseIsAnInternalError) {
    const OwnFailure f = OwnFailure::of(std::runtime_error("vector::_M_range_check"));
    EXPECT_EQ(f.message, "internal error: vector::_M_range_check");
    EXPECT_EQ(f.exit_code, 70);
}

}  // namespace
}  // namespace smtrain::launcher
