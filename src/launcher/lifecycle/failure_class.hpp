// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The class of a failure, named at the start of output/failure's message
/// (docs/reliability.md has the table): from the failing process's own error
/// text, its exit, and the memory cgroup's OOM-kill count. Unknown stays
/// unknown: nothing is guessed from an exit code alone.
///
/// Errors: none; an unreadable cgroup file reads as "no count".

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace smtrain::launcher {

enum class FailureClass {
    Unknown,
    GpuOutOfMemory,   ///< "CUDA out of memory", torch.OutOfMemoryError
    HostOutOfMemory,  ///< killed (SIGKILL / 137) while the cgroup's oom_kill count rose
    /// NCCL or Gloo reporting another rank's failure: a peer that went away
    /// (ncclRemoteError, Gloo's "Connection closed by peer"), a collective
    /// timeout, an aborted communicator. A consequence, never the root cause
    /// while another rank failed on its own (root_cause.cpp, failure_exchange.cpp).
    CollectiveFailure,
    /// NCCL or Gloo failing in this rank itself: a CUDA call NCCL made
    /// (ncclUnhandledCudaError), invalid usage or argument, an internal or
    /// system error of its own. A failure of its own, as any other class.
    CollectiveError,
    ImportError,  ///< ModuleNotFoundError, ImportError
    MissingFile,  ///< FileNotFoundError, "No such file or directory"
    NoSpace,      ///< ENOSPC: "No space left on device"
    PipInstall,   ///< the requirements or module install step failed
    Signal,       ///< killed by a signal (none of the above)
};

/// "GPU out of memory", ..., "" for Unknown.
std::string_view class_name(FailureClass c);

/// The class of a failed process from its error text (its own lines first),
/// its exit and whether its cgroup's OOM-kill count rose while it ran.
FailureClass classify(std::string_view error_text, int exit_code, int term_signal, bool oom_killed);

/// The memory cgroup's OOM-kill count of this process: v2 `memory.events`'
/// `oom_kill`, v1 `memory.oom_control`'s `oom_kill`; nullopt when neither can
/// be read. `proc_self_cgroup` and `cgroup_root` are for tests.
std::optional<std::uint64_t> oom_kill_count(
    const std::filesystem::path& proc_self_cgroup = "/proc/self/cgroup",
    const std::filesystem::path& cgroup_root = "/sys/fs/cgroup");

}  // namespace smtrain::launcher
