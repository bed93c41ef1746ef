// SPDX-License-Identifier: Apache-2.0
// TrainingEnv::from_environment: the environment any SageMaker launcher exported,
// read back from SM_TRAINING_ENV (dict(Environment) as JSON) and friends.
#include <smtrain/training_env.hpp>

#include "lib/config_files.hpp"
#include "lib/job_runtime_files.hpp"
#include "lib/region.hpp"
#include "lib/training_env_internal.hpp"

#include "lib/json.hpp"
#include "lib/python_format.hpp"

#include <algorithm>

namespace smtrain {

namespace {

using detail::Checker;
using detail::json_path_key;

constexpr std::string_view source = "SM_TRAINING_ENV";

// Typed reads of the optional keys of SM_TRAINING_ENV. Older toolkits wrote fewer
// keys, so only hosts and current_host are required; the rest take the toolkit's
// defaults.
class Fields {
public:
    Fields(const Value::Dict& root, const Checker& check) : root_(root), check_(check) {}

    const Value* find(std::string_view key) const {
        for (const auto& [k, v] : root_) {
            if (k == key) return &v;
        }
        return nullptr;
    }
    std::string path(std::string_view key) const { return json_path_key("$", key); }

    std::string string(std::string_view key, std::string fallback) const {
        const Value* v = find(key);
        return v ? check_.string(*v, path(key)) : std::move(fallback);
    }
    std::optional<std::string> string_or_null(std::string_view key) const {
        const Value* v = find(key);
        if (v == nullptr || v->is_null()) return std::nullopt;
        return check_.string(*v, path(key));
    }
    std::vector<std::string> strings(std::string_view key, std::vector<std::string> fallback) const {
        const Value* v = find(key);
        return v ? check_.string_list(*v, path(key)) : std::move(fallback);
    }
    Value object(std::string_view key) const {
        const Value* v = find(key);
        if (v == nullptr) return Value::dict();
        check_.object(*v, path(key));
        return *v;
    }
    Value any(std::string_view key, Value fallback) const {
        const Value* v = find(key);
        return v ? *v : std::move(fallback);
    }
    std::optional<bool> boolean(std::string_view key) const {
        const Value* v = find(key);
        if (v == nullptr) return std::nullopt;
        if (!v->is_bool()) check_.wrong_type(path(key), "boolean", *v);
        return v->as_bool();
    }
    std::optional<int> count(std::string_view key) const {
        const Value* v = find(key);
        if (v == nullptr) return std::nullopt;
        const auto n = v->is_int() ? v->as_int64() : std::nullopt;
        if (!v->is_int()) check_.wrong_type(path(key), "integer", *v);
        if (!n || *n < 0 || *n > 1'000'000'000)
            check_.fail(path(key), "expected a count, got " + v->int_digits());
        return static_cast<int>(*n);
    }

private:
    const Value::Dict& root_;
    const Checker& check_;
};

// Channel and hyperparameter names become part of SM_CHANNEL_<NAME> / SM_HP_<NAME>:
// refuse what cannot be in an environment variable name, as load() does (found by
// fuzz_from_environment: to_env_vars() rendered "SM_HP_A=B=...").
void refuse_unexportable_name(const Checker& check, const std::string& path, std::string_view name) {
    if (name.find('=') != std::string_view::npos || name.find('\0') != std::string_view::npos) {
        check.fail(path, "a name with '=' or NUL cannot become an environment variable");
    }
}

Value parse_training_env(const Environ& env, const Checker& check) {
    const auto text = lookup(env, source);
    if (!text) check.fail("", "not set (the program was not started by a SageMaker training launcher)");
    try {
        return parse_json(*text, detail::max_json_depth);
    } catch (const JsonSyntaxError& e) {
        check.fail("", std::string("invalid JSON: ") + e.what());
    }
}

}  // namespace

TrainingEnv TrainingEnv::from_environment(const Environ& env) {
    const Checker check{std::string(source)};
    const Value root_value = parse_training_env(env, check);
    const Fields f(check.object(root_value, "$"), check);

    TrainingEnv te;
    // The base is the parent of input_dir unless SAGEMAKER_BASE_DIR says otherwise.
    std::filesystem::path base = "/opt/ml";
    if (auto dir = lookup(env, "SAGEMAKER_BASE_DIR")) {
        base = *dir;
    } else if (f.find("input_dir") != nullptr) {
        base = std::filesystem::path(f.string("input_dir", "")).parent_path();
    }
    te.paths_ = Paths::under(base);
    te.paths_.input = f.string("input_dir", te.paths_.input.string());
    te.paths_.input_data = te.paths_.input / "data";
    te.paths_.input_config = f.string("input_config_dir", te.paths_.input_config.string());
    te.paths_.model = f.string("model_dir", te.paths_.model.string());
    te.paths_.output = f.string("output_dir", te.paths_.output.string());
    te.paths_.output_data = f.string("output_data_dir", te.paths_.output_data.string());
    te.paths_.output_intermediate =
        f.string("output_intermediate_dir", te.paths_.output_intermediate.string());

    const Value channels = f.object("channel_input_dirs");
    for (const auto& [name, dir] : channels.as_dict()) {
        const std::string path = json_path_key("$.channel_input_dirs", name);
        refuse_unexportable_name(check, path, name);
        te.channel_input_dirs_.emplace_back(name, check.string(dir, path));
    }

    te.hosts_ = check.string_list(check.required(root_value.as_dict(), "hosts", "$"), "$.hosts");
    if (te.hosts_.empty()) check.fail("$.hosts", "expected a non-empty array of host names");
    te.current_host_ =
        check.string(check.required(root_value.as_dict(), "current_host", "$"), "$.current_host");
    if (std::find(te.hosts_.begin(), te.hosts_.end(), te.current_host_) == te.hosts_.end()) {
        check.fail("$.current_host", detail::quote_name(te.current_host_) + " is not in $.hosts");
    }
    te.current_instance_type_ = f.string("current_instance_type", "local");
    te.current_instance_group_ = f.string("current_instance_group", "homogeneousCluster");
    te.network_interface_name_ = f.string("network_interface_name", "eth0");
    te.topology_ = f.any("topology", Value::list());
    te.instance_groups_ = f.strings("instance_groups", {});
    te.instance_groups_dict_ = f.object("instance_groups_dict");
    te.current_instance_group_hosts_ = f.strings("current_instance_group_hosts", {});
    te.current_instance_group_hosts_value_ = f.any("current_instance_group_hosts", Value::list());
    te.distribution_instance_groups_ = f.strings("distribution_instance_groups", {});
    te.distribution_hosts_ = f.strings("distribution_hosts", te.hosts_);
    te.master_hostname_ =
        f.string("master_hostname",
                 te.distribution_hosts_.empty() ? te.hosts_.front() : te.distribution_hosts_.front());
    te.is_master_ = f.boolean("is_master").value_or(te.current_host_ == te.master_hostname_);
    te.is_hetero_ = f.boolean("is_hetero").value_or(te.instance_groups_.size() > 1);
    te.distribution_enabled_ =
        std::find(te.distribution_instance_groups_.begin(), te.distribution_instance_groups_.end(),
                  te.current_instance_group_) != te.distribution_instance_groups_.end();

    te.hyperparameters_ = f.object("hyperparameters");
    for (const auto& [key, value] : te.hyperparameters_.as_dict()) {
        refuse_unexportable_name(check, json_path_key("$.hyperparameters", key), key);
    }
    te.hyperparameters_source_ = std::string(source);
    te.hyperparameters_path_prefix_ = "$.hyperparameters";
    te.additional_framework_parameters_ = f.object("additional_framework_parameters");
    // The fixed-list keys (sagemaker_program, ...) are not in SM_TRAINING_ENV; what
    // they decided is, in user_entry_point, module_dir and log_level.
    te.sagemaker_hyperparameters_ = te.additional_framework_parameters_;
    te.resource_config_ = f.object("resource_config");
    te.input_data_config_ = f.object("input_data_config");

    te.user_entry_point_value_ = f.any("user_entry_point", Value());
    if (te.user_entry_point_value_.is_string()) {
        te.user_entry_point_ = te.user_entry_point_value_.as_string();
    } else if (!te.user_entry_point_value_.is_null()) {
        te.user_entry_point_ = python_str(te.user_entry_point_value_);
    }
    te.module_name_ = f.string("module_name", "None");
    te.module_dir_ = f.string("module_dir", te.paths_.code.string());
    te.framework_module_ = f.string_or_null("framework_module");
    te.job_name_ = f.string_or_null("job_name");
    te.log_level_ = f.any("log_level", Value(20));
    te.is_modelparallel_enabled_ = f.any("is_modelparallel_enabled", Value());
    te.sagemaker_job_name_ = lookup(env, "SAGEMAKER_JOB_NAME").value_or("");
    if (auto region = lookup(env, "SAGEMAKER_REGION")) {
        te.region_ = *region;
    } else {
        te.region_ = detail::default_region(env).value_or("");
    }

    te.machine_probe_ = std::make_shared<MachineProbe>();
    const auto cpus = f.count("num_cpus");
    const auto gpus = f.count("num_gpus");
    const auto neurons = f.count("num_neurons");
    const auto smddprun = f.boolean("is_smddprun_installed");
    const auto smddpmprun = f.boolean("is_smddpmprun_installed");
    if (cpus && gpus && neurons && smddprun && smddpmprun) {
        te.machine_probe_->facts = MachineFacts{*cpus, *gpus, *neurons, *smddprun, *smddpmprun};
    }
    te.machine_probe_->environ = env;
    te.machine_probe_->instance_type = te.current_instance_type_;
    te.runtime_ = detail::job_runtime_from_environment(env);
    return te;
}

}  // namespace smtrain
