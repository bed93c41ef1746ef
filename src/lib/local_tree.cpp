// SPDX-License-Identifier: Apache-2.0
#include "lib/local_tree.hpp"

#include "lib/tree_files.hpp"

#include "lib/config_files.hpp"

#include <smtrain/error.hpp>
#include <smtrain/training_env.hpp>
#include "lib/json.hpp"
#include "lib/python_format.hpp"

#include <pwd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>
#include <fstream>
#include <system_error>
#include <vector>

namespace smtrain::detail {

namespace fs = std::filesystem;

namespace {

std::string this_hostname() {
    std::array<char, 256> name{};
    if (::gethostname(name.data(), name.size() - 1) != 0) return "localhost";
    return std::string(name.data());
}

// str(time.time()): seconds since the epoch as Python's float repr.
std::string python_time_now() {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return python_float_repr(static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9);
}

fs::path create_local_tree(const Environ& env) {
    const fs::path base = home_dir(env) / "sagemaker_local" / "jobs" / python_time_now() / "opt" / "ml";
    const Paths paths = Paths::under(base);
    make_dirs(paths.model);
    make_dirs(paths.input_config);
    make_dirs(paths.output_data);
    write_file(paths.hyperparameters_file(), "{}");
    write_file(paths.input_data_config_file(), "{}");

    // The toolkit's writer names the group key "current_instance_group", which its own
    // reader never looks at; SageMaker (and so our reader) uses "current_group_name".
    const std::string host = this_hostname();
    Value group = Value::dict();
    group.set("instance_group_name", "homogeneousCluster");
    group.set("instance_type", "local");
    group.set("hosts", Value(Value::List{Value(host)}));
    Value resources = Value::dict();
    resources.set("current_host", host);
    resources.set("hosts", Value(Value::List{Value(host)}));
    resources.set("current_group_name", "homogeneousCluster");
    resources.set("instance_groups", Value(Value::List{group}));
    write_file(paths.resource_config_file(), dump_json(resources, {.sort_keys = false, .indent = -1}));
    return base;
}

}  // namespace

fs::path home_dir(const Environ& env) {
    if (auto home = lookup(env, "HOME")) return *home;
    std::vector<char> buffer(16384);
    passwd entry{};
    passwd* result = nullptr;
    if (::getpwuid_r(::getuid(), &entry, buffer.data(), buffer.size(), &result) == 0 && result != nullptr &&
        result->pw_dir != nullptr) {
        return result->pw_dir;
    }
    return "/";
}

BaseDir resolve_base_dir(const Environ& env, const LoadOptions& options) {
    if (auto base = lookup(env, "SAGEMAKER_BASE_DIR")) return {*base, false};
    std::error_code ec;
    if (fs::exists(options.default_base, ec)) return {options.default_base, false};
    if (!options.create_local_tree) {
        throw ConfigError(options.default_base.string(), "",
                          "does not exist and SAGEMAKER_BASE_DIR is not set");
    }
    return {create_local_tree(env), true};
}

void create_code_dir(const Paths& paths) {
    std::error_code ec;
    fs::create_directories(paths.code, ec);  // an existing dir, or a read-only tree, is fine
}

}  // namespace smtrain::detail
