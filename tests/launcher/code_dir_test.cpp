// SPDX-License-Identifier: Apache-2.0
// is_empty_dir(): whether the code directory still needs the code (the job
// keeps what is there), with std::filesystem's answers for every kind of path.
#include "launcher/lifecycle/code_dir.hpp"
#include "../support/temp_tree.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace smtrain::launcher {
namespace {

namespace fs = std::filesystem;
using smtrain::testing::TempDir;

TEST(CodeDir, AMissingOrEntrylessDirectoryIsEmpty) {
    TempDir tmp;
    EXPECT_TRUE(is_empty_dir(tmp.path()));
    EXPECT_TRUE(is_empty_dir(tmp.path() / "missing"));
    EXPECT_TRUE(is_empty_dir(tmp.path() / "missing" / "deeper"));
}

TEST(CodeDir, AnyEntryMakesADirectoryNotEmpty) {
    TempDir tmp;
    const fs::path hidden = tmp.path() / "hidden";
    fs::create_directory(hidden);
    std::ofstream(hidden / ".profile") << "x";
    EXPECT_FALSE(is_empty_dir(hidden));
    const fs::path nested = tmp.path() / "nested";
    fs::create_directories(nested / "src");
    EXPECT_FALSE(is_empty_dir(nested));
    // More entries than one read of the directory returns.
    const fs::path many = tmp.path() / "many";
    fs::create_directory(many);
    for (int i = 0; i < 200; ++i) std::ofstream(many / (std::string(100, 'f') + std::to_string(i)));
    EXPECT_FALSE(is_empty_dir(many));
}

TEST(CodeDir, AFileInItsPlaceIsEmptyOnlyWithoutBytes) {
    // std::filesystem::is_empty's answer for a file, which the code kept.
    TempDir tmp;
    std::ofstream(tmp.path() / "none");
    std::ofstream(tmp.path() / "some") << "train.py";
    EXPECT_TRUE(is_empty_dir(tmp.path() / "none"));
    EXPECT_FALSE(is_empty_dir(tmp.path() / "some"));
}

}  // namespace
}  // namespace smtrain::launcher
