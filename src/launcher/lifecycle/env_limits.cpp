// SPDX-License-Identifier: Apache-2.0
#include "launcher/lifecycle/env_limits.hpp"

#include <smtrain/error.hpp>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

namespace smtrain::launcher {
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kPointer = sizeof(char*);
// Room for what the kernel adds for a script (#! interpreter, its argument, the
// script path again) and for the /bin/sh fallback on ENOEXEC.
constexpr std::size_t kScriptMargin = 8192;

std::size_t variable_size(const std::string& name, const std::string& value) {
    return name.size() + 1 + value.size() + 1;  // "NAME=value\0"
}

[[noreturn]] void cannot_spill(const fs::path& path, const char* step, int error_number) {
    throw Error("cannot write " + path.string() + " (for a variable too long to pass to the program): " +
                    step + ": " + strerror(error_number),
                ExitCode::CannotWrite);
}

/// The private directory the values go to, made on first use.
class SpillDir {
public:
    explicit SpillDir(fs::path parent) : parent_(std::move(parent)) {}

    fs::path write(const std::string& name, const std::string& value) {
        if (!dir_) {
            std::string pattern = (parent_ / "sm-train-env-XXXXXX").string();
            if (mkdtemp(pattern.data()) == nullptr) cannot_spill(pattern, "mkdtemp", errno);
            dir_ = fs::path(pattern);
        }
        fs::path file = *dir_ / name;
        int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) cannot_spill(file, "open", errno);
        std::string_view rest = value;
        while (!rest.empty()) {
            ssize_t n = ::write(fd, rest.data(), rest.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                int saved = n < 0 ? errno : ENOSPC;
                close(fd);
                cannot_spill(file, "write", saved);
            }
            rest.remove_prefix(static_cast<std::size_t>(n));
        }
        if (close(fd) != 0) cannot_spill(file, "close", errno);
        return file;
    }

private:
    fs::path parent_;
    std::optional<fs::path> dir_;
};

/// What argv and envp together may take, the margin kept for a script's interpreter.
std::size_t total_budget(const ExecLimits& limits) {
    return limits.max_total > kScriptMargin ? limits.max_total - kScriptMargin : 0;
}

}  // namespace

ExecLimits ExecLimits::of_this_process() {
    // fs/exec.c: min(6 MiB, stack limit / 4), but never under 32 pages.
    constexpr std::size_t kCeiling = 8u * 1024 * 1024 / 4 * 3;
    ExecLimits limits;
    rlimit stack{};
    std::size_t quarter = kCeiling;
    if (getrlimit(RLIMIT_STACK, &stack) == 0 && stack.rlim_cur != RLIM_INFINITY) {
        quarter = static_cast<std::size_t>(stack.rlim_cur / 4);
    }
    limits.max_total = std::max(std::min(kCeiling, quarter), limits.max_string);
    return limits;
}

std::size_t exec_size(const fs::path& program, const std::vector<std::string>& argv, const Environ& env) {
    std::size_t total = program.string().size() + 1;
    for (const auto& arg : argv) total += arg.size() + 1 + kPointer;
    for (const auto& [name, value] : env) total += variable_size(name, value) + kPointer;
    return total;
}

bool fits_exec_limits(const fs::path& program, const std::vector<std::string>& argv, const Environ& env,
                      const ExecLimits& limits) {
    const std::size_t budget = total_budget(limits);
    for (const auto& arg : argv) {
        if (arg.size() + 1 > limits.max_string) return false;
    }
    for (const auto& [name, value] : env) {
        if (variable_size(name, value) > limits.max_string) return false;
    }
    return exec_size(program, argv, env) <= budget;
}

std::vector<SpilledVariable> fit_exec_limits(const fs::path& program, const std::vector<std::string>& argv,
                                             Environ& env, const std::set<std::string, std::less<>>& movable,
                                             const fs::path& spill_parent, const ExecLimits& limits) {
    const std::size_t budget = total_budget(limits);
    std::size_t argv_size = program.string().size() + 1;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        if (argv[i].size() + 1 > limits.max_string) {
            throw Error("argument " + std::to_string(i) + " of the program (" + argv[i].substr(0, 40) +
                            "...) is " + std::to_string(argv[i].size()) + " bytes, over Linux's limit of " +
                            std::to_string(limits.max_string - 1) +
                            " bytes for one argument (MAX_ARG_STRLEN): shorten that hyperparameter",
                        ExitCode::BadConfig);
        }
        argv_size += argv[i].size() + 1 + kPointer;
    }
    if (argv_size > budget) {
        throw Error(
            "the program's arguments are " + std::to_string(argv_size) + " bytes, over Linux's limit of " +
                std::to_string(budget) +
                " bytes for arguments and environment together (ARG_MAX, a quarter of the stack limit): "
                "pass fewer or shorter hyperparameters",
            ExitCode::BadConfig);
    }

    SpillDir dir(spill_parent);
    std::vector<SpilledVariable> spilled;
    auto spill = [&](const std::string& name, bool over_string_limit) {
        auto it = env.find(name);
        SpilledVariable moved{name, dir.write(name, it->second), it->second.size(), over_string_limit};
        env.erase(it);
        env[name + kFileSuffix] = moved.file.string();
        spilled.push_back(std::move(moved));
    };

    // First what the kernel refuses whatever the total.
    std::vector<std::string> too_long;
    for (const auto& [name, value] : env) {
        if (variable_size(name, value) > limits.max_string && movable.count(name)) too_long.push_back(name);
    }
    for (const auto& name : too_long) spill(name, true);

    // Then the largest of the rest, until the whole fits.
    std::size_t total = exec_size(program, argv, env);
    if (total > budget) {
        std::vector<std::pair<std::size_t, std::string>> candidates;
        for (const auto& [name, value] : env) {
            if (movable.count(name)) candidates.emplace_back(variable_size(name, value), name);
        }
        std::sort(candidates.begin(), candidates.end(), std::greater<>());
        for (const auto& [size, name] : candidates) {
            if (total <= budget) break;
            spill(name, false);
            total = exec_size(program, argv, env);
        }
    }
    for (const auto& [name, value] : env) {
        if (variable_size(name, value) > limits.max_string) {
            throw Error(
                "the environment variable " + name + " is " + std::to_string(value.size()) +
                    " bytes, over Linux's limit of " + std::to_string(limits.max_string - 1) +
                    " bytes for one string (MAX_ARG_STRLEN); it comes from sm-train's own environment",
                ExitCode::BadConfig);
        }
    }
    if (total > budget) {
        throw Error(
            "the program's arguments and environment are " + std::to_string(total) +
                " bytes, over Linux's limit of " + std::to_string(budget) +
                " bytes (ARG_MAX, a quarter of the stack limit), even with every SM_* value in a file",
            ExitCode::BadConfig);
    }
    return spilled;
}

}  // namespace smtrain::launcher
