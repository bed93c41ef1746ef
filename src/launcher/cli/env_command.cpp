// SPDX-License-Identifier: Apache-2.0
#include "launcher/cli/env_command.hpp"

#include "launcher/lifecycle/sdk_v3_job.hpp"
#include "launcher/lifecycle/settings.hpp"

#include <smtrain/training_env.hpp>

#include <iostream>
#include <optional>

namespace smtrain::launcher {

int run_env(EnvFormat format, const Environ& environ) {
    const Settings settings = Settings::from_environment(environ);
    LoadOptions options;
    options.environ = environ;
    TrainingEnv env = TrainingEnv::load(options);
    const std::optional<SdkV3Job> v3 = sdk_v3_job(env, environ);
    // The job's own variables (plan_job in train.cpp), without what its runner
    // adds when it starts the program (--dry-run shows those too).
    EnvVars vars =
        v3 ? v3->variables
           : v2_job_variables(env, environ, env.paths().code, settings.arguments, settings.sdk_v3_variables);
    if (v3) merge_variables(vars, sdk_v3_driver_variables(*v3, env, environ));
    std::cout << format_variables(vars, format);
    std::cout.flush();
    return 0;
}

}  // namespace smtrain::launcher
