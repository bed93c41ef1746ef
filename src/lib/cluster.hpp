// SPDX-License-Identifier: Apache-2.0
#pragma once
// Internal: the cluster facts the toolkit derives from resourceconfig.json and
// the distribution hyperparameters (instance groups, distribution hosts, master).

#include <smtrain/value.hpp>

#include <string>
#include <vector>

namespace smtrain::detail {

class Checker;

struct InstanceGroup {
    std::string name;
    std::vector<std::string> hosts;
    const Value* raw = nullptr;  // the entry as given, rendered in instance_groups_dict
};

/// resourceconfig.json, checked.
struct ResourceConfig {
    std::vector<std::string> hosts;
    std::string current_host;
    std::string current_instance_type = "local";
    std::string current_instance_group = "homogeneousCluster";
    std::string network_interface_name = "eth0";
    Value topology = Value::list();
    std::vector<InstanceGroup> instance_groups;
};

/// Reads the keys the toolkit reads, with its defaults; ConfigError on any shape
/// the toolkit would crash on or silently misuse (see docs/compatibility.md).
ResourceConfig parse_resource_config(const Value& root, const Checker& check);

/// What the toolkit's Environment derives from the groups.
struct ClusterLayout {
    std::vector<std::string> instance_groups;
    Value instance_groups_dict = Value::dict();
    Value current_instance_group_hosts_value = Value::list();
    std::vector<std::string> current_instance_group_hosts;
    std::vector<std::string> distribution_instance_groups;
    std::vector<std::string> distribution_hosts;
    std::string master_hostname;
    bool is_master = false, is_hetero = false, distribution_enabled = false;
};

/// `additional_framework_parameters` decides which groups take part in distribution:
/// `sagemaker_distribution_instance_groups` when given, else the current group when one
/// of the toolkit's seven `sagemaker_*_enabled` flags is truthy.
ClusterLayout derive_cluster(const ResourceConfig& rc, const Value& additional_framework_parameters,
                             const Checker& hyperparameter_check,
                             const std::string& hyperparameter_path_prefix);

}  // namespace smtrain::detail
