// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// Writing the files and directories of a job tree (internal to libsmtrain):
/// shared by the local-mode tree and the tree writer of FakeTree and `sm-train init`.
///
/// Errors: both throw smtrain::Error with ExitCode::CannotWrite, naming the path.

#include <smtrain/error.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

namespace smtrain::detail {

/// Replaces `path` with `text`.
inline void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) throw Error("cannot write " + path.string(), ExitCode::CannotWrite);
}

/// Creates `dir` and its parents where missing.
inline void make_dirs(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw Error("cannot create " + dir.string() + ": " + ec.message(), ExitCode::CannotWrite);
}

}  // namespace smtrain::detail
