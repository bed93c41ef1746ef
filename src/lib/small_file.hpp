// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// Reading a small file whole (/proc files, a cgroup's counters) with plain
/// reads: no stream set-up, for what is read at every job's start.
/// Internal: not installed.
///
/// Errors: none; a file that cannot be opened is nullopt.

#include <filesystem>
#include <optional>
#include <string>

namespace smtrain::detail {

/// The whole of `file`, read to its end; nullopt when it cannot be opened.
std::optional<std::string> read_small_file(const std::filesystem::path& file);

}  // namespace smtrain::detail
