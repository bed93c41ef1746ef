// SPDX-License-Identifier: Apache-2.0
#include "launcher/lifecycle/entry_point.hpp"

#include "lib/path_search.hpp"
#include "process/spawn.hpp"
#include "runners/commands.hpp"

#include <smtrain/error.hpp>

#include <unistd.h>

#include <system_error>

namespace smtrain::launcher {

using process::Command;
using runners::EntryKind;
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string env_value(const Environ& env, std::string_view name) {
    auto it = env.find(name);
    return it == env.end() ? std::string() : it->second;
}

}  // namespace

EntryKind entry_point_kind(const std::filesystem::path& code_dir, std::string_view name) {
    // The extension of a shell script decides before setup.py: an old toolkit
    // checked setup.py first and ran `train.sh` as `python -m train.sh`.
    if (ends_with(name, ".sh")) return EntryKind::Command;
    std::error_code ec;
    if (std::filesystem::exists(code_dir / "setup.py", ec)) return EntryKind::PythonPackage;
    if (ends_with(name, ".py")) return EntryKind::PythonProgram;
    return EntryKind::Command;
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

Command program_command(EntryKind kind, const std::filesystem::path& /*code_dir: where it starts*/,
                        const std::string& name, const std::vector<std::string>& args,
                        const std::filesystem::path& python) {
    // The argv is the runners' (one builder for every runner); what is ours is
    // how it starts: the toolkit's shell ran a command as "./name" from the
    // code dir, and the kernel hands a script's interpreter the path execve
    // got, so "./name" keeps `$0` the toolkit's. The child is in the code dir
    // when it calls execve.
    Command command;
    command.argv = runners::program_argv(runners::Program{kind, python.string(), name, args});
    if (kind == EntryKind::Command) {
        command.program = command.argv.front();
        command.sh_fallback_on_enoexec = true;
    } else {
        command.program = python;
    }
    return command;
}

ProgramWords program_words(const TrainingEnv& env, const ArgumentStyle& style) {
    ProgramWords words;
    words.args = env.to_cmd_args(style);
    if (style.kind != ArgumentStyle::Kind::Template) {
        words.entry_point = env.user_entry_point();
        return words;
    }
    auto& argv = words.args;
    std::size_t program_words = 1;
    if (argv.front() == "-m") {
        if (argv.size() < 2) throw ConfigError(style.setting, "", "the template's -m names no module");
        words.entry_point = "-m " + argv[1];
        program_words = 2;
    } else {
        words.entry_point = argv.front();
    }
    argv.erase(argv.begin(), argv.begin() + static_cast<std::ptrdiff_t>(program_words));
    return words;
}

std::optional<InstallStep> install_step(EntryKind kind, const std::filesystem::path& code_dir,
                                        const std::filesystem::path& python) {
    std::error_code ec;
    bool has_requirements = std::filesystem::exists(code_dir / "requirements.txt", ec);
    InstallStep step;
    step.command.program = python;
    // A module is installed as a package when the code dir is one (setup.py), else as a program.
    if (kind == EntryKind::PythonModule)
        kind = std::filesystem::exists(code_dir / "setup.py", ec) ? EntryKind::PythonPackage
                                                                  : EntryKind::PythonProgram;
    if (kind == EntryKind::PythonPackage) {
        step.command.argv = {python.string(), "-m", "pip", "install", "."};
        if (has_requirements) {
            step.command.argv.insert(step.command.argv.end(), {"-r", "requirements.txt"});
            step.reads_requirements = true;
        }
        step.error_class = "InstallModuleError";
        return step;
    }
    if (kind == EntryKind::PythonProgram && has_requirements) {
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
