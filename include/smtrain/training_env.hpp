// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// `TrainingEnv`: everything a SageMaker training job knows about itself.
///
/// A C++ training binary reads it in one line and asks typed questions:
/// \code
///   #include <smtrain/training_env.hpp>
///
///   int main() {
///       auto env = smtrain::TrainingEnv::from_environment();   // or ::load() to read /opt/ml
///       int epochs = env.hyperparameter<int>("epochs", 10);
///       double lr = env.hyperparameter<double>("learning_rate");
///       std::filesystem::path train = env.channel("train");    // throws if no such channel
///       std::filesystem::path out = env.paths().model / "model.bin";
///       if (env.is_master()) std::cout << "hosts: " << env.hosts().size() << "\n";
///   }
/// \endcode

#include <smtrain/environ.hpp>
#include <smtrain/error.hpp>
#include <smtrain/machine.hpp>
#include <smtrain/paths.hpp>
#include <smtrain/value.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace smtrain {

/// Hyperparameter keys that belong to SageMaker, not to the user program
/// (the toolkit's params.SAGEMAKER_HYPERPARAMETERS).
const std::vector<std::string_view>& sagemaker_hyperparameter_keys();

/// An ordered list of NAME=value pairs (sorted by name).
using EnvVars = std::vector<std::pair<std::string, std::string>>;

struct LoadOptions {
    /// Environment to read (SAGEMAKER_BASE_DIR, SAGEMAKER_PROGRAM, TRAINING_JOB_NAME, ...).
    /// Defaults to the process environment.
    std::optional<Environ> environ;
    /// Machine facts; probed (lazily, once) when not given.
    std::optional<MachineFacts> machine;
    /// As the toolkit: when neither /opt/ml exists nor SAGEMAKER_BASE_DIR is set,
    /// create ~/sagemaker_local/jobs/<timestamp>/opt/ml. Off: throw instead.
    bool create_local_tree = true;
    /// Where the default tree lives; tests point it elsewhere to stay off a real /opt/ml.
    std::filesystem::path default_base = "/opt/ml";
};

class TrainingEnv {
public:
    /// Reads the tree (hyperparameters.json, resourceconfig.json,
    /// inputdataconfig.json) as the toolkit's `Environment()` does.
    /// Throws ConfigError naming the file and JSON path.
    static TrainingEnv load(const LoadOptions& options = {});

    /// Rebuilds the environment a launcher exported (SM_TRAINING_ENV and the
    /// other SM_* variables), so a program started by any SageMaker launcher
    /// can read it without the tree. Throws ConfigError ("SM_TRAINING_ENV: $.hosts: ...").
    static TrainingEnv from_environment(const Environ& env = current_environ());

    // ---- paths ---------------------------------------------------------
    const Paths& paths() const { return paths_; }
    /// The data directory of a channel; throws LookupError
    /// "Channel <name> is not a valid channel" (the toolkit's words) when absent.
    std::filesystem::path channel(std::string_view name) const;
    /// Channel name -> input/data/<name>, in inputdataconfig.json order.
    const std::vector<std::pair<std::string, std::filesystem::path>>& channel_input_dirs() const {
        return channel_input_dirs_;
    }

    // ---- cluster -------------------------------------------------------
    const std::vector<std::string>& hosts() const { return hosts_; }
    const std::string& current_host() const { return current_host_; }
    const std::string& current_instance_type() const { return current_instance_type_; }
    const std::string& current_instance_group() const { return current_instance_group_; }
    const std::vector<std::string>& instance_groups() const { return instance_groups_; }
    const Value& instance_groups_dict() const { return instance_groups_dict_; }
    const std::vector<std::string>& current_instance_group_hosts() const { return current_instance_group_hosts_; }
    const std::vector<std::string>& distribution_instance_groups() const { return distribution_instance_groups_; }
    const std::vector<std::string>& distribution_hosts() const { return distribution_hosts_; }
    const std::string& master_hostname() const { return master_hostname_; }
    bool is_master() const { return is_master_; }
    bool is_hetero() const { return is_hetero_; }
    /// Whether the current instance group takes part in distributed training.
    bool distribution_enabled() const;
    const std::string& network_interface_name() const { return network_interface_name_; }
    const Value& topology() const { return topology_; }

    // ---- configuration -------------------------------------------------
    /// User hyperparameters (SageMaker's keys removed), decoded as the toolkit decodes them.
    const Value& hyperparameters() const { return hyperparameters_; }
    /// `sagemaker_*` hyperparameters outside the fixed list (sagemaker_mpi_enabled, ...).
    const Value& additional_framework_parameters() const { return additional_framework_parameters_; }
    /// Every `sagemaker_*` and fixed-list hyperparameter.
    const Value& sagemaker_hyperparameters() const { return sagemaker_hyperparameters_; }
    const Value& resource_config() const { return resource_config_; }
    const Value& input_data_config() const { return input_data_config_; }

