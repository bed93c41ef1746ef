// SPDX-License-Identifier: Apache-2.0
#include "failure_class.hpp"

#include <signal.h>
#include <fstream>
#include <sstream>

namespace smtrain::launcher {

namespace {

bool has(std::string_view text, std::string_view what) { return text.find(what) != std::string_view::npos; }

/// The value of `key` in a "key value" per line file (memory.events, memory.oom_control).
std::optional<std::uint64_t> read_key(const std::filesystem::path& file, std::string_view key) {
    std::ifstream in(file);
    std::string name;
    std::uint64_t value = 0;
    while (in >> name >> value) {
        if (name == key) return value;
    }
    return std::nullopt;
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
    const bool collective = has(error_text, "NCCL") || has(error_text, "nccl") || has(error_text, "gloo") ||
                            has(error_text, "Gloo") || has(error_text, "ProcessGroup");
    if (collective) return FailureClass::CollectiveFailure;
    if (has(error_text, "FileNotFoundError") || has(error_text, "No such file or directory"))
        return FailureClass::MissingFile;
    // Only a real signal: an exit code over 128 may be a program's own (mpirun's 255).
    if (term_signal != 0) return FailureClass::Signal;
    return FailureClass::Unknown;
}

std::optional<std::uint64_t> oom_kill_count(const std::filesystem::path& proc_self_cgroup,
                                            const std::filesystem::path& cgroup_root) {
    std::ifstream in(proc_self_cgroup);
    std::string line;
    std::optional<std::string> v1, v2;
    while (std::getline(in, line)) {
        // "hierarchy-ID:controller-list:path"
        const auto first = line.find(':');
        const auto second = line.find(':', first + 1);
        if (first == std::string::npos || second == std::string::npos) continue;
        const std::string controllers = line.substr(first + 1, second - first - 1);
        const std::string path = line.substr(second + 1);
        if (line.compare(0, first, "0") == 0 && controllers.empty()) v2 = path;
        std::stringstream list(controllers);
        for (std::string c; std::getline(list, c, ',');) {
            if (c == "memory") v1 = path;
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
