// SPDX-License-Identifier: Apache-2.0
#pragma once
// Shared helpers of the env tests.

#include <smtrain/training_env.hpp>

#include "support/temp_tree.hpp"

#include <map>
#include <string>

namespace smtrain::testing {

/// Facts fixed by the test, so renderings do not depend on the machine running it.
inline MachineFacts fixed_machine() {
    MachineFacts facts;
    facts.num_cpus = 8;
    facts.num_gpus = 2;
    facts.num_neurons = 0;
    return facts;
}

/// The environment a test tree is loaded with: only what the test says.
inline Environ tree_environ(const TrainingTree& tree, Environ extra = {}) {
    extra.emplace("SAGEMAKER_BASE_DIR", tree.base_string());
    extra.emplace("HOME", tree.path().string());  // no ~/.aws/config from the real home
    return extra;
}

inline TrainingEnv load_tree(const TrainingTree& tree, Environ extra = {}) {
    LoadOptions options;
    options.environ = tree_environ(tree, std::move(extra));
    options.machine = fixed_machine();
    options.default_base = tree.path() / "no-such-opt-ml";
    return TrainingEnv::load(options);
}

inline std::map<std::string, std::string> as_map(const EnvVars& vars) {
    return std::map<std::string, std::string>(vars.begin(), vars.end());
}

/// Replaces every "{base}" in `text` with the tree's base dir.
inline std::string with_base(std::string text, const TrainingTree& tree) {
    const std::string base = tree.base_string();
    for (auto pos = text.find("{base}"); pos != std::string::npos;
         pos = text.find("{base}", pos + base.size())) {
        text.replace(pos, 6, base);
    }
    return text;
}

}  // namespace smtrain::testing
