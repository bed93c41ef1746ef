// SPDX-License-Identifier: Apache-2.0
#include "runners/distributed.hpp"

#include "runners/commands.hpp"
#include "runners/framework_env.hpp"
#include "runners/host_launch.hpp"
#include "runners/mpi_output.hpp"
#include "runners/tensorflow.hpp"

#include <smtrain/error.hpp>

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace smtrain::runners {

using process::LineRewriter;

namespace {

// A framework parameter that must be a positive integer ("2" is accepted, as
// hyperparameters often arrive as strings).
std::optional<std::int64_t> integer_parameter(const TrainingEnv& env, std::string_view name) {
    const Value* value = env.additional_framework_parameters().find(name);
    if (value == nullptr || value->is_null()) return std::nullopt;
    std::optional<std::int64_t> number;
    if (value->is_int()) {
        number = value->as_int64();
    } else if (value->is_string() && !value->as_string().empty() &&
               std::all_of(value->as_string().begin(), value->as_string().end(),
                           [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }) &&
               value->as_string().size() < 10) {
        number = std::stoll(value->as_string());
    }
    if (!number || *number < 0 || *number > 1'000'000) {
        throw ConfigError("hyperparameters.json", "$." + std::string(name),
                          std::string("expected a non-negative integer, got ") + value->json_type_name());
    }
    return number;
}

std::string string_parameter(const TrainingEnv& env, std::string_view name) {
    const Value* value = env.additional_framework_parameters().find(name);
    if (value == nullptr || value->is_null()) return "";
    if (!value->is_string()) {
        throw ConfigError("hyperparameters.json", "$." + std::string(name),
                          std::string("expected string, got ") + value->json_type_name());
    }
    return value->as_string();
}

std::string upper(std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

constexpr std::array<std::string_view, 32> kToolkitOrder = {
    "SM_HOSTS",
    "SM_NETWORK_INTERFACE_NAME",
    "SM_HPS",
    "SM_USER_ENTRY_POINT",
    "SM_FRAMEWORK_PARAMS",
    "SM_RESOURCE_CONFIG",
    "SM_INPUT_DATA_CONFIG",
    "SM_OUTPUT_DATA_DIR",
    "SM_CHANNELS",
    "SM_CURRENT_HOST",
    "SM_CURRENT_INSTANCE_TYPE",
    "SM_CURRENT_INSTANCE_GROUP",
    "SM_CURRENT_INSTANCE_GROUP_HOSTS",
    "SM_INSTANCE_GROUPS",
    "SM_INSTANCE_GROUPS_DICT",
    "SM_DISTRIBUTION_INSTANCE_GROUPS",
    "SM_IS_HETERO",
    "SM_MODULE_NAME",
    "SM_LOG_LEVEL",
    "SM_FRAMEWORK_MODULE",
    "SM_INPUT_DIR",
    "SM_INPUT_CONFIG_DIR",
    "SM_OUTPUT_DIR",
    "SM_NUM_CPUS",
    "SM_NUM_GPUS",
    "SM_NUM_NEURONS",
    "SM_MODEL_DIR",
    "SM_MODULE_DIR",
    "SM_TRAINING_ENV",
    "SM_USER_ARGS",
    "SM_OUTPUT_INTERMEDIATE_DIR",
    "SM_TOPOLOGY",
};

}  // namespace

int processes_per_host(const TrainingEnv& env) {
    // As the toolkit's `or`: an explicit 0 falls back to the default too.
    if (auto n = integer_parameter(env, "sagemaker_mpi_num_of_processes_per_host"); n && *n > 0) {
        return static_cast<int>(*n);
    }
    if (env.num_gpus() > 0) return env.num_gpus();
    if (env.num_neurons() > 0) return env.num_neurons();
    return 1;
}

EnvVars toolkit_order(const TrainingEnv& env, const EnvVars& vars) {
    std::vector<std::string> order(kToolkitOrder.begin(), kToolkitOrder.end());
    for (const auto& [channel, path] : env.channel_input_dirs())
        order.push_back("SM_CHANNEL_" + upper(channel));
    if (env.hyperparameters().is_dict()) {
        for (const auto& [key, value] : env.hyperparameters().as_dict())
            order.push_back("SM_HP_" + upper(key));
    }
    EnvVars sorted;
    std::vector<bool> taken(vars.size(), false);
    for (const auto& name : order) {
        for (std::size_t i = 0; i < vars.size(); ++i) {
            if (!taken[i] && vars[i].first == name) {
                sorted.push_back(vars[i]);
                taken[i] = true;
                break;
            }
        }
    }
    for (std::size_t i = 0; i < vars.size(); ++i) {
        if (!taken[i]) sorted.push_back(vars[i]);
    }
    return sorted;
}

std::string find_gethostname_shim() {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return "";
    for (const auto& candidate : {exe.parent_path() / "libsmtrain-gethostname.so",
                                  exe.parent_path().parent_path() / "lib" / "libsmtrain-gethostname.so"}) {
        if (std::filesystem::exists(candidate, ec)) return candidate.lexically_normal().string();
    }
    return "";
}

Plan make_plan(const TrainingEnv& env, RunnerKind kind, Program program, const Environ& parent,
               std::string gethostname_shim) {
    Plan plan;
    plan.kind = kind;
    plan.cluster.hosts = env.distribution_hosts();
    plan.cluster.current_host = env.current_host();
    plan.cluster.master = env.master_hostname();
    plan.cluster.network_interface = env.network_interface_name();
    plan.cluster.instance_type = env.current_instance_type();
    plan.all_hosts = env.hosts();
    plan.program = std::move(program);
    plan.parent = parent;
    plan.gethostname_shim = std::move(gethostname_shim);
    if (kind == RunnerKind::Process) return plan;

    plan.processes_per_host = processes_per_host(env);
    plan.num_gpus = env.num_gpus();
    plan.exported = toolkit_order(env, env.to_env_vars());
    const Value* mwms =
        env.additional_framework_parameters().find("sagemaker_multi_worker_mirrored_strategy_enabled");
    const bool multi_worker_mirrored = mwms != nullptr && mwms->truthy();
    if (kind == RunnerKind::TfParameterServer || multi_worker_mirrored)
        plan.framework_env = framework_env_vars(env);
    // The TensorFlow container adds TF_CONFIG (MultiWorkerMirroredStrategy) to
    // the variables it hands the runner, so mpirun gets `-x TF_CONFIG` too. A
    // job for which no framework container's TF_CONFIG is made (an SDK v3 job)
    // passes on its own, if its environment has one.
    if (multi_worker_mirrored) {
        std::optional<std::string> tf_config = lookup(parent, "TF_CONFIG");
        for (const auto& [name, value] : plan.framework_env) {
            if (name == "TF_CONFIG") tf_config = value;
        }
        if (tf_config) plan.exported.emplace_back("TF_CONFIG", *tf_config);
    }
    if (kind == RunnerKind::Mpi) {
        plan.num_processes = integer_parameter(env, "sagemaker_mpi_num_processes");
        plan.custom_mpi_options = string_parameter(env, "sagemaker_mpi_custom_mpi_options");
        plan.smddpmprun_installed = env.is_smddpmprun_installed();
    }
    if (kind == RunnerKind::SmDataParallel) {
        plan.custom_mpi_options =
            string_parameter(env, "sagemaker_distributed_dataparallel_custom_mpi_options");
        plan.smddprun_installed = env.is_smddprun_installed();
        // smdataparallel.py reads sagemaker_instance_type first; heterogeneous jobs lack it.
        const Value* type = env.additional_framework_parameters().find("sagemaker_instance_type");
        plan.smddp_instance_type = type != nullptr && type->is_string() && !type->as_string().empty()
                                       ? type->as_string()
                                       : env.current_instance_type();
    }
    return plan;
}

namespace {

bool python_can_import(DistributedContext& context, const Plan& plan, const std::string& module) {
    return context.system.run_short({plan.program.python, "-c", "import " + module},
                                    std::chrono::minutes(2)) == 0;
}

void check_xla_imports(DistributedContext& context, const Plan& plan) {
    if (!python_can_import(context, plan, "torch_xla")) {
        throw Error(
            "Unable to find PT-XLA in the execution environment. This distribution mechanism requires PT-XLA "
            "to "
            "be available in the execution environment. SageMaker Training Compiler provides ready-to-use "
            "containers with PT-XLA. Please refer to "
            "https://github.com/aws/deep-learning-containers/blob/master/available_images.md",
            ExitCode::BadConfig);
    }
    if (!python_can_import(context, plan, "torch_xla.distributed.xla_spawn")) {
        throw Error(
            "Unable to find SageMaker integration code in PT-XLA. AWS SageMaker adds custom code on top of "
            "open "
            "source PT-XLA to provide platform specific optimizations. These SageMaker specific binaries are "
            "shipped as part of our Deep Learning Containers. Please refer to "
            "https://github.com/aws/deep-learning-containers/blob/master/available_images.md",
            ExitCode::BadConfig);
    }
}

void log_command(std::string_view runner, const Launch& launch) {
    spdlog::info("{} command: {}", runner, fmt::join(launch.argv, " "));
}

}  // namespace

int run_distributed(const Plan& plan, DistributedContext& context) {
    // Each toolkit runner's own start, before its command.
    if (plan.kind == RunnerKind::TorchDistributed)
        spdlog::info("Starting distributed training through torchrun");
    if (plan.kind == RunnerKind::PyTorchXla) {
        spdlog::info("Starting distributed training through PT-XLA Runtime.");
        check_xla_gpus(plan);
        check_xla_imports(context, plan);
    }
    const HostLaunch host = host_launch(plan, context.mpi.sshd);
    switch (host.role) {
        case HostRole::Program:
            return context.execute(host.launch, nullptr);
        case HostRole::Launcher:
            log_command(host.label, host.launch);
            // torchrun's status is always checked: the toolkit swaps run()'s
            // arguments there and never looks at the exit code.
            return context.execute(host.launch, nullptr);
        case HostRole::MpiWorker:
            return run_mpi_worker(plan, context.program_environment, context.system, context.mpi);
        case HostRole::MpiMaster: {
            if (plan.kind == RunnerKind::SmDataParallel && !plan.smddprun_installed) {
                spdlog::warn("Warning: smddprun not being used as smddp is not installed");
            }
            log_command(host.label, host.launch);
            const int per_host = plan.processes_per_host;
            const auto hosts = plan.cluster.hosts;
            const LineRewriter filter = [per_host, hosts](std::string_view line) {
                return rewrite_mpi_tags(line, per_host, hosts);
            };
            return run_mpi_master(plan, host.launch, filter, context.system, context.execute, context.mpi,
                                  context.end_program);
        }
        case HostRole::ParameterServer:
            return run_parameter_server_job(plan, context.system, context.execute, context.end_program);
    }
    throw Error("unknown runner", ExitCode::Internal);
}

}  // namespace smtrain::runners
