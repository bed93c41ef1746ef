// SPDX-License-Identifier: Apache-2.0
#include "entry_point.hpp"

#include "../lib/path_search.hpp"
#include "spawn.hpp"

#include <smtrain/error.hpp>

#include <unistd.h>

#include <system_error>

namespace smtrain::launcher {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string env_value(const Environ& env, std::string_view name) {
    auto it = env.find(name);
    return it == env.end() ? std::string() : it->second;
}

/// Python's str.replace(".py", ""): every occurrence, as the toolkit names the module.
std::string without_py(std::string name) {
    for (std::size_t at; (at = name.find(".py")) != std::string::npos;) name.erase(at, 3);
    return name;
}

}  // namespace

EntryPointKind entry_point_kind(const std::filesystem::path& code_dir, std::string_view name) {
    // The extension of a shell script decides before setup.py: an old toolkit
    // checked setup.py first and ran `train.sh` as `python -m train.sh`.
    if (ends_with(name, ".sh")) return EntryPointKind::Command;
    std::error_code ec;
    if (std::filesystem::exists(code_dir / "setup.py", ec)) return EntryPointKind::PythonPackage;
    if (ends_with(name, ".py")) return EntryPointKind::PythonProgram;
    return EntryPointKind::Command;
}

std::filesystem::path find_python(const std::string& forced, const Environ& env) {
    if (!forced.empty()) {
        std::filesystem::path found = process::find_in_path(forced, env);
        if (found.empty() || access(found.c_str(), X_OK) != 0) {
            throw Error(std::string(kPythonVariable) + "=" + forced + ": not an executable file",
                        ExitCode::NotFound);
        }
        return found;
    }
    for (const char* name : {"python3", "python"}) {
        std::filesystem::path found = process::find_in_path(name, env);
        if (!found.empty()) return found;
    }
    throw Error("no Python interpreter: neither python3 nor python is on PATH (" +
                    lookup(env, "PATH").value_or(std::string(detail::kDefaultPath)) + "); set " +
                    std::string(kPythonVariable) + " to choose one",
                ExitCode::NotFound);
}

Command program_command(EntryPointKind kind, const std::filesystem::path& /*code_dir: where it starts*/,
                        const std::string& name, const std::vector<std::string>& args,
                        const std::filesystem::path& python) {
    Command command;
    switch (kind) {
        case EntryPointKind::PythonPackage:
            command.program = python;
            command.argv = {python.string(), "-m", without_py(name)};
            break;
        case EntryPointKind::PythonProgram:
            command.program = python;
            command.argv = {python.string(), name};
            break;
        case EntryPointKind::Command:
            // The toolkit's shell runs "./name" from the code dir, and the kernel
            // hands a script's interpreter the path execve got: "./name" keeps
            // `$0` the toolkit's. The child is in the code dir when it calls execve.
            command.program = "./" + name;
            command.argv = {"./" + name};
            command.sh_fallback_on_enoexec = true;
            break;
    }
    command.argv.insert(command.argv.end(), args.begin(), args.end());
    return command;
}

std::optional<InstallStep> install_step(EntryPointKind kind, const std::filesystem::path& code_dir,
                                        const std::filesystem::path& python) {
    std::error_code ec;
    bool has_requirements = std::filesystem::exists(code_dir / "requirements.txt", ec);
    InstallStep step;
    step.command.program = python;
    if (kind == EntryPointKind::PythonPackage) {
        step.command.argv = {python.string(), "-m", "pip", "install", "."};
        if (has_requirements) {
            step.command.argv.insert(step.command.argv.end(), {"-r", "requirements.txt"});
            step.reads_requirements = true;
        }
        step.error_class = "InstallModuleError";
        return step;
    }
    if (kind == EntryPointKind::PythonProgram && has_requirements) {
        step.command.argv = {python.string(), "-m", "pip", "install", "-r", "requirements.txt"};
        step.error_class = "InstallRequirementsError";
        step.reads_requirements = true;
        return step;
    }
    return std::nullopt;
}

void use_warm_pool_pip_cache(InstallStep& step, const Environ& environ) {
    const std::string cache = env_value(environ, "SAGEMAKER_MANAGED_WARMPOOL_CACHE_DIRECTORY");
    if (cache.empty() || environ.count("PIP_CACHE_DIR")) return;
    step.env.emplace_back("PIP_CACHE_DIR", (std::filesystem::path(cache) / "pip").string());
}

}  // namespace smtrain::launcher
