// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// Who is whose child, from /proc: the deadline warning finds torchrun's
/// workers, `local --interrupt-after` every process of a host to kill.
/// A snapshot: processes may come and go meanwhile. Errors: none thrown.

#include <sys/types.h>

#include <map>
#include <optional>
#include <set>
#include <vector>

namespace smtrain::launcher {

/// The parent of `pid` (/proc/<pid>/stat); nullopt when there is no such process.
std::optional<pid_t> parent_of(pid_t pid);
/// pid -> parent pid of every process now.
std::map<pid_t, pid_t> process_parents();
/// The children of `parent` now.
std::vector<pid_t> children_of(pid_t parent);
/// Children, grandchildren, ... of `root` now (not `root`).
std::set<pid_t> descendants_of(pid_t root);

}  // namespace smtrain::launcher