    // ---- the program ---------------------------------------------------
    /// SAGEMAKER_PROGRAM, else the `sagemaker_program` hyperparameter; nullopt when neither.
    const std::optional<std::string>& user_entry_point() const { return user_entry_point_; }
    /// The entry point without ".py" ("None" when unset, as the toolkit renders it).
    std::string module_name() const;
    /// `sagemaker_submit_directory`, else the code dir.
    const std::string& module_dir() const { return module_dir_; }
    /// SAGEMAKER_TRAINING_MODULE ("pkg.mod:func"), framework images only.
    const std::optional<std::string>& framework_module() const { return framework_module_; }
    /// `sagemaker_container_log_level` as given (Python logging level), default 20.
    const Value& log_level() const { return log_level_; }
    const std::optional<std::string>& job_name() const { return job_name_; }
    /// `sagemaker_s3_output`, when set.
    std::optional<std::string> sagemaker_s3_output() const;
    /// `sagemaker_region`, else AWS_REGION, AWS_DEFAULT_REGION, ~/.aws/config; "" when none.
    const std::string& region() const { return region_; }

    // ---- machine -------------------------------------------------------
    int num_cpus() const { return machine().num_cpus; }
    int num_gpus() const { return machine().num_gpus; }
    int num_neurons() const { return machine().num_neurons; }
    bool is_smddprun_installed() const { return machine().smddprun_installed; }
    bool is_smddpmprun_installed() const { return machine().smddpmprun_installed; }
    /// The toolkit's value: null when SM_HP_MP_PARAMETERS is unset, else whether it is neither "" nor "{}".
    const Value& is_modelparallel_enabled() const { return is_modelparallel_enabled_; }

    // ---- typed hyperparameters -----------------------------------------
    /// The hyperparameter converted to T (bool, integral, floating point,
    /// std::string, smtrain::Value). Throws LookupError when absent and
    /// ConfigError ("hyperparameters.json: $.epochs: expected integer, got string") on a type mismatch.
    template <class T>
    T hyperparameter(std::string_view name) const;
    /// As above, `fallback` when absent.
    template <class T>
    T hyperparameter(std::string_view name, T fallback) const;
    bool has_hyperparameter(std::string_view name) const { return hyperparameters_.find(name) != nullptr; }

    // ---- renderings (byte-identical to the toolkit) ---------------------
    /// Every public property of the toolkit's Environment, as SM_TRAINING_ENV holds it.
    Value training_env() const;
    /// The SM_* variables (`Environment.to_env_vars()`) plus our documented
    /// additions SM_HOST_COUNT, SM_CURRENT_HOST_RANK, SM_MASTER_ADDR, SM_MASTER_PORT.
    EnvVars to_env_vars() const;
    /// SAGEMAKER_JOB_NAME, CURRENT_HOST, SAGEMAKER_REGION, as the toolkit sets them.
    EnvVars toolkit_process_env_vars() const;
    /// `--key value` pairs sorted by key (`-k` for one-character keys), values as Python's str().
    std::vector<std::string> to_cmd_args() const;

private:
    TrainingEnv() = default;
    const MachineFacts& machine() const;
    static Value convert_error_value(std::string_view name);

    Paths paths_;
    std::vector<std::pair<std::string, std::filesystem::path>> channel_input_dirs_;
    std::vector<std::string> hosts_;
    std::string current_host_, current_instance_type_, current_instance_group_;
    std::vector<std::string> instance_groups_;
    Value instance_groups_dict_ = Value::dict();
    std::vector<std::string> current_instance_group_hosts_, distribution_instance_groups_, distribution_hosts_;
    std::string master_hostname_;
    bool is_master_ = false, is_hetero_ = false;
    std::string network_interface_name_ = "eth0";
    Value topology_ = Value::list();
    Value hyperparameters_ = Value::dict(), additional_framework_parameters_ = Value::dict(),
          sagemaker_hyperparameters_ = Value::dict(), resource_config_ = Value::dict(),
          input_data_config_ = Value::dict();
    std::optional<std::string> user_entry_point_;
    std::string module_name_raw_ = "None";
    std::string module_dir_;
    std::optional<std::string> framework_module_, job_name_;
    Value log_level_ = Value(20);
    std::string region_;
    Value is_modelparallel_enabled_;
    // Probed on first use; `mutable` because probing is an implementation detail of a const query.
    mutable std::optional<MachineFacts> machine_;
    std::optional<Environ> probe_env_;
};

}  // namespace smtrain
