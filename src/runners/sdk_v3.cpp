// SPDX-License-Identifier: Apache-2.0
// What the SageMaker Python SDK v3's container drivers give the program, read
// from aws/sagemaker-python-sdk sagemaker-train/src/sagemaker/train/:
// container_drivers/scripts/environment.py (set_env), common/utils.py
// (safe_serialize, hyperparameters_to_cli_args, get_process_count),
// distributed_drivers/{basic_script,torchrun}_driver.py.
#include "runners/sdk_v3.hpp"

#include "runners/commands.hpp"
#include "runners/distributed.hpp"
#include "runners/instance_types.hpp"

#include <smtrain/error.hpp>
#include "lib/json.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace smtrain::runners::v3 {
namespace fs = std::filesystem;

namespace {

/// A JSON file of the SDK's, as read_source_code_json() reads it: a missing
/// file, or JSON null, is {}.
Value read_optional_json(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Value(Value::Dict{});
    std::ostringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();
    Value value;
    try {
        value = parse_json(text);
    } catch (const JsonSyntaxError& e) {
        throw ConfigError(file.filename().string(), "", e.what());
    }
    if (value.is_null()) return Value(Value::Dict{});
    if (!value.is_dict()) throw ConfigError(file.filename().string(), "$", "expected an object");
    return value;
}

/// A string field, "" when absent or null.
std::string string_field(const Value& dict, std::string_view key, const fs::path& file) {
    const Value* v = dict.find(key);
    if (v == nullptr || v->is_null()) return {};
    if (!v->is_string())
        throw ConfigError(file.filename().string(), "$." + std::string(key), "expected a string");
    return v->as_string();
}

Driver driver_of(const Value& distributed, const fs::path& file) {
    if (distributed.as_dict().empty()) return Driver::Basic;
    // model_dump() of the SDK's classes: Torchrun has `smp`, MPI `mpi_additional_options`.
    if (distributed.find("smp") != nullptr) return Driver::Torchrun;
    if (distributed.find("mpi_additional_options") != nullptr) return Driver::Mpi;
    throw ConfigError(file.filename().string(), "$",
                      "a DistributedConfig sm-train does not know (neither Torchrun nor MPI): a custom "
                      "driver_dir runs only under the SDK's own sm_train.sh");
}

std::string json_text(const Value& value) {
    return dump_json(value, JsonDumpOptions{.sort_keys = false, .indent = -1, .spaced = true});
}

Value strings(const std::vector<std::string>& items) {
    Value::List list;
    for (const auto& s : items) list.emplace_back(s);
    return Value(std::move(list));
}

bool ends_with(std::string_view s, std::string_view tail) { return s.ends_with(tail); }

/// environment.py's names whose values are this host's own. Under the SDK's MPI
/// driver a rank on a worker gets them from that worker's /etc/environment (its
/// own values, through sshd's pam_env): `-x` would give every rank the master's.
bool is_per_host_variable(std::string_view name) {
    for (std::string_view own :
         {"SM_CURRENT_HOST", "SM_CURRENT_HOST_RANK", "SM_CURRENT_INSTANCE_TYPE", "SM_RESOURCE_CONFIG",
          "SM_TRAINING_ENV", "SM_NUM_CPUS", "SM_NUM_GPUS", "SM_NUM_NEURONS"}) {
        if (name == own) return true;
    }
    return false;
}

}  // namespace

std::optional<JobFiles> read_job(const TrainingEnv& env) {
    const Value& channels = env.input_data_config();
    if (!channels.is_dict() || channels.find(kDriversChannel) == nullptr) return std::nullopt;
    JobFiles job;
    job.drivers_dir = env.paths().channel(kDriversChannel);
    const fs::path source_file = job.drivers_dir / "sourcecode.json";
    const fs::path distributed_file = job.drivers_dir / "distributed.json";
    std::error_code ec;
    if (!fs::exists(source_file, ec)) return std::nullopt;
    job.source_code = read_optional_json(source_file);
    job.distributed = read_optional_json(distributed_file);
    job.entry_script = string_field(job.source_code, "entry_script", source_file);
    job.requirements = string_field(job.source_code, "requirements", source_file);
    job.has_source_dir = !string_field(job.source_code, "source_dir", source_file).empty();
    job.driver = driver_of(job.distributed, distributed_file);
    if (const Value* count = job.distributed.find("process_count_per_node"); count && !count->is_null()) {
        const auto n = count->is_int() ? count->as_int64() : std::nullopt;
        if (!n || *n < 1) {
            throw ConfigError("distributed.json", "$.process_count_per_node", "expected a positive integer");
        }
        job.process_count_per_node = *n;
    }
    if (const Value* options = job.distributed.find("mpi_additional_options");
        options && !options->is_null()) {
        if (!options->is_list()) {
            throw ConfigError("distributed.json", "$.mpi_additional_options", "expected a list of strings");
        }
        for (const Value& o : options->as_list()) {
            if (!o.is_string()) {
                throw ConfigError("distributed.json", "$.mpi_additional_options",
                                  "expected a list of strings");
            }
            job.mpi_additional_options.push_back(o.as_string());
        }
    }
    return job;
}

