// SPDX-License-Identifier: Apache-2.0
#include "launcher/devloop/init_command.hpp"

#include "launcher/lifecycle/console.hpp"

#include <smtrain/error.hpp>

#include <cstdio>
#include <system_error>

namespace smtrain::launcher {

namespace fs = std::filesystem;

int run_init(const InitOptions& options) {
    if (options.dir.empty()) throw Error("DIR: the tree's directory is missing", ExitCode::Usage);
    std::error_code ec;
    fs::path base = fs::absolute(options.dir, ec).lexically_normal();
    if (ec) throw Error("DIR " + options.dir + ": " + ec.message(), ExitCode::Usage);
    if (base.filename().empty()) base = base.parent_path();  // "dir/"
    const auto status = fs::symlink_status(base, ec);
    if (fs::exists(status)) {
        if (!fs::is_directory(status))
            throw Error("DIR " + options.dir + ": not a directory", ExitCode::Usage);
        if (!options.force && !fs::is_empty(base, ec)) {
            throw Error("DIR " + options.dir + ": not empty (--force replaces it)", ExitCode::Usage);
        }
    }
    const TreePlan plan = tree_plan(options.tree, base);
    write_tree(plan, base, options.force);
    say("sm-train: wrote the job's tree to " + base.string() +
        "\nrun it: SAGEMAKER_BASE_DIR=" + base.string() + " SM_STUDIO_LOCAL_MODE=true sm-train train");
    return 0;
}

}  // namespace smtrain::launcher
