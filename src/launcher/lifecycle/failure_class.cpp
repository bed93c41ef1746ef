// SPDX-License-Identifier: Apache-2.0
#include "launcher/lifecycle/failure_class.hpp"

#include "lib/small_file.hpp"

#include <signal.h>

#include <algorithm>
#include <charconv>
#include <string>

namespace smtrain::launcher {

namespace {

using detail::read_small_file;

bool has(std::string_view text, std::string_view what) { return text.find(what) != std::string_view::npos; }

/// The next word of `text` from `at` (words are separated by whitespace), "" at the end.
std::string_view next_word(std::string_view text, std::size_t& at) {
    constexpr std::string_view kSpace = " \t\n\r\f\v";
    const std::size_t start = text.find_first_not_of(kSpace, at);
    if (start == std::string_view::npos) {
        at = text.size();
        return {};
    }
    const std::size_t end = std::min(text.find_first_of(kSpace, start), text.size());
    at = end;
    return text.substr(start, end - start);
}

/// The value of `key` in a "key value" per line file (memory.events, memory.oom_control).
std::optional<std::uint64_t> read_key(const std::filesystem::path& file, std::string_view key) {
    const auto text = read_small_file(file);
    if (!text) return std::nullopt;
    std::size_t at = 0;
    for (;;) {
        const std::string_view name = next_word(*text, at);
        const std::string_view number = next_word(*text, at);
        std::uint64_t value = 0;
        const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
        if (name.empty() || number.empty() || ec != std::errc() || end != number.data() + number.size())
            return std::nullopt;
        if (name == key) return value;
    }
}

/// Text of NCCL, Gloo or torch's ProcessGroups (`ProcessGroupNCCL.cpp`, Gloo's
/// `[.../gloo/transport/tcp/pair.cc:598]`, `ncclRemoteError`, `NCCL error in:`).
bool names_a_collective(std::string_view text) {
    return has(text, "NCCL") || has(text, "nccl") || has(text, "gloo") || has(text, "Gloo") ||
           has(text, "ProcessGroup");
}

/// What NCCL, Gloo and torch write when the failure was another rank's: the
/// peer went away, a collective timed out waiting for it, the communicator was
/// aborted. Any other collective error (a CUDA call inside NCCL, invalid usage,
/// an internal or system error) is the rank's own. Each text as its source has it:
constexpr std::string_view kAnotherRanksFailure[] = {
    // NCCL's ncclGetErrorString(ncclRemoteError) (src/init.cc), in torch's
    // "NCCL error in: <file>:<line>, <that text>, NCCL version 2.18.1".
    "remote process exited or there was a network error",
    // torch's getNcclErrorDetailStr (torch/csrc/distributed/c10d/NCCLUtils.cpp):
    // "ncclRemoteError: A call failed possibly due to a network error or a
    // remote process exiting prematurely."; and, built against an NCCL without
    // ncclRemoteError (< 2.12), its ncclSystemError text, which ends "It can be
    // also caused by unexpected exit of a remote peer." (a peer's exit was one then).
    "ncclRemoteError",
    "unexpected exit of a remote peer",
    // Gloo's tcp/pair.cc on EOF: "[.../gloo/transport/tcp/pair.cc:598] Connection
    // closed by peer [10.0.0.2]:29500"; NCCL's misc/socket.cc:
    // "socketProgress: Connection closed by remote peer <host>".
    "Connection closed by peer",
    "Connection closed by remote peer",
    // strerror(ECONNRESET) in Gloo's tcp/pair.cc: "Read error [10.0.0.2]:29500:
    // Connection reset by peer".
    "Connection reset by peer",
    // torch's NCCLComm::getNcclComm (NCCLUtils): "NCCL communicator was aborted
    // on rank 2. Original reason for failure was: ..." (the watchdog aborted it).
    "communicator was aborted",
    // torch's ProcessGroupNCCL watchdog: "[Rank 0] Watchdog caught collective
    // operation timeout: WorkNCCL(SeqNum=1, OpType=ALLREDUCE, ...) ran for 1800126
    // milliseconds before timing out." (also inside torch 2.x's "[PG 0 Rank 0]
    // Process group watchdog thread terminated with exception: ...").
    "Watchdog caught collective operation timeout",
    // Gloo's tcp/unbound_buffer.cc: "Timed out waiting 1800000ms for recv
    // operation to complete" (and "for send operation").
    "Timed out waiting",
};

bool reports_another_ranks_failure(std::string_view text) {
    return std::any_of(std::begin(kAnotherRanksFailure), std::end(kAnotherRanksFailure),
                       [&](std::string_view words) { return has(text, words); });
}

}  // namespace

std::string_view class_name(FailureClass c) {
    switch (c) {
        case FailureClass::GpuOutOfMemory:
            return "GPU out of memory";
        case FailureClass::HostOutOfMemory:
            return "Host out of memory";
        case FailureClass::CollectiveFailure:
            return "Collective failure (NCCL/Gloo)";
        case FailureClass::CollectiveError:
            return "NCCL/Gloo error";
        case FailureClass::ImportError:
            return "Python import error";
        case FailureClass::MissingFile:
            return "Missing file";
        case FailureClass::NoSpace:
            return "No space left on device";
        case FailureClass::PipInstall:
            return "pip install failed";
        case FailureClass::Signal:
            return "Killed by a signal";
        case FailureClass::Unknown:
            break;
    }
    return "";
}

FailureClass classify(std::string_view error_text, int exit_code, int term_signal, bool oom_killed) {
    // Only a rise of the cgroup's count says the kernel's OOM killer did it: a
    // SIGKILL alone may be anyone's (the toolkit calls every 137 OutOfMemory).
    const bool killed = term_signal == SIGKILL || exit_code == 128 + SIGKILL;
    if (killed && oom_killed) return FailureClass::HostOutOfMemory;
    if (has(error_text, "CUDA out of memory") || has(error_text, "OutOfMemoryError") ||
        has(error_text, "CUDA error: out of memory"))
        return FailureClass::GpuOutOfMemory;
    if (has(error_text, "No space left on device") || has(error_text, "ENOSPC")) return FailureClass::NoSpace;
    if (has(error_text, "ModuleNotFoundError") || has(error_text, "ImportError"))
        return FailureClass::ImportError;
    if (names_a_collective(error_text))
        return reports_another_ranks_failure(error_text) ? FailureClass::CollectiveFailure
                                                         : FailureClass::CollectiveError;
    if (has(error_text, "FileNotFoundError") || has(error_text, "No such file or directory"))
        return FailureClass::MissingFile;
    // Only a real signal: an exit code over 128 may be a program's own (mpirun's 255).
    if (term_signal != 0) return FailureClass::Signal;
    return FailureClass::Unknown;
}

std::optional<std::uint64_t> oom_kill_count(const std::filesystem::path& proc_self_cgroup,
                                            const std::filesystem::path& cgroup_root) {
    const std::string text = read_small_file(proc_self_cgroup).value_or("");
    std::optional<std::string> v1, v2;
    for (std::size_t start = 0; start < text.size();) {
        const std::size_t nl = std::min(text.find('\n', start), text.size());
        const std::string_view line = std::string_view(text).substr(start, nl - start);
        start = nl + 1;
        // "hierarchy-ID:controller-list:path"
        const auto first = line.find(':');
        const auto second = line.find(':', first + 1);
        if (first == std::string_view::npos || second == std::string_view::npos) continue;
        const std::string_view controllers = line.substr(first + 1, second - first - 1);
        const std::string_view path = line.substr(second + 1);
        if (line.substr(0, first) == "0" && controllers.empty()) v2 = std::string(path);
        for (std::size_t c = 0; c <= controllers.size();) {
            const std::size_t comma = std::min(controllers.find(',', c), controllers.size());
            if (controllers.substr(c, comma - c) == "memory") v1 = std::string(path);
            c = comma + 1;
        }
    }
    if (v1) {
        if (auto n = read_key(
                cgroup_root / "memory" / std::filesystem::path(*v1).relative_path() / "memory.oom_control",
                "oom_kill"))
            return n;
    }
    if (v2)
        return read_key(cgroup_root / std::filesystem::path(*v2).relative_path() / "memory.events",
                        "oom_kill");
    return std::nullopt;
}

}  // namespace smtrain::launcher