std::string safe_serialize(const Value& value) {
    return value.is_string() ? value.as_string() : json_text(value);
}

Value safe_deserialize(const std::string& text) {
    try {
        return parse_json(text);
    } catch (const JsonSyntaxError&) {
        return Value(text);
    }
}

Value::Dict read_hyperparameters(const TrainingEnv& env, bool without_sagemaker_keys) {
    const Value file = read_optional_json(env.paths().hyperparameters_file());
    const auto& sagemaker_keys = sagemaker_hyperparameter_keys();
    Value::Dict out;
    for (const auto& [key, value] : file.as_dict()) {
        if (without_sagemaker_keys &&
            std::find(sagemaker_keys.begin(), sagemaker_keys.end(), key) != sagemaker_keys.end()) {
            continue;
        }
        // The service writes strings; a hand-written tree may not: as the SDK, non-strings stay as they are.
        out.emplace_back(key, value.is_string() ? safe_deserialize(value.as_string()) : value);
    }
    return out;
}

std::vector<std::string> hyperparameter_args(const Value::Dict& hyperparameters) {
    std::vector<std::string> args;
    args.reserve(hyperparameters.size() * 2);
    for (const auto& [key, value] : hyperparameters) {
        // The drivers safe_deserialize once more what environment.py already did.
        args.push_back("--" + key);
        args.push_back(safe_serialize(value.is_string() ? safe_deserialize(value.as_string()) : value));
    }
    return args;
}

std::string variable_name(std::string_view prefix, std::string_view name) {
    std::string out(prefix);
    for (char c : name) {
        const bool keep =
            (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        out += keep ? static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c) : '_';
    }
    return out;
}

