// SPDX-License-Identifier: Apache-2.0
#include "launcher/lifecycle/program_env.hpp"

#include "launcher/lifecycle/entry_point.hpp"
#include "runners/framework_env.hpp"

#include "lib/json.hpp"

namespace smtrain::launcher {

EnvVars exported_variables(const TrainingEnv& env, const Environ& parent,
                           const std::filesystem::path& code_dir, const ArgumentStyle& style) {
    EnvVars vars = env.to_env_vars();
    if (style.kind != ArgumentStyle::Kind::Argparse) {
        ProgramWords words = program_words(env, style);
        Value::List args;
        for (auto& arg : words.args) args.emplace_back(std::move(arg));
        const std::string user_args = dump_json(Value(std::move(args)));
        for (auto& [name, value] : vars) {
            if (name == "SM_USER_ARGS") value = user_args;
        }
    }
    for (auto& var : env.toolkit_process_env_vars()) vars.push_back(std::move(var));
    for (auto& var : runners::framework_env_vars(env)) vars.push_back(std::move(var));
    // The toolkit puts the code dir first on sys.path and exports sys.path;
    // we have no interpreter's sys.path, so keep whatever PYTHONPATH was given.
    std::string pythonpath = code_dir.string();
    if (auto it = parent.find("PYTHONPATH"); it != parent.end() && !it->second.empty()) {
        pythonpath += ":" + it->second;
    }
    vars.emplace_back("PYTHONPATH", std::move(pythonpath));
    // The toolkit's shell sets PWD to the directory it starts in; programs (and
    // torchrun's and mpirun's children) start in the code dir here too.
    vars.emplace_back("PWD", code_dir.string());
    return vars;
}

Environ program_environment(const TrainingEnv& env, const Environ& parent,
                            const std::filesystem::path& code_dir) {
    return program_environment(parent, exported_variables(env, parent, code_dir));
}

Environ program_environment(const Environ& parent, const EnvVars& exported) {
    Environ result = parent;
    for (const auto& [name, value] : exported) result.insert_or_assign(name, value);
    return result;
}

}  // namespace smtrain::launcher
