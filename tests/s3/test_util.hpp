// SPDX-License-Identifier: Apache-2.0
#pragma once
// Small helpers shared by the S3 tests.

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>

#include <smtrain/error.hpp>
#include "../support/temp_tree.hpp"

namespace smtrain::s3::test {

using TempDir = smtrain::testing::TempDir;

inline std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return "<cannot open " + p.string() + ">";
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

/// What `fn` threw as smtrain::Error, or "<no error>".
inline std::string error_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const smtrain::Error& e) {
        return e.what();
    }
    return "<no error>";
}

}  // namespace smtrain::s3::test
