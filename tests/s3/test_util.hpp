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

#include "smtrain/error.hpp"

namespace smtrain::s3::test {

/// A fresh directory under $TMPDIR (or /tmp), removed with its contents.
class TempDir {
public:
    TempDir() {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base && *base ? base : "/tmp") + "/smtrain-s3-XXXXXX";
        if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

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
