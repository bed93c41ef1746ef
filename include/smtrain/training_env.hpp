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
#include <smtrain/job_runtime.hpp>
#include <smtrain/machine.hpp>
#include <smtrain/paths.hpp>
#include <smtrain/program_args.hpp>
#include <smtrain/value.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
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

/// The port SM_MASTER_PORT advertises: the toolkit's torchrun rendezvous port.
inline constexpr int master_port = 7777;

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
    /// The job's maximum runtime when the launcher was told it (SMTRAIN_MAX_RUNTIME_S):
    /// wins over trainingjobconfig.json's StoppingCondition.
    std::optional<std::chrono::seconds> max_runtime;
};

/// Not part of the API: what TrainingEnv::hyperparameter<T> expands to.
namespace detail {

/// Where the hyperparameters came from, for error messages: the file (or
/// variable) and the JSON path of the hyperparameters object in it.
struct HyperparameterOrigin {
    std::string_view source;       ///< "hyperparameters.json" or "SM_TRAINING_ENV"
    std::string_view path_prefix;  ///< "$" or "$.hyperparameters"
};

// Each throws ConfigError naming the origin and the key on a type or range mismatch.
bool hyperparameter_as_bool(const Value& v, std::string_view name, const HyperparameterOrigin& origin);
std::int64_t hyperparameter_as_signed(const Value& v, std::string_view name, std::int64_t min,
                                      std::int64_t max, std::string_view type,
                                      const HyperparameterOrigin& origin);
std::uint64_t hyperparameter_as_unsigned(const Value& v, std::string_view name, std::uint64_t max,
                                         std::string_view type, const HyperparameterOrigin& origin);
double hyperparameter_as_double(const Value& v, std::string_view name, const HyperparameterOrigin& origin);
const std::string& hyperparameter_as_string(const Value& v, std::string_view name,
                                            const HyperparameterOrigin& origin);

/// The name an error message gives an integer type: "int32", "uint64", ...
template <class T>
constexpr std::string_view integer_type_name() {
    if constexpr (std::is_signed_v<T>) {
        switch (sizeof(T)) {
            case 1:
                return "int8";
            case 2:
                return "int16";
            case 4:
                return "int32";
            default:
                return "int64";
        }
    } else {
        switch (sizeof(T)) {
            case 1:
                return "uint8";
            case 2:
                return "uint16";
            case 4:
                return "uint32";
            default:
                return "uint64";
        }
    }
}

template <class T>
T convert_hyperparameter(const Value& v, std::string_view name, const HyperparameterOrigin& origin) {
    if constexpr (std::is_same_v<T, Value>) {
        return v;
    } else if constexpr (std::is_same_v<T, bool>) {
        return hyperparameter_as_bool(v, name, origin);
    } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
        return static_cast<T>(hyperparameter_as_signed(v, name, std::numeric_limits<T>::min(),
                                                       std::numeric_limits<T>::max(), integer_type_name<T>(),
                                                       origin));
    } else if constexpr (std::is_integral_v<T>) {
        return static_cast<T>(hyperparameter_as_unsigned(v, name, std::numeric_limits<T>::max(),
                                                         integer_type_name<T>(), origin));
    } else if constexpr (std::is_floating_point_v<T>) {
        return static_cast<T>(hyperparameter_as_double(v, name, origin));
    } else if constexpr (std::is_same_v<T, std::string>) {
        return hyperparameter_as_string(v, name, origin);
    } else {
        static_assert(std::is_same_v<T, Value>,
                      "hyperparameter<T>: T must be bool, an integer type, "
                      "a floating point type, std::string or smtrain::Value");
    }
}

}  // namespace detail

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
    const std::vector<std::string>& current_instance_group_hosts() const {
        return current_instance_group_hosts_;
    }
    const std::vector<std::string>& distribution_instance_groups() const {
        return distribution_instance_groups_;
    }
    const std::vector<std::string>& distribution_hosts() const { return distribution_hosts_; }
    const std::string& master_hostname() const { return master_hostname_; }
    bool is_master() const { return is_master_; }
    bool is_hetero() const { return is_hetero_; }
    /// Whether the current instance group takes part in distributed training.
    bool distribution_enabled() const { return distribution_enabled_; }
    /// The hosts that ranks are counted over: distribution_hosts(), or hosts() when that
    /// is empty (the same list master_hostname() is the first of).
    const std::vector<std::string>& rank_hosts() const;
    /// Index of current_host() in rank_hosts(); nullopt when this host is not in it
    /// (a heterogeneous job's group that does not take part in distribution).
    std::optional<std::size_t> current_host_rank() const;
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
    /// SAGEMAKER_PROGRAM when set and not empty, else the `sagemaker_program`
    /// hyperparameter (a non-string value as Python's str() prints it); nullopt when neither.
    const std::optional<std::string>& user_entry_point() const { return user_entry_point_; }
    /// The entry point without ".py" ("None" when unset, as the toolkit renders it).
    const std::string& module_name() const { return module_name_; }
    /// `sagemaker_submit_directory`, else the code dir.
    const std::string& module_dir() const { return module_dir_; }
    /// SAGEMAKER_TRAINING_MODULE ("pkg.mod:func"), framework images only.
    const std::optional<std::string>& framework_module() const { return framework_module_; }
    /// `sagemaker_container_log_level` as a Python logging level (default 20,
    /// INFO): an integer as given (clamped to 0..100), or a level name
    /// ("DEBUG", "INFO", "WARNING", "WARN", "ERROR", "CRITICAL", "FATAL");
    /// anything else is 20. SM_TRAINING_ENV renders the value as given.
    int log_level() const;
    const std::optional<std::string>& job_name() const { return job_name_; }
    /// `sagemaker_s3_output`, when set to a string.
    std::optional<std::string> sagemaker_s3_output() const;
    /// Whether the local tree ~/sagemaker_local/jobs/<time>/opt/ml was created by load().
    bool created_local_tree() const { return created_local_tree_; }
    /// `sagemaker_region`, else AWS_REGION, AWS_DEFAULT_REGION, ~/.aws/config; "" when none.
    const std::string& region() const { return region_; }

    // ---- checkpoints, deadline, restarts (job_runtime.hpp) ----------------
    /// Everything below in one value.
    const JobRuntime& runtime() const { return runtime_; }
    /// Where to write checkpoints (SageMaker syncs it to S3 and restores it on a
    /// restarted spot job); nullopt when the job has none.
    const std::optional<std::filesystem::path>& checkpoint_dir() const { return runtime_.checkpoint_dir; }
    /// When the platform stops the job (MaxRuntimeInSeconds); nullopt when unknown.
    const std::optional<std::chrono::system_clock::time_point>& deadline() const { return runtime_.deadline; }
    /// Whether the checkpoint dir held checkpoints when the job started.
    bool resuming() const { return runtime_.resuming; }
    /// Which run of the job this is (1, 2, ...) where the platform says; nullopt otherwise.
    const std::optional<std::int64_t>& attempt() const { return runtime_.attempt; }

    // ---- machine -------------------------------------------------------
    int num_cpus() const { return machine().num_cpus; }
    int num_gpus() const { return machine().num_gpus; }
    int num_neurons() const { return machine().num_neurons; }
    bool is_smddprun_installed() const { return machine().smddprun_installed; }
    bool is_smddpmprun_installed() const { return machine().smddpmprun_installed; }
    /// Whether SM_HP_MP_PARAMETERS is set to something else than "" or "{}".
    /// (SM_TRAINING_ENV renders the toolkit's value: null when unset, "" when empty.)
    bool is_modelparallel_enabled() const { return is_modelparallel_enabled_.truthy(); }

    // ---- typed hyperparameters -----------------------------------------
    /// The hyperparameter converted to T:
    ///  - bool: a JSON boolean, or one of the strings "true", "false", "True", "False"
    ///    (what the SDK leaves undecoded when a user passes Python's str(bool));
    ///  - integral types: a JSON integer that fits T (never a float, bool or string);
    ///  - floating point: a JSON integer or float;
    ///  - std::string: a JSON string only (numbers are not converted: `"1.10"` was
    ///    already decoded to the float 1.1, so a conversion could not give the text back);
    ///  - smtrain::Value: the decoded value as it is.
    /// Throws LookupError ("Hyperparameter epochs is not set") when absent and ConfigError
    /// ("hyperparameters.json: $.epochs: expected integer, got string") on a type mismatch.
    template <class T>
    T hyperparameter(std::string_view name) const {
        return detail::convert_hyperparameter<T>(required_hyperparameter(name), name,
                                                 hyperparameter_origin());
    }
    /// As above, `fallback` when absent (a present value of the wrong type still throws).
    template <class T>
    T hyperparameter(std::string_view name, T fallback) const {
        const Value* v = hyperparameters_.find(name);
        return v ? detail::convert_hyperparameter<T>(*v, name, hyperparameter_origin()) : fallback;
    }
    bool has_hyperparameter(std::string_view name) const { return hyperparameters_.find(name) != nullptr; }

    // ---- renderings (byte-identical to the toolkit) ---------------------
    /// Every public property of the toolkit's Environment, as SM_TRAINING_ENV holds it.
    Value training_env() const;
    /// The SM_* variables (`Environment.to_env_vars()`) plus our documented
    /// additions SM_HOST_COUNT, SM_CURRENT_HOST_RANK, SM_MASTER_ADDR, SM_MASTER_PORT
    /// and, each when known, SM_CHECKPOINT_DIR, SM_RESUMING, SM_CHECKPOINT_S3_URI,
    /// SM_TENSORBOARD_DIR, SM_TENSORBOARD_S3_URI, SM_MAX_RUNTIME_SECONDS, SM_DEADLINE,
    /// SM_MANAGED_SPOT, SM_RUN_ATTEMPT (docs/checkpoints.md).
    EnvVars to_env_vars() const;
    /// SAGEMAKER_JOB_NAME, CURRENT_HOST, SAGEMAKER_REGION, as the toolkit sets them, plus
    /// SAGEMAKER_BASE_DIR when load() created the local tree (the toolkit sets it then too).
    EnvVars toolkit_process_env_vars() const;
    /// `--key value` pairs sorted by key (`-k` for one-character keys), values as Python's str().
    std::vector<std::string> to_cmd_args() const;
    /// The hyperparameters as arguments in `style` (program_args.hpp): what
    /// sm-train gives the program under SMTRAIN_ARGS; to_cmd_args() is argparse.
    std::vector<std::string> to_cmd_args(const ArgumentStyle& style) const;

