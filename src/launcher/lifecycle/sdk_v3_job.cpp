// SPDX-License-Identifier: Apache-2.0
#include "launcher/lifecycle/sdk_v3_job.hpp"

#include "launcher/lifecycle/program_env.hpp"

#include "process/command.hpp"
#include "process/spawn.hpp"

#include <smtrain/error.hpp>
#include "lib/json.hpp"

#include <unistd.h>
#include <algorithm>
#include <cerrno>

namespace smtrain::launcher {

using process::Command;
namespace fs = std::filesystem;

namespace {

/// The log_level environment.py wrote into the SM_TRAINING_ENV it exported.
std::optional<Value> sdk_log_level(const Environ& environ) {
    const auto training_env = lookup(environ, "SM_TRAINING_ENV");
    if (!training_env) return std::nullopt;
    try {
        const Value parsed = parse_json(*training_env);
        if (const Value* level = parsed.find("log_level")) return *level;
    } catch (const JsonSyntaxError&) {
    }
    return std::nullopt;
}

}  // namespace

std::optional<SdkV3Job> sdk_v3_job(const TrainingEnv& env, const Environ& environ) {
    auto job = runners::v3::read_job(env);
    if (!job) return std::nullopt;
    SdkV3Job v3;
    // environment.py exports SM_SOURCE_DIR for every job with a sourcecode.json;
    // nothing else sets it before sm-train runs.
    v3.after_sdk_script = environ.contains("SM_SOURCE_DIR") || environ.contains("SM_DISTRIBUTED_CONFIG");
    const bool code_channel = env.input_data_config().find("code") != nullptr;
    v3.from_submit_directory = !v3.after_sdk_script && !code_channel &&
                               env.sagemaker_hyperparameters().find("sagemaker_submit_directory") != nullptr;
    if (v3.from_submit_directory) {
        v3.code_dir = env.paths().code;
    } else if (job->has_source_dir || code_channel) {
        v3.code_dir = env.paths().channel("code");
    } else {
        // No source_dir: sm_train.sh does not cd; the program starts where it was started.
        std::error_code ec;
        v3.code_dir = fs::current_path(ec);
    }
    v3.entry_script = job->entry_script;
    if (v3.entry_script.empty() && env.user_entry_point()) v3.entry_script = *env.user_entry_point();
    if (v3.entry_script.empty()) {
        throw Error(
            "no program to run: the SDK v3 job's sourcecode.json has no entry_script (with "
            "SourceCode(command=\"exec sm-train\"), set entry_script too)",
            ExitCode::NoProgram);
    }
    // The tuner adds sagemaker_program and sagemaker_submit_directory for AWS's
    // containers; they are not the program's.
    const Value::Dict hyperparameters = runners::v3::read_hyperparameters(env, v3.from_submit_directory);
    v3.args = runners::v3::hyperparameter_args(hyperparameters);
    runners::v3::VariableInputs inputs;
    inputs.job = &*job;
    inputs.hyperparameters = hyperparameters;
    inputs.source_dir = v3.from_submit_directory ? env.paths().code : env.paths().channel("code");
    if (v3.after_sdk_script) inputs.log_level = sdk_log_level(environ);
    v3.variables = runners::v3::variables(env, environ, inputs);
    v3.variables.emplace_back("PWD", v3.code_dir.string());
    v3.job = std::move(*job);
    return v3;
}

Command sdk_v3_command(const SdkV3Job& v3, const TrainingEnv& env, const Environ& program_env,
                       const fs::path& python, EnvVars& driver_env) {
    runners::Launch launch = runners::v3::driver_command(v3.job, env, program_env, python.string(), v3.args);
    driver_env = std::move(launch.env);
    const std::string& first = launch.argv.front();
    if (first.starts_with("./")) {
        // A .sh entry: `./train.sh args`, as the driver's `sh -c` runs it. The
        // kernel hands a script's interpreter the path execve got, and the child
        // is in the code dir when it calls execve: "./train.sh" keeps `$0` the driver's.
        return Command{first, std::move(launch.argv), true};
    }
    fs::path program =
        first.find('/') != std::string::npos ? fs::path(first) : process::find_in_path(first, program_env);
    if (program.empty()) throw process::SpawnError(first, "execve", ENOENT);
    return Command{std::move(program), std::move(launch.argv), false};
}

EnvVars sdk_v3_driver_variables(const SdkV3Job& v3, const TrainingEnv& env, const Environ& environ) {
    if (v3.job.driver != runners::v3::Driver::Torchrun) return {};
    return runners::v3::driver_command(v3.job, env, environ, "python3", v3.args).env;
}

void merge_variables(EnvVars& vars, const EnvVars& more) {
    for (const auto& [name, value] : more) {
        auto it = std::find_if(vars.begin(), vars.end(), [&](const auto& v) { return v.first == name; });
        if (it != vars.end()) {
            it->second = value;
        } else {
            vars.emplace_back(name, value);
        }
    }
}

std::optional<InstallStep> sdk_v3_install(const SdkV3Job& v3, const fs::path& python) {
    if (v3.after_sdk_script || v3.job.requirements.empty()) return std::nullopt;
    InstallStep step;
    step.command =
        Command{python, {python.string(), "-m", "pip", "install", "-r", v3.job.requirements}, false};
    step.error_class = "InstallRequirementsError";
    step.reads_requirements = true;
    return step;
}

void add_sdk_v3_names(EnvVars& vars, const TrainingEnv& env, const Environ& environ,
                      const fs::path& code_dir) {
    runners::v3::VariableInputs inputs;
    inputs.hyperparameters = runners::v3::read_hyperparameters(env, true);
    inputs.source_dir = code_dir;
    inputs.master_addr = env.master_hostname();
    for (auto& [name, value] : runners::v3::variables(env, environ, inputs)) {
        const bool known =
            std::any_of(vars.begin(), vars.end(), [&](const auto& v) { return v.first == name; });
        if (!known) vars.emplace_back(std::move(name), std::move(value));
    }
}

EnvVars v2_job_variables(const TrainingEnv& env, const Environ& environ, const fs::path& code_dir,
                         const ArgumentStyle& arguments, bool v3_names) {
    EnvVars vars = exported_variables(env, environ, code_dir, arguments);
    if (v3_names) add_sdk_v3_names(vars, env, environ, code_dir);
    return vars;
}

}  // namespace smtrain::launcher