EnvVars variables(const TrainingEnv& env, const Environ& parent, const VariableInputs& inputs) {
    const Paths& p = env.paths();
    EnvVars vars;
    auto set = [&vars](std::string name, std::string value) {
        // A later name wins, as in environment.py's dict (two keys may make one name).
        for (auto& [n, v] : vars) {
            if (n == name) {
                v = std::move(value);
                return;
            }
        }
        vars.emplace_back(std::move(name), std::move(value));
    };
    const std::string log_level = lookup(parent, "SM_LOG_LEVEL").value_or("20");
    set("SM_MODEL_DIR", p.model.string());
    set("SM_INPUT_DIR", p.input.string());
    set("SM_INPUT_DATA_DIR", p.input_data.string());
    set("SM_INPUT_CONFIG_DIR", p.input_config.string());
    set("SM_OUTPUT_DIR", p.output.string());
    set("SM_OUTPUT_FAILURE", (p.output / "failure").string());
    set("SM_OUTPUT_DATA_DIR", p.output_data.string());
    set("SM_LOG_LEVEL", log_level);
    set("SM_MASTER_ADDR", inputs.master_addr);
    set("SM_MASTER_PORT", std::to_string(master_port));

    if (inputs.job == nullptr || !inputs.job->source_code.as_dict().empty()) {
        set("SM_SOURCE_DIR", inputs.source_dir.string());
        set("SM_ENTRY_SCRIPT", inputs.job ? inputs.job->entry_script : env.user_entry_point().value_or(""));
    }
    if (inputs.job != nullptr && !inputs.job->distributed.as_dict().empty()) {
        set("SM_DISTRIBUTED_DRIVER_DIR", (inputs.job->drivers_dir / "distributed_drivers").string());
        set("SM_DISTRIBUTED_CONFIG", json_text(inputs.job->distributed));
    }

    // Channels in inputdataconfig order (environment.py does not sort them).
    Value::List channels;
    Value::Dict channel_dirs;
    if (env.input_data_config().is_dict()) {
        for (const auto& [name, config] : env.input_data_config().as_dict()) {
            const std::string dir = p.channel(name).string();
            set(variable_name("SM_CHANNEL_", name), dir);
            channels.emplace_back(name);
            channel_dirs.emplace_back(name, Value(dir));
        }
    }
    set("SM_CHANNELS", json_text(Value(channels)));

    for (const auto& [key, value] : inputs.hyperparameters)
        set(variable_name("SM_HP_", key), safe_serialize(value));
    const Value hps(inputs.hyperparameters);
    set("SM_HPS", json_text(hps));

    std::vector<std::string> sorted_hosts = env.hosts();
    std::sort(sorted_hosts.begin(), sorted_hosts.end());  // Python's sorted(): algo-10 before algo-2
    const auto rank =
        std::find(sorted_hosts.begin(), sorted_hosts.end(), env.current_host()) - sorted_hosts.begin();
    set("SM_CURRENT_HOST", env.current_host());
    set("SM_CURRENT_INSTANCE_TYPE", env.current_instance_type());
    set("SM_HOSTS", json_text(strings(sorted_hosts)));
    set("SM_NETWORK_INTERFACE_NAME", env.network_interface_name());
    set("SM_HOST_COUNT", std::to_string(sorted_hosts.size()));
    set("SM_CURRENT_HOST_RANK", std::to_string(rank));
    set("SM_NUM_CPUS", std::to_string(env.num_cpus()));
    set("SM_NUM_GPUS", std::to_string(env.num_gpus()));
    set("SM_NUM_NEURONS", std::to_string(env.num_neurons()));
    set("SM_RESOURCE_CONFIG", json_text(env.resource_config()));
    set("SM_INPUT_DATA_CONFIG", json_text(env.input_data_config()));

    // SM_LOG_LEVEL is a str from the environment, else the int 20.
    const auto level = lookup(parent, "SM_LOG_LEVEL");
    Value::Dict training;
    training.emplace_back("channel_input_dirs", Value(std::move(channel_dirs)));
    training.emplace_back("current_host", Value(env.current_host()));
    training.emplace_back("current_instance_type", Value(env.current_instance_type()));
    training.emplace_back("hosts", strings(sorted_hosts));
    training.emplace_back("master_addr", Value(inputs.master_addr));
    training.emplace_back("master_port", Value(static_cast<std::int64_t>(master_port)));
    training.emplace_back("hyperparameters", hps);
    training.emplace_back("input_data_config", env.input_data_config());
    training.emplace_back("input_config_dir", Value(p.input_config.string()));
    training.emplace_back("input_data_dir", Value(p.input_data.string()));
    training.emplace_back("input_dir", Value(p.input.string()));
    training.emplace_back("job_name", Value(lookup(parent, "TRAINING_JOB_NAME").value_or("")));
    training.emplace_back("log_level", inputs.log_level ? *inputs.log_level
                                       : level          ? Value(*level)
                                                        : Value(static_cast<std::int64_t>(20)));
    training.emplace_back("model_dir", Value(p.model.string()));
    training.emplace_back("network_interface_name", Value(env.network_interface_name()));
    training.emplace_back("num_cpus", Value(static_cast<std::int64_t>(env.num_cpus())));
    training.emplace_back("num_gpus", Value(static_cast<std::int64_t>(env.num_gpus())));
    training.emplace_back("num_neurons", Value(static_cast<std::int64_t>(env.num_neurons())));
    training.emplace_back("output_data_dir", Value(p.output_data.string()));
    training.emplace_back("resource_config", env.resource_config());
    set("SM_TRAINING_ENV", json_text(Value(std::move(training))));
    return vars;
}

int process_count(const JobFiles& job, const TrainingEnv& env) {
    if (job.process_count_per_node) return static_cast<int>(*job.process_count_per_node);
    if (env.num_gpus() > 0) return env.num_gpus();
    if (env.num_neurons() > 0) return env.num_neurons();
    return 1;
}