private:
    struct MachineProbe;  // probes once, on first use, shared by copies

    TrainingEnv() = default;
    const MachineFacts& machine() const;
    const Value& required_hyperparameter(std::string_view name) const;
    detail::HyperparameterOrigin hyperparameter_origin() const {
        return {hyperparameters_source_, hyperparameters_path_prefix_};
    }

    Paths paths_;
    std::vector<std::pair<std::string, std::filesystem::path>> channel_input_dirs_;
    std::vector<std::string> hosts_;
    std::string current_host_, current_instance_type_, current_instance_group_;
    std::vector<std::string> instance_groups_;
    Value instance_groups_dict_ = Value::dict();
    Value current_instance_group_hosts_value_ = Value::list();  // rendered as given
    std::vector<std::string> current_instance_group_hosts_, distribution_instance_groups_,
        distribution_hosts_;
    std::string master_hostname_;
    bool is_master_ = false, is_hetero_ = false, distribution_enabled_ = false;
    std::string network_interface_name_ = "eth0";
    Value topology_ = Value::list();
    Value hyperparameters_ = Value::dict(), additional_framework_parameters_ = Value::dict(),
          sagemaker_hyperparameters_ = Value::dict(), resource_config_ = Value::dict(),
          input_data_config_ = Value::dict();
    /// Where hyperparameters came from, for error messages ("hyperparameters.json" or "SM_TRAINING_ENV").
    std::string hyperparameters_source_ = "hyperparameters.json";
    std::string hyperparameters_path_prefix_ = "$";
    Value user_entry_point_value_;  // None, or whatever sagemaker_program decoded to
    std::optional<std::string> user_entry_point_;
    std::string module_name_ = "None";
    std::string module_dir_;
    std::optional<std::string> framework_module_, job_name_;
    Value log_level_ = Value(20);
    Value sagemaker_s3_output_;
    std::string region_;
    std::string sagemaker_job_name_;  // SAGEMAKER_JOB_NAME as the toolkit exports it
    Value is_modelparallel_enabled_;
    bool created_local_tree_ = false;
    JobRuntime runtime_;
    std::shared_ptr<MachineProbe> machine_probe_;
};

}  // namespace smtrain
