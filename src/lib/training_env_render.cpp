// SPDX-License-Identifier: Apache-2.0
// The toolkit's renderings: dict(Environment) (SM_TRAINING_ENV), to_env_vars, to_cmd_args.
#include <smtrain/training_env.hpp>

#include "lib/config_files.hpp"
#include "lib/job_runtime_files.hpp"
#include "lib/training_env_internal.hpp"

#include <smtrain/program_args.hpp>
#include "lib/json.hpp"
#include "lib/python_format.hpp"

#include <algorithm>
#include <numeric>

namespace smtrain {

namespace {

Value string_list(const std::vector<std::string>& items) {
    Value::List list;
    list.reserve(items.size());
    for (const auto& item : items) list.emplace_back(item);
    return Value(std::move(list));
}

Value optional_string(const std::optional<std::string>& s) { return s ? Value(*s) : Value(); }

}  // namespace

Value TrainingEnv::training_env() const {
    Value channels = Value::dict();
    for (const auto& [name, dir] : channel_input_dirs_) channels.set(name, dir.string());

    // Every public property of the toolkit's Environment, in dir() (sorted) order.
    Value env = Value::dict();
    Value::Dict& d = env.as_dict();
    d.reserve(37);
    d.emplace_back("additional_framework_parameters", additional_framework_parameters_);
    d.emplace_back("channel_input_dirs", std::move(channels));
    d.emplace_back("current_host", current_host_);
    d.emplace_back("current_instance_group", current_instance_group_);
    d.emplace_back("current_instance_group_hosts", current_instance_group_hosts_value_);
    d.emplace_back("current_instance_type", current_instance_type_);
    d.emplace_back("distribution_hosts", string_list(distribution_hosts_));
    d.emplace_back("distribution_instance_groups", string_list(distribution_instance_groups_));
    d.emplace_back("framework_module", optional_string(framework_module_));
    d.emplace_back("hosts", string_list(hosts_));
    d.emplace_back("hyperparameters", hyperparameters_);
    d.emplace_back("input_config_dir", paths_.input_config.string());
    d.emplace_back("input_data_config", input_data_config_);
    d.emplace_back("input_dir", paths_.input.string());
    d.emplace_back("instance_groups", string_list(instance_groups_));
    d.emplace_back("instance_groups_dict", instance_groups_dict_);
    d.emplace_back("is_hetero", is_hetero_);
    d.emplace_back("is_master", is_master_);
    d.emplace_back("is_modelparallel_enabled", is_modelparallel_enabled_);
    d.emplace_back("is_smddpmprun_installed", is_smddpmprun_installed());
    d.emplace_back("is_smddprun_installed", is_smddprun_installed());
    d.emplace_back("job_name", optional_string(job_name_));
    d.emplace_back("log_level", log_level_);
    d.emplace_back("master_hostname", master_hostname_);
    d.emplace_back("model_dir", paths_.model.string());
    d.emplace_back("module_dir", module_dir_);
    d.emplace_back("module_name", module_name_);
    d.emplace_back("network_interface_name", network_interface_name_);
    d.emplace_back("num_cpus", num_cpus());
    d.emplace_back("num_gpus", num_gpus());
    d.emplace_back("num_neurons", num_neurons());
    d.emplace_back("output_data_dir", paths_.output_data.string());
    d.emplace_back("output_dir", paths_.output.string());
    d.emplace_back("output_intermediate_dir", paths_.output_intermediate.string());
    d.emplace_back("resource_config", resource_config_);
    d.emplace_back("topology", topology_);
    d.emplace_back("user_entry_point", user_entry_point_value_);
    return env;
}

std::vector<std::string> TrainingEnv::to_cmd_args() const { return to_cmd_args(ArgumentStyle{}); }

std::vector<std::string> TrainingEnv::to_cmd_args(const ArgumentStyle& style) const {
    return render_arguments(hyperparameters_, style, {hyperparameters_source_, hyperparameters_path_prefix_});
}

EnvVars TrainingEnv::to_env_vars() const {
    // Each large value is rendered once and used twice: as its own SM_* variable and
    // inside SM_TRAINING_ENV (assembled below from the same pieces, keys in sorted order,
    // which is exactly what dump_json(training_env()) gives).
    Value channels = Value::dict();
    for (const auto& [name, dir] : channel_input_dirs_) channels.set(name, dir.string());
    std::vector<std::string> channel_names;
    for (const auto& channel : channel_input_dirs_) channel_names.push_back(channel.first);
    std::sort(channel_names.begin(), channel_names.end());
    const std::vector<std::string> args = to_cmd_args();

    const std::string hosts = dump_json(string_list(hosts_));
    const std::string hps = dump_json(hyperparameters_);
    const std::string framework_params = dump_json(additional_framework_parameters_);
    const std::string resource_config = dump_json(resource_config_);
    const std::string input_data_config = dump_json(input_data_config_);
    const std::string group_hosts = dump_json(current_instance_group_hosts_value_);
    const std::string instance_groups = dump_json(string_list(instance_groups_));
    const std::string instance_groups_dict = dump_json(instance_groups_dict_);
    const std::string distribution_groups = dump_json(string_list(distribution_instance_groups_));
    const std::string topology = dump_json(topology_);
    const std::string entry_point = dump_json(user_entry_point_value_);
    const std::string log_level = dump_json(log_level_);
    const std::string framework_module = dump_json(optional_string(framework_module_));

    const std::pair<std::string_view, std::string> properties[] = {
        {"additional_framework_parameters", framework_params},
        {"channel_input_dirs", dump_json(channels)},
        {"current_host", dump_json(Value(current_host_))},
        {"current_instance_group", dump_json(Value(current_instance_group_))},
        {"current_instance_group_hosts", group_hosts},
        {"current_instance_type", dump_json(Value(current_instance_type_))},
        {"distribution_hosts", dump_json(string_list(distribution_hosts_))},
        {"distribution_instance_groups", distribution_groups},
        {"framework_module", framework_module},
        {"hosts", hosts},
        {"hyperparameters", hps},
        {"input_config_dir", dump_json(Value(paths_.input_config.string()))},
        {"input_data_config", input_data_config},
        {"input_dir", dump_json(Value(paths_.input.string()))},
        {"instance_groups", instance_groups},
        {"instance_groups_dict", instance_groups_dict},
        {"is_hetero", is_hetero_ ? "true" : "false"},
        {"is_master", is_master_ ? "true" : "false"},
        {"is_modelparallel_enabled", dump_json(is_modelparallel_enabled_)},
        {"is_smddpmprun_installed", is_smddpmprun_installed() ? "true" : "false"},
        {"is_smddprun_installed", is_smddprun_installed() ? "true" : "false"},
        {"job_name", dump_json(optional_string(job_name_))},
        {"log_level", log_level},
        {"master_hostname", dump_json(Value(master_hostname_))},
        {"model_dir", dump_json(Value(paths_.model.string()))},
        {"module_dir", dump_json(Value(module_dir_))},
        {"module_name", dump_json(Value(module_name_))},
        {"network_interface_name", dump_json(Value(network_interface_name_))},
        {"num_cpus", std::to_string(num_cpus())},
        {"num_gpus", std::to_string(num_gpus())},
        {"num_neurons", std::to_string(num_neurons())},
        {"output_data_dir", dump_json(Value(paths_.output_data.string()))},
        {"output_dir", dump_json(Value(paths_.output.string()))},
        {"output_intermediate_dir", dump_json(Value(paths_.output_intermediate.string()))},
        {"resource_config", resource_config},
        {"topology", topology},
        {"user_entry_point", entry_point},
    };
    std::string training_env_json = "{";
    for (const auto& [name, json] : properties) {
        if (training_env_json.size() > 1) training_env_json += ',';
        training_env_json += '"';
        training_env_json += name;
        training_env_json += "\":";
        training_env_json += json;
    }
    training_env_json += '}';

    // A value as mapping.to_env_vars formats it, given its JSON rendering.
    auto env_text = [](const Value& v, const std::string& json) -> std::string {
        if (v.is_string()) return v.as_string();
        if (v.is_null()) return {};
        return json;
    };

    // (key, value) in the toolkit's dict order; names are derived below.
    std::vector<std::pair<std::string, std::string>> entries;
    entries.reserve(40 + channel_input_dirs_.size() + hyperparameters_.as_dict().size());
    entries.emplace_back("hosts", hosts);
    entries.emplace_back("network_interface_name", network_interface_name_);
    entries.emplace_back("hps", hps);
    entries.emplace_back("user_entry_point", env_text(user_entry_point_value_, entry_point));
    entries.emplace_back("framework_params", framework_params);
    entries.emplace_back("resource_config", resource_config);
    entries.emplace_back("input_data_config", input_data_config);
    entries.emplace_back("output_data_dir", paths_.output_data.string());
    entries.emplace_back("channels", dump_json(string_list(channel_names)));
    entries.emplace_back("current_host", current_host_);
    entries.emplace_back("current_instance_type", current_instance_type_);
    entries.emplace_back("current_instance_group", current_instance_group_);
    entries.emplace_back("current_instance_group_hosts", group_hosts);
    entries.emplace_back("instance_groups", instance_groups);
    entries.emplace_back("instance_groups_dict", instance_groups_dict);
    entries.emplace_back("distribution_instance_groups", distribution_groups);
    entries.emplace_back("is_hetero", is_hetero_ ? "true" : "false");
    entries.emplace_back("module_name", module_name_);
    entries.emplace_back("log_level", env_text(log_level_, log_level));
    entries.emplace_back("framework_module", framework_module_.value_or(""));
    entries.emplace_back("input_dir", paths_.input.string());
    entries.emplace_back("input_config_dir", paths_.input_config.string());
    entries.emplace_back("output_dir", paths_.output.string());
    entries.emplace_back("num_cpus", std::to_string(num_cpus()));
    entries.emplace_back("num_gpus", std::to_string(num_gpus()));
    entries.emplace_back("num_neurons", std::to_string(num_neurons()));
    entries.emplace_back("model_dir", paths_.model.string());
    entries.emplace_back("module_dir", module_dir_);
    entries.emplace_back("training_env", std::move(training_env_json));
    entries.emplace_back("user_args", dump_json(string_list(args)));
    entries.emplace_back("output_intermediate_dir", paths_.output_intermediate.string());
    if (topology_.truthy())
        entries.emplace_back("topology", env_text(topology_, topology));  // GB200 UltraServers only
    for (const auto& [name, dir] : channel_input_dirs_) entries.emplace_back("channel_" + name, dir.string());
    for (const auto& [key, value] : hyperparameters_.as_dict())
        entries.emplace_back("hp_" + key, detail::env_value(value));

    EnvVars vars;
    vars.reserve(entries.size() + 4);
    for (auto& [key, value] : entries) vars.emplace_back("SM_" + python_upper(key), std::move(value));

    // Our additions, for programs written for the newer SageMaker drivers and other
    // platforms (docs/compatibility.md); none can collide with the toolkit's names.
    vars.emplace_back("SM_HOST_COUNT", std::to_string(rank_hosts().size()));
    if (auto rank = current_host_rank()) vars.emplace_back("SM_CURRENT_HOST_RANK", std::to_string(*rank));
    vars.emplace_back("SM_MASTER_ADDR", master_hostname_);
    vars.emplace_back("SM_MASTER_PORT", std::to_string(master_port));
    detail::append_job_runtime_vars(runtime_, vars);

    // Names that upper-case alike ("lr" and "LR") collide as dict keys do: the later
    // value wins. Sort stably, then keep the last of each run of equal names.
    std::vector<std::size_t> order(vars.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return vars[a].first < vars[b].first; });
    EnvVars sorted;
    sorted.reserve(vars.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        if (i + 1 < order.size() && vars[order[i]].first == vars[order[i + 1]].first) continue;
        sorted.push_back(std::move(vars[order[i]]));
    }
    for (const auto& [name, value] : sorted) {
        if (value.find('\0') != std::string::npos) {
            throw ConfigError(name, "",
                              "the value holds a NUL character, which an environment variable cannot");
        }
    }
    return sorted;
}

EnvVars TrainingEnv::toolkit_process_env_vars() const {
    EnvVars vars;
    if (created_local_tree_) vars.emplace_back("SAGEMAKER_BASE_DIR", paths_.base.string());
    vars.emplace_back("CURRENT_HOST", current_host_);
    vars.emplace_back("SAGEMAKER_JOB_NAME", sagemaker_job_name_);
    vars.emplace_back("SAGEMAKER_REGION", region_);
    std::sort(vars.begin(), vars.end());
    return vars;
}

}  // namespace smtrain
