// SPDX-License-Identifier: Apache-2.0
#pragma once
// Internal: writing a SageMaker /opt/ml tree as the service and the Python SDK
// would, from a description of the job. One writer for smtrain::testing's
// FakeTree and for `sm-train init` / `sm-train local`.

#include <smtrain/paths.hpp>
#include <smtrain/value.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smtrain::detail {

/// One instance group of the cluster (several: a heterogeneous cluster).
struct InstanceGroupSpec {
    std::string name;
    std::string instance_type;
    int count = 1;
};

/// One channel of inputdataconfig.json.
struct ChannelSpec {
    std::string name;
    std::string content_type;  ///< "" writes no ContentType key
    std::string input_mode = "File";
};

/// Options of a distribution= dict, as the SDK's estimators take them.
struct DistributionOptions {
    std::optional<int> processes_per_host;     ///< mpi: processes_per_host
    std::string custom_mpi_options;            ///< mpi, smdistributed: custom_mpi_options
    std::vector<std::string> instance_groups;  ///< heterogeneous: the groups that take part
};

/// Everything the three config files say about one host of a job.
struct TreeSpec {
    /// User hyperparameters as hyperparameters.json holds them (already encoded), in order.
    std::vector<std::pair<std::string, std::string>> hyperparameters;
    // Script mode (the SDK's _script_mode_hyperparam_update): written when set.
    std::optional<std::string> program;           ///< sagemaker_program
    std::optional<std::string> submit_directory;  ///< sagemaker_submit_directory
    std::optional<std::string> job_name;          ///< sagemaker_job_name
    std::optional<std::string> region;            ///< sagemaker_region
    int container_log_level = 20;                 ///< sagemaker_container_log_level, with program
    std::optional<std::string> distribution;      ///< torch_distributed, mpi, ...
    DistributionOptions distribution_options;

    /// Host names; empty: algo-1 .. algo-N over the instance groups (N = 1 without groups).
    std::vector<std::string> hosts;
    std::string current_host;  ///< "": the first host
    std::string instance_type = "local";
    /// Empty: one group "homogeneousCluster" of `instance_type` holding every host.
    std::vector<InstanceGroupSpec> instance_groups;
    std::string network_interface = "eth0";
    std::vector<ChannelSpec> channels;
};

/// The distribution names write_config_files understands, as the SDK spells them.
const std::vector<std::string_view>& distribution_names();

/// Python's `json.dumps(v)` with its defaults: separators ", " and ": ", keys in
/// order, non-ASCII as \uXXXX, floats as repr. The SDK encodes each hyperparameter so.
std::string sdk_json_dumps(const Value& v);

/// Sets (or replaces, keeping its place) a user hyperparameter, encoded as the SDK does.
void set_hyperparameter(TreeSpec& spec, const std::string& name, const Value& value);
/// Sets a hyperparameter to `text` exactly as hyperparameters.json is to hold it.
void set_raw_hyperparameter(TreeSpec& spec, const std::string& name, std::string text);

/// The host names of the job: spec.hosts, else algo-1 .. algo-N.
std::vector<std::string> resolved_hosts(const TreeSpec& spec);

/// Checks the description; throws Error(ExitCode::Usage) with one line saying what is
/// wrong: an unknown distribution, the current host not among the hosts, a host count
/// that does not match the instance groups, duplicate hosts, groups or channels, a
/// channel or group name that is empty or holds '/'.
void validate(const TreeSpec& spec);

/// The three files' contents (validate() first).
std::string hyperparameters_json(const TreeSpec& spec);
std::string resource_config_json(const TreeSpec& spec);
std::string input_data_config_json(const TreeSpec& spec);

/// Creates code/, model/, output/data/, input/config/ and input/data/<channel>/, then
/// (re)writes the three config files. Validates first. Throws Error(CannotWrite).
void write_config_files(const TreeSpec& spec, const Paths& paths);

/// Puts `source` into directory `dest`: a directory's entries are copied in (or, with
/// `link`, `dest` becomes a symbolic link to the directory); a file is copied (or linked)
/// as dest/<its name>. Throws Error(Usage) when `source` does not exist, Error(CannotWrite)
/// when the copy fails.
void place(const std::filesystem::path& source, const std::filesystem::path& dest, bool link);

}  // namespace smtrain::detail
