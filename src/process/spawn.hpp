// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// Starting a program: a vfork-style child + execve, everything prepared
/// before. The one place sm-train's layers start a process (libsmtrain's
/// machine probes have their own, below this layer).
///
/// The child (clone with CLONE_VM | CLONE_VFORK on its own stack, as glibc's
/// posix_spawn) runs only async-signal-safe calls (setpgid, tcsetpgrp,
/// sigaction, sigprocmask, dup2, chdir, execve, _exit) and the parent waits
/// until it has exec'd. An exec failure is left in shared memory, so spawn()
/// throws with the errno instead of returning a child that exits 127 for an
/// unknown reason. See spawn.cpp for why this is safe.
///
/// Errors (the process layer's convention): spawn() throws SpawnError, naming
/// the program, the step that failed (execve, chdir, dup2, setpgid, setns,
/// ...) and errno, with the exit code a shell would give (127 or 126); no
/// child is left behind.

#include <smtrain/error.hpp>

#include <signal.h>
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace smtrain::process {

/// A host of its own for the child: it enters `netns_fd` (a network
/// namespace), unshares the mount and UTS namespaces, sets `hostname` and
/// bind-mounts `hosts_file` on /etc/hosts, all before execve.
struct HostIsolation {
    int netns_fd = -1;
    std::string hostname;
    std::filesystem::path hosts_file;
};

struct SpawnSpec {
    /// Path handed to execve (no PATH search: resolve it first, see find_in_path).
    std::filesystem::path program;
    /// argv, argv[0] included.
    std::vector<std::string> argv;
    /// The whole environment, as "NAME=value" strings.
    std::vector<std::string> env;
    /// Working directory; empty keeps the parent's.
    std::filesystem::path cwd;
    /// Put the child in a new process group (pgid = pid), so signals can reach
    /// everything it starts with one kill(-pgid).
    bool new_process_group = true;
    /// When execve fails with ENOEXEC (a script without a shebang), run
    /// `/bin/sh program argv[1..]` as execvp and the toolkit's shell did. No `-c`.
    bool sh_fallback_on_enoexec = false;
    /// Give the child a pipe as stdout / stderr (read ends in SpawnedProcess).
    bool capture_stdout = false;
    bool capture_stderr = false;
    /// Descriptors the child gets as stdin / stdout / stderr (dup2'd; the
    /// caller keeps and closes its own). -1: inherited, or the capture pipe.
    int stdin_fd = -1;
    int stdout_fd = -1;
    int stderr_fd = -1;
    /// Where the child runs, when not in sm-train's own host: a network
    /// namespace to enter and a private hostname and /etc/hosts (the hosts of
    /// `sm-train local --hosts N`). The caller keeps it alive during spawn().
    const HostIsolation* isolation = nullptr;
    /// Signal mask the program starts with (usually SignalBlock::original_mask()).
    /// nullptr: an empty mask.
    const sigset_t* child_mask = nullptr;
};

struct SpawnedProcess {
    pid_t pid = -1;
    int stdout_fd = -1;  ///< read end, non-blocking, close-on-exec; -1 when not captured
    int stderr_fd = -1;  ///< read end, non-blocking, close-on-exec; -1 when not captured
};

/// The program could not be started; the child (if any) has been reaped.
/// `what()` is "cannot run <program>: <step>: <strerror>"; exit_code() is
/// NotFound (127) for ENOENT/ENOTDIR and NotExecutable (126) otherwise, as a shell.
class SpawnError : public Error {
public:
    SpawnError(const std::filesystem::path& program, std::string step, int error_number);
    int error_number() const { return error_number_; }
    const std::string& step() const { return step_; }  ///< "execve", "chdir", "fork", "pipe"

private:
    std::string step_;
    int error_number_;
};

/// Starts the program. Signals should already be blocked by a SignalBlock (so
/// none is delivered between fork and execve); the child restores
/// `child_mask` and default dispositions. The child is watched by the Reaper
/// (reaper.hpp) from the moment it exists: its owner gets its status with
/// Reaper::take. Throws SpawnError (the child, if any, already reaped).
SpawnedProcess spawn(const SpawnSpec& spec);

}  // namespace smtrain::process
