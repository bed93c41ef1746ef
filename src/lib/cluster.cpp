// SPDX-License-Identifier: Apache-2.0
#include "lib/cluster.hpp"

#include "lib/config_files.hpp"

#include <algorithm>
#include <unordered_set>

namespace smtrain::detail {

namespace {

const std::string* optional_string(const Value::Dict& root, std::string_view key, const Checker& check) {
    for (const auto& [k, v] : root) {
        if (k == key) return &check.string(v, json_path_key("$", key));
    }
    return nullptr;
}

const Value* find_key(const Value::Dict& d, std::string_view key) {
    for (const auto& [k, v] : d) {
        if (k == key) return &v;
    }
    return nullptr;
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

ResourceConfig parse_resource_config(const Value& root_value, const Checker& check) {
    const Value::Dict& root = check.object(root_value, "$");
    ResourceConfig rc;

    rc.hosts = check.string_list(check.required(root, "hosts", "$"), "$.hosts");
    if (rc.hosts.empty()) check.fail("$.hosts", "expected a non-empty array of host names");
    std::unordered_set<std::string_view> seen;
    for (std::size_t i = 0; i < rc.hosts.size(); ++i) {
        if (!seen.insert(rc.hosts[i]).second) {
            check.fail(json_path_index("$.hosts", i), "duplicate host " + quote_name(rc.hosts[i]));
        }
    }

    rc.current_host = check.string(check.required(root, "current_host", "$"), "$.current_host");
    if (!seen.contains(rc.current_host))
        check.fail("$.current_host", quote_name(rc.current_host) + " is not in $.hosts");

    if (auto* type = optional_string(root, "current_instance_type", check)) rc.current_instance_type = *type;
    // SageMaker writes current_group_name; the toolkit's own local-mode writer wrote
    // current_instance_group, so trees made by it are read too.
    if (auto* group = optional_string(root, "current_group_name", check)) {
        rc.current_instance_group = *group;
    } else if (auto* old_group = optional_string(root, "current_instance_group", check)) {
        rc.current_instance_group = *old_group;
    }
    if (auto* nic = optional_string(root, "network_interface_name", check)) rc.network_interface_name = *nic;
    if (const Value* topology = find_key(root, "topology")) rc.topology = *topology;

    if (const Value* groups = find_key(root, "instance_groups")) {
        const Value::List& items = check.array(*groups, "$.instance_groups");
        rc.instance_groups.reserve(items.size());
        for (std::size_t i = 0; i < items.size(); ++i) {
            const std::string path = json_path_index("$.instance_groups", i);
            const Value::Dict& group = check.object(items[i], path);
            InstanceGroup g;
            g.name = check.string(check.required(group, "instance_group_name", path),
                                  json_path_key(path, "instance_group_name"));
            const std::string hosts_path = json_path_key(path, "hosts");
            g.hosts = check.string_list(check.required(group, "hosts", path), hosts_path);
            // A group naming a host outside the cluster would make it master or a rank
            // that never starts: refuse it here rather than hang in the first collective.
            for (std::size_t h = 0; h < g.hosts.size(); ++h) {
                if (!seen.contains(g.hosts[h])) {
                    check.fail(json_path_index(hosts_path, h), quote_name(g.hosts[h]) + " is not in $.hosts");
                }
            }
            g.raw = &items[i];
            rc.instance_groups.push_back(std::move(g));
        }
    }
    return rc;
}

ClusterLayout derive_cluster(const ResourceConfig& rc, const Value& afp, const Checker& hp_check,
                             const std::string& hp_prefix) {
    ClusterLayout c;
    for (const InstanceGroup& g : rc.instance_groups) {
        c.instance_groups.push_back(g.name);
        c.instance_groups_dict.set(g.name, *g.raw);  // a repeated name replaces in place, as a dict does
    }
    // The first group of the current name gives the current group's hosts.
    for (const InstanceGroup& g : rc.instance_groups) {
        if (g.name == rc.current_instance_group) {
            c.current_instance_group_hosts = g.hosts;
            const Value* hosts = g.raw->find("hosts");
            c.current_instance_group_hosts_value = *hosts;
            break;
        }
    }

    if (const Value* given = afp.find("sagemaker_distribution_instance_groups")) {
        c.distribution_instance_groups =
            hp_check.string_list(*given, json_path_key(hp_prefix, "sagemaker_distribution_instance_groups"));
    } else {
        static constexpr std::string_view flags[] = {
            "sagemaker_mpi_enabled",
            "sagemaker_parameter_server_enabled",
            "sagemaker_distributed_dataparallel_enabled",
            "sagemaker_pytorch_ddp_enabled",
            "sagemaker_pytorch_xla_multi_worker_enabled",
            "sagemaker_multi_worker_mirrored_strategy_enabled",
            "sagemaker_torch_distributed_enabled",
        };
        const bool enabled = std::any_of(std::begin(flags), std::end(flags), [&](std::string_view flag) {
            const Value* v = afp.find(flag);
            return v != nullptr && v->truthy();
        });
        if (enabled) c.distribution_instance_groups.push_back(rc.current_instance_group);
    }

    if (!rc.instance_groups.empty()) {
        for (const InstanceGroup& g : rc.instance_groups) {
            if (contains(c.distribution_instance_groups, g.name)) {
                c.distribution_hosts.insert(c.distribution_hosts.end(), g.hosts.begin(), g.hosts.end());
            }
        }
    } else {
        c.distribution_hosts = rc.hosts;  // no groups: local mode, every host distributes
    }

    c.master_hostname = c.distribution_hosts.empty() ? rc.hosts.front() : c.distribution_hosts.front();
    c.is_master = rc.current_host == c.master_hostname;
    c.is_hetero = rc.instance_groups.size() > 1;
    c.distribution_enabled = contains(c.distribution_instance_groups, rc.current_instance_group);
    return c;
}

}  // namespace smtrain::detail
