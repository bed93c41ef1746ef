// SPDX-License-Identifier: Apache-2.0
// TrainingEnv::load: the toolkit's Environment() over an /opt/ml tree.
#include <smtrain/training_env.hpp>

#include "lib/cluster.hpp"
#include "lib/config_files.hpp"
#include "lib/job_runtime_files.hpp"
#include "lib/local_tree.hpp"
#include "lib/region.hpp"
#include "lib/training_env_internal.hpp"

#include "lib/json.hpp"
#include "lib/machine_probe.hpp"
#include "lib/python_format.hpp"

#include <algorithm>

namespace smtrain {

namespace {

using detail::Checker;
using detail::json_path_key;

bool is_fixed_sagemaker_key(std::string_view key) {
    const auto& keys = sagemaker_hyperparameter_keys();
    return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// json.loads(v) for string values, kept as they are when that fails (or when the
// value is not a string: json.loads raises TypeError and the toolkit keeps it).
Value decode_hyperparameter(const Value& v) {
    if (!v.is_string()) return v;
    const std::string& text = v.as_string();
    // Plain words ("resnet", "plain text") cannot start a JSON value; skipping them
    // here gives the same result as the failed parse without the cost of a throw.
    const auto first = text.find_first_not_of(" \t\n\r");
    if (first == std::string::npos ||
        std::string_view("{[\"-0123456789tfnNI").find(text[first]) == std::string_view::npos) {
        return v;
    }
    try {
        return parse_json(text, detail::max_json_depth);
    } catch (const JsonSyntaxError&) {
        return v;
    }
}

struct Hyperparameters {
    Value user = Value::dict();
    Value sagemaker = Value::dict();   // fixed list + every sagemaker_* key
    Value additional = Value::dict();  // sagemaker_* keys outside the fixed list
};

Hyperparameters read_hyperparameters(const Value& root_value) {
    const Checker check("hyperparameters.json");
    const Value::Dict& root = check.object(root_value, "$");
    Hyperparameters hp;
    for (const auto& [key, raw] : root) {
        // The toolkit would fail later, when it exports SM_HP_<key> (os.environ
        // refuses such names); say so at once and precisely.
        if (key.find('=') != std::string::npos || key.find('\0') != std::string::npos) {
            check.fail(json_path_key("$", key),
                       "a name with '=' or NUL cannot become an environment variable");
        }
        Value value = decode_hyperparameter(raw);
        const bool fixed = is_fixed_sagemaker_key(key);
        if (fixed || key.starts_with("sagemaker_")) {
            if (!fixed) hp.additional.as_dict().emplace_back(key, value);
            hp.sagemaker.as_dict().emplace_back(key, std::move(value));
        } else {
            hp.user.as_dict().emplace_back(key, std::move(value));
        }
    }
    return hp;
}

// inputdataconfig.json: channel name -> its settings. A name becomes a directory
// under input/data and part of SM_CHANNEL_<NAME>, so names that would leave that
// directory or break the variable are refused.
std::vector<std::pair<std::string, std::filesystem::path>> read_channels(const Value& root_value,
                                                                         const Paths& paths) {
    const Checker check("inputdataconfig.json");
    const Value::Dict& root = check.object(root_value, "$");
    std::vector<std::pair<std::string, std::filesystem::path>> channels;
    channels.reserve(root.size());
    for (const auto& [name, config] : root) {
        const std::string path = json_path_key("$", name);
        if (name.empty()) check.fail(path, "channel name is empty");
        if (name == "." || name == "..")
            check.fail(path, "channel name " + detail::quote_name(name) + " is not a directory name");
        if (name.find('/') != std::string::npos) check.fail(path, "channel name contains '/'");
        if (name.find('\0') != std::string::npos) check.fail(path, "channel name contains NUL");
        if (name.find('=') != std::string::npos) {
            check.fail(path, "channel name contains '=', which cannot be in an environment variable name");
        }
        check.object(config, path);
        channels.emplace_back(name, paths.channel(name));
    }
    return channels;
}

}  // namespace

const std::vector<std::string_view>& sagemaker_hyperparameter_keys() {
    static const std::vector<std::string_view> keys = {
        "sagemaker_program",        "sagemaker_submit_directory",    "sagemaker_enable_cloudwatch_metrics",
        "sagemaker_region",         "sagemaker_container_log_level", "sagemaker_job_name",
        "default_user_module_name", "_tuning_objective_metric",      "sagemaker_s3_output",
    };
    return keys;
}

namespace detail {

std::string env_value(const Value& v) {
    if (v.is_string()) return v.as_string();
    if (v.is_null()) return {};
    return dump_json(v);
}

Value modelparallel_enabled(const Environ& env) {
    const auto mp = lookup(env, "SM_HP_MP_PARAMETERS");
    if (!mp) return Value();
    if (mp->empty()) return Value("");
    return Value(*mp != "{}");
}

}  // namespace detail

TrainingEnv TrainingEnv::load(const LoadOptions& options) {
    Environ env = options.environ ? *options.environ : current_environ();
    const detail::BaseDir base = detail::resolve_base_dir(env, options);

    TrainingEnv te;
    te.paths_ = Paths::under(base.base);
    te.created_local_tree_ = base.created_local_tree;
    detail::create_code_dir(te.paths_);

    // The toolkit's order: resource config, input data config, hyperparameters.
    Value resource_config = detail::read_json_file(te.paths_.resource_config_file());
    detail::ResourceConfig rc =
        detail::parse_resource_config(resource_config, Checker("resourceconfig.json"));
    Value input_data_config = detail::read_json_file(te.paths_.input_data_config_file());
    te.channel_input_dirs_ = read_channels(input_data_config, te.paths_);
    Hyperparameters hp = read_hyperparameters(detail::read_json_file(te.paths_.hyperparameters_file()));

    detail::ClusterLayout cluster =
        detail::derive_cluster(rc, hp.additional, Checker("hyperparameters.json"), "$");
    te.hosts_ = std::move(rc.hosts);
    te.current_host_ = std::move(rc.current_host);
    te.current_instance_type_ = std::move(rc.current_instance_type);
    te.current_instance_group_ = std::move(rc.current_instance_group);
    te.network_interface_name_ = std::move(rc.network_interface_name);
    te.topology_ = std::move(rc.topology);
    te.instance_groups_ = std::move(cluster.instance_groups);
    te.instance_groups_dict_ = std::move(cluster.instance_groups_dict);
    te.current_instance_group_hosts_value_ = std::move(cluster.current_instance_group_hosts_value);
    te.current_instance_group_hosts_ = std::move(cluster.current_instance_group_hosts);
    te.distribution_instance_groups_ = std::move(cluster.distribution_instance_groups);
    te.distribution_hosts_ = std::move(cluster.distribution_hosts);
    te.master_hostname_ = std::move(cluster.master_hostname);
    te.is_master_ = cluster.is_master;
    te.is_hetero_ = cluster.is_hetero;
    te.distribution_enabled_ = cluster.distribution_enabled;

    const Value& sm = hp.sagemaker;
    // SAGEMAKER_PROGRAM (even empty) names the module; an empty one still lets the
    // hyperparameter be the entry point, as the toolkit's `env or hp` does.
    const auto program_env = lookup(env, "SAGEMAKER_PROGRAM");
    const Value* program_hp = sm.find("sagemaker_program");
    const std::string module_source =
        program_env ? *program_env : python_str(program_hp ? *program_hp : Value());
    te.module_name_ =
        module_source.ends_with(".py") ? module_source.substr(0, module_source.size() - 3) : module_source;
    if (program_env && !program_env->empty()) {
        te.user_entry_point_value_ = *program_env;
    } else if (program_hp != nullptr) {
        te.user_entry_point_value_ = *program_hp;
    }
    if (te.user_entry_point_value_.is_string()) {
        te.user_entry_point_ = te.user_entry_point_value_.as_string();
    } else if (!te.user_entry_point_value_.is_null()) {
        te.user_entry_point_ = python_str(te.user_entry_point_value_);
    }

    // The toolkit ignores SAGEMAKER_SUBMIT_DIRECTORY and SAGEMAKER_CONTAINER_LOG_LEVEL here:
    // it reads them and then overwrites them with the hyperparameter or the default.
    const Value* submit_dir = sm.find("sagemaker_submit_directory");
    te.module_dir_ = submit_dir ? python_str(*submit_dir) : te.paths_.code.string();
    if (const Value* level = sm.find("sagemaker_container_log_level")) te.log_level_ = *level;
    if (const Value* s3 = sm.find("sagemaker_s3_output")) te.sagemaker_s3_output_ = *s3;
    te.framework_module_ = lookup(env, "SAGEMAKER_TRAINING_MODULE");
    te.job_name_ = lookup(env, "TRAINING_JOB_NAME");
    const Value* job = sm.find("sagemaker_job_name");
    te.sagemaker_job_name_ = job ? detail::env_value(*job) : std::string();
    if (const Value* region = sm.find("sagemaker_region")) {
        te.region_ = region->truthy() ? detail::env_value(*region) : std::string();
    } else {
        te.region_ = detail::default_region(env).value_or("");
    }
    te.is_modelparallel_enabled_ = detail::modelparallel_enabled(env);

    te.hyperparameters_ = std::move(hp.user);
    te.additional_framework_parameters_ = std::move(hp.additional);
    te.sagemaker_hyperparameters_ = std::move(hp.sagemaker);
    te.resource_config_ = std::move(resource_config);
    te.input_data_config_ = std::move(input_data_config);
    te.runtime_ = detail::read_job_runtime(te.paths_, env, options.max_runtime);

    te.machine_probe_ = std::make_shared<MachineProbe>();
    te.machine_probe_->facts = options.machine;
    te.machine_probe_->instance_type = te.current_instance_type_;
    te.machine_probe_->environ = std::move(env);
    return te;
}

const MachineFacts& TrainingEnv::machine() const {
    MachineProbe& probe = *machine_probe_;
    std::call_once(probe.once, [&probe] {
        if (!probe.facts) probe.facts = probe_machine(probe.environ, probe.instance_type);
    });
    return *probe.facts;
}

std::filesystem::path TrainingEnv::channel(std::string_view name) const {
    for (const auto& [channel_name, dir] : channel_input_dirs_) {
        if (channel_name == name) return dir;
    }
    throw LookupError("Channel " + std::string(name) + " is not a valid channel");
}

std::optional<std::string> TrainingEnv::sagemaker_s3_output() const {
    if (sagemaker_s3_output_.is_string()) return sagemaker_s3_output_.as_string();
    return std::nullopt;
}

int TrainingEnv::log_level() const {
    const Value& level = log_level_;
    if (auto n = level.is_int() ? level.as_int64() : std::nullopt)
        return static_cast<int>(std::clamp<std::int64_t>(*n, 0, 100));
    if (level.is_string()) {
        const std::string& s = level.as_string();
        for (auto [name, value] : {std::pair{"DEBUG", 10},
                                   {"INFO", 20},
                                   {"WARNING", 30},
                                   {"WARN", 30},
                                   {"ERROR", 40},
                                   {"CRITICAL", 50},
                                   {"FATAL", 50}}) {
            if (s == name) return value;
        }
    }
    return 20;
}

const std::vector<std::string>& TrainingEnv::rank_hosts() const {
    return distribution_hosts_.empty() ? hosts_ : distribution_hosts_;
}

std::optional<std::size_t> TrainingEnv::current_host_rank() const {
    const auto& hosts = rank_hosts();
    const auto it = std::find(hosts.begin(), hosts.end(), current_host_);
    if (it == hosts.end()) return std::nullopt;
    return static_cast<std::size_t>(it - hosts.begin());
}

}  // namespace smtrain
