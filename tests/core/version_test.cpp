// SPDX-License-Identifier: Apache-2.0
// <smtrain/version.hpp> holds the CMake project version (passed to this test
// by the build as SMTRAIN_TEST_PROJECT_VERSION), as macros and as constants.
#include <smtrain/version.hpp>

#include <gtest/gtest.h>

#include <string>

namespace smtrain {
namespace {

static_assert(SMTRAIN_VERSION_NUMBER ==
              SMTRAIN_VERSION_MAJOR * 10000 + SMTRAIN_VERSION_MINOR * 100 + SMTRAIN_VERSION_PATCH);
static_assert(version_major == SMTRAIN_VERSION_MAJOR && version_minor == SMTRAIN_VERSION_MINOR &&
              version_patch == SMTRAIN_VERSION_PATCH);

TEST(Version, IsTheProjectVersion) {
    EXPECT_EQ(std::string(SMTRAIN_VERSION_STRING), SMTRAIN_TEST_PROJECT_VERSION);
    EXPECT_EQ(version_string, SMTRAIN_TEST_PROJECT_VERSION);
    EXPECT_EQ(std::to_string(version_major) + "." + std::to_string(version_minor) + "." +
                  std::to_string(version_patch),
              SMTRAIN_TEST_PROJECT_VERSION);
}

}  // namespace
}  // namespace smtrain
