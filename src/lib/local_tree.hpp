// SPDX-License-Identifier: Apache-2.0
#pragma once
// Internal: where the /opt/ml tree is, and the local tree the toolkit creates
// when there is none.

#include <smtrain/environ.hpp>
#include <smtrain/paths.hpp>

#include <filesystem>

namespace smtrain {
struct LoadOptions;
}

namespace smtrain::detail {

struct BaseDir {
    std::filesystem::path base;
    bool created_local_tree = false;
};

/// SAGEMAKER_BASE_DIR when set; else `options.default_base` when it exists; else
/// (create_local_tree) a new ~/sagemaker_local/jobs/<time.time()>/opt/ml tree
/// holding `{}` hyperparameters and inputdataconfig and a one-host resourceconfig.
BaseDir resolve_base_dir(const Environ& env, const LoadOptions& options);

/// HOME, else the password database entry, as os.path.expanduser("~").
std::filesystem::path home_dir(const Environ& env);

/// The toolkit creates the code dir on import; best effort here (a read-only
/// tree is not an error: the launcher reports a missing program on its own).
void create_code_dir(const Paths& paths);

}  // namespace smtrain::detail