Launch driver_command(const JobFiles& job, const TrainingEnv& env, const Environ& parent,
                      const std::string& python, const std::vector<std::string>& args) {
    Launch launch;
    if (job.driver == Driver::Torchrun) {
        // torchrun_driver.py setup_env(), then create_commands().
        const std::string& type = env.current_instance_type();
        if (is_efa_nccl_instance(type)) launch.env.emplace_back("FI_PROVIDER", "efa");
        if (is_efa_rdma_instance(type)) {
            launch.env.emplace_back("FI_EFA_USE_DEVICE_RDMA", "1");
            launch.env.emplace_back("RDMAV_FORK_SAFE", "1");
        }
        launch.env.emplace_back("NCCL_SOCKET_IFNAME", env.network_interface_name());
        launch.env.emplace_back("NCCL_PROTO", "simple");
        if (lookup(parent, "RUN_NEURON_PARALLEL_COMPILE") == "1")
            launch.argv.push_back("neuron_parallel_compile");
        const std::size_t hosts = env.hosts().size();
        launch.argv.push_back("torchrun");
        launch.argv.push_back("--nnodes=" + std::to_string(hosts));
        launch.argv.push_back("--nproc_per_node=" + std::to_string(process_count(job, env)));
        if (hosts > 1) {
            std::vector<std::string> sorted_hosts = env.hosts();
            std::sort(sorted_hosts.begin(), sorted_hosts.end());
            const auto rank = std::find(sorted_hosts.begin(), sorted_hosts.end(), env.current_host()) -
                              sorted_hosts.begin();
            launch.argv.push_back("--master_addr=algo-1");
            launch.argv.push_back("--master_port=" + std::to_string(master_port));
            launch.argv.push_back("--node_rank=" + std::to_string(rank));
        }
        launch.argv.push_back(job.entry_script);
        launch.argv.insert(launch.argv.end(), args.begin(), args.end());
        return launch;
    }
    if (ends_with(job.entry_script, ".py")) {
        launch.argv = {python, job.entry_script};
    } else if (ends_with(job.entry_script, ".sh")) {
        // The driver runs `/bin/sh -c "chmod +x X && ./X <shlex-quoted args>"`: the
        // script sees the same argv when it is started directly.
        launch.argv = {"./" + job.entry_script};
    } else {
        throw Error("the SDK v3 job names entry script '" + job.entry_script +
                        "': only .py and .sh scripts run (sourcecode.json entry_script)",
                    ExitCode::NoProgram);
    }
    launch.argv.insert(launch.argv.end(), args.begin(), args.end());
    return launch;
}

Plan mpi_plan(const JobFiles& job, const TrainingEnv& env, const Environ& parent, const std::string& python,
              const std::vector<std::string>& args, EnvVars exported, std::string gethostname_shim) {
    Program program;
    program.kind = ends_with(job.entry_script, ".py") ? EntryKind::PythonProgram : EntryKind::Command;
    program.python = python;
    program.entry_point = job.entry_script;
    program.args = args;
    Plan plan = make_plan(env, RunnerKind::Mpi, std::move(program), parent, std::move(gethostname_shim));
    // mpi_driver.py's hosts: SM_HOSTS (sorted), the master SM_MASTER_ADDR (algo-1);
    // v2's distribution hosts are empty here, no sagemaker_mpi_enabled being set.
    plan.cluster.hosts = env.hosts();
    std::sort(plan.cluster.hosts.begin(), plan.cluster.hosts.end());
    const bool has_algo_1 =
        std::find(plan.cluster.hosts.begin(), plan.cluster.hosts.end(), "algo-1") != plan.cluster.hosts.end();
    plan.cluster.master = has_algo_1 || plan.cluster.hosts.empty() ? "algo-1" : plan.cluster.hosts.front();
    plan.processes_per_host = process_count(job, env);
    plan.exported = std::move(exported);

    const Cluster& cluster = plan.cluster;
    const int per_host = plan.processes_per_host;
    std::string hosts;
    for (const auto& host : cluster.hosts) {
        if (!hosts.empty()) hosts += ',';
        hosts += per_host > 1 ? host + ":" + std::to_string(per_host) : host;
    }
    const std::int64_t np = std::int64_t{per_host} * static_cast<std::int64_t>(cluster.hosts.size());
    // The driver's mpirun has neither --oversubscribe nor NCCL_DEBUG.
    std::vector<std::string> argv = mpirun_start(cluster, hosts, np, {});
    argv.insert(argv.end(), job.mpi_additional_options.begin(), job.mpi_additional_options.end());
    const std::string& type = cluster.instance_type;
    if (is_efa_nccl_instance(type))
        argv.insert(argv.end(), {"-x", "FI_PROVIDER=efa", "-x", "NCCL_PROTO=simple"});
    if (is_efa_rdma_instance(type)) argv.insert(argv.end(), {"-x", "FI_EFA_USE_DEVICE_RDMA=1"});
    for (const char* credential : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}) {
        if (plan.parent.contains(credential)) argv.insert(argv.end(), {"-x", credential});
    }
    if (!plan.gethostname_shim.empty())
        argv.insert(argv.end(), {"-x", "LD_PRELOAD=" + plan.gethostname_shim});
    for (const auto& [name, value] : plan.exported) {
        if (!is_per_host_variable(name)) argv.insert(argv.end(), {"-x", name});
    }
    if (plan.program.kind == EntryKind::PythonProgram) {
        argv.insert(argv.end(), {python, job.entry_script});
    } else {
        argv.push_back("./" + job.entry_script);
    }
    argv.insert(argv.end(), args.begin(), args.end());
    plan.master_command = std::move(argv);
    return plan;
}

}  // namespace smtrain::runners::v3
