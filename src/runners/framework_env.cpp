// SPDX-License-Identifier: Apache-2.0
#include "runners/framework_env.hpp"

#include <smtrain/error.hpp>
#include "lib/json.hpp"

#include <algorithm>

namespace smtrain::runners {
namespace {

bool enabled(const TrainingEnv& env, std::string_view key) {
    const Value* v = env.additional_framework_parameters().find(key);
    return v != nullptr && v->truthy();
}

std::size_t index_of(const std::vector<std::string>& hosts, const std::string& host) {
    const auto it = std::find(hosts.begin(), hosts.end(), host);
    if (it == hosts.end()) {
        throw ConfigError("resourceconfig.json", "$.current_host",
                          "\"" + host + "\" is not one of the distribution hosts");
    }
    return static_cast<std::size_t>(it - hosts.begin());
}

/// `["h1:port", "h2:port"]` with Python's json.dumps spacing and escaping.
std::string addresses(const std::vector<std::string>& hosts, std::size_t from, std::string_view port) {
    std::string out = "[";
    for (std::size_t i = from; i < hosts.size(); ++i) {
        if (i > from) out += ", ";
        out += dump_json(Value(hosts[i] + ":" + std::string(port)));
    }
    return out + "]";
}

std::string task(std::size_t index, std::string_view type) {
    return "\"task\": {\"index\": " + std::to_string(index) + ", \"type\": \"" + std::string(type) + "\"}";
}

}  // namespace

bool parameter_server_enabled(const TrainingEnv& env) {
    return enabled(env, "sagemaker_parameter_server_enabled") && env.hosts().size() > 1;
}

std::string tf_config_for_parameter_servers(const std::vector<std::string>& hosts,
                                            const std::string& current_host) {
    const std::size_t index = index_of(hosts, current_host);
    // The first host is the master; with several hosts, every host also runs a
    // parameter server and the others are workers.
    std::string cluster = "{\"master\": [" + dump_json(Value(hosts.front() + ":2222")) + "]";
    if (hosts.size() > 1) {
        cluster += ", \"ps\": " + addresses(hosts, 0, "2223");
        cluster += ", \"worker\": " + addresses(hosts, 1, "2222");
    }
    cluster += "}";
    const std::string own_task = index == 0 ? task(0, "master") : task(index - 1, "worker");
    return "{\"cluster\": " + cluster + ", \"environment\": \"cloud\", " + own_task + "}";
}

std::string tf_config_for_multi_worker_mirrored(const std::vector<std::string>& hosts,
                                                const std::string& current_host) {
    const std::size_t index = index_of(hosts, current_host);
    return "{\"cluster\": {\"worker\": " + addresses(hosts, 0, "8890") + "}, \"environment\": \"cloud\", " +
           task(index, "worker") + "}";
}

EnvVars framework_env_vars(const TrainingEnv& env) {
    EnvVars vars;
    // A framework image's own function (SAGEMAKER_TRAINING_MODULE) is the container's
    // training.py: it sets these itself.
    if (env.framework_module()) return vars;
    if (parameter_server_enabled(env)) {
        if (!env.distribution_enabled()) {
            throw ConfigError("hyperparameters.json", "$.sagemaker_parameter_server_enabled",
                              "instance group " + env.current_instance_group() +
                                  " does not take part in distribution, so this host cannot run a parameter "
                                  "server job");
        }
        vars.emplace_back("TF_CONFIG",
                          tf_config_for_parameter_servers(env.distribution_hosts(), env.current_host()));
    } else if (env.distribution_enabled() &&
               enabled(env, "sagemaker_multi_worker_mirrored_strategy_enabled")) {
        vars.emplace_back("TF_CONFIG",
                          tf_config_for_multi_worker_mirrored(env.distribution_hosts(), env.current_host()));
    }
    // A parameter-server job is the TensorFlow container's, whatever else is set.
    const bool pytorch_job = enabled(env, "sagemaker_pytorch_ddp_enabled") ||
                             enabled(env, "sagemaker_torch_distributed_enabled") ||
                             enabled(env, "sagemaker_pytorch_xla_multi_worker_enabled");
    if (pytorch_job && !parameter_server_enabled(env)) {
        vars.emplace_back("NCCL_SOCKET_IFNAME", env.network_interface_name());
        // The PyTorch container: IP sockets, not InfiniBand, and quiet NCCL by default.
        vars.emplace_back("NCCL_IB_DISABLE", "1");
        vars.emplace_back("NCCL_DEBUG", "WARN");
        vars.emplace_back("MASTER_ADDR", env.master_hostname());
        vars.emplace_back("MASTER_PORT", "7777");
    }
    return vars;
}

}  // namespace smtrain::runners
