// SPDX-License-Identifier: Apache-2.0
#include "runners/commands.hpp"

#include "runners/instance_types.hpp"
#include "runners/mpi_options.hpp"

#include <smtrain/error.hpp>
#include "lib/json.hpp"

#include <algorithm>
#include <charconv>

namespace smtrain::runners {

namespace {

// Python's str.replace(".py", ""): every occurrence goes.
std::string without_py(std::string name) {
    for (auto at = name.find(".py"); at != std::string::npos; at = name.find(".py", at)) name.erase(at, 3);
    return name;
}

void append(std::vector<std::string>& to, const std::vector<std::string>& from) {
    to.insert(to.end(), from.begin(), from.end());
}

std::vector<std::string> python_entry(const Program& program) {
    std::vector<std::string> argv;
    if (program.kind == EntryKind::PythonPackage) {
        argv = {"-m", without_py(program.entry_point)};
    } else if (program.kind == EntryKind::PythonModule) {
        argv = {"-m", program.entry_point};
    } else {
        argv = {program.entry_point};
    }
    append(argv, program.args);
    return argv;
}

std::string join_hosts(const std::vector<std::string>& hosts, int processes_per_host, bool always_count) {
    std::string joined;
    for (const auto& host : hosts) {
        if (!joined.empty()) joined += ',';
        joined += host;
        if (always_count || processes_per_host != 1) joined += ':' + std::to_string(processes_per_host);
    }
    return joined;
}

std::optional<std::string> find_var(const EnvVars& list, std::string_view name) {
    for (const auto& [key, value] : list) {
        if (key == name) return value;
    }
    return std::nullopt;
}

}  // namespace

std::vector<std::string> program_argv(const Program& program) {
    if (program.kind == EntryKind::Command) {
        std::vector<std::string> argv = {"./" + program.entry_point};
        append(argv, program.args);
        return argv;
    }
    std::vector<std::string> argv = {program.python};
    append(argv, python_entry(program));
    return argv;
}

std::optional<std::string> module_entry(std::string_view entry_point) {
    std::string_view name;
    if (entry_point.starts_with("-m") && entry_point.size() > 2 &&
        (entry_point[2] == ' ' || entry_point[2] == '\t')) {
        name = entry_point.substr(2);
        name.remove_prefix(std::min(name.find_first_not_of(" \t"), name.size()));
    } else if (entry_point.ends_with(':')) {
        name = entry_point.substr(0, entry_point.size() - 1);
    } else {
        return std::nullopt;
    }
    // A dotted Python identifier (ASCII): pkg, pkg.sub.train.
    auto start = [](char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    auto rest = [&](char c) { return start(c) || (c >= '0' && c <= '9'); };
    bool at_start = true;
    for (char c : name) {
        if (c == '.' && !at_start) {
            at_start = true;
        } else if (at_start ? start(c) : rest(c)) {
            at_start = false;
        } else {
            return std::nullopt;
        }
    }
    if (name.empty() || at_start) return std::nullopt;
    return std::string(name);
}

std::vector<std::string> mpi_program_argv(const Program& program) {
    if (program.kind == EntryKind::Command) return program_argv(program);
    std::vector<std::string> argv = {program.python, "-m", "mpi4py"};
    append(argv, python_entry(program));
    return argv;
}

std::size_t host_rank(const Cluster& cluster) {
    const auto it = std::find(cluster.hosts.begin(), cluster.hosts.end(), cluster.current_host);
    if (it == cluster.hosts.end()) {
        throw Error("current host " + cluster.current_host + " is not one of the distribution hosts",
                    ExitCode::BadConfig);
    }
    return static_cast<std::size_t>(it - cluster.hosts.begin());
}

std::vector<std::string> modelparallel_args(const Plan& plan) {
    // The toolkit reads SM_HP_MP_PARAMETERS from its own environment after
    // exporting the SM_* variables, so an exported value wins over the parent's.
    auto mp = find_var(plan.exported, "SM_HP_MP_PARAMETERS");
    if (!mp) mp = lookup(plan.parent, "SM_HP_MP_PARAMETERS");
    if (!mp || mp->empty() || *mp == "{}") return {};

    std::vector<std::string> args;
    const auto torch_version = lookup(plan.parent, "SM_DLC_TORCH_VERSION");
    if (torch_version && !torch_version->empty()) {
        args.insert(args.end(), {"-x", "NCCL_PROTO=simple"});
        const std::string major = torch_version->substr(0, torch_version->find('.'));
        int value = 0;
        const auto [end, ec] = std::from_chars(major.data(), major.data() + major.size(), value);
        if (ec != std::errc() || end != major.data() + major.size()) {
            throw Error("SM_DLC_TORCH_VERSION: expected a version such as 2.0.0, got " + *torch_version,
                        ExitCode::BadConfig);
        }
        // NCCL_ALGO=ring avoids a hang seen from PyTorch 2 on.
        if (value > 1) args.insert(args.end(), {"-x", "NCCL_ALGO=ring"});
    }

    Value parameters;
    try {
        parameters = parse_json(*mp);
    } catch (const JsonSyntaxError& e) {
        throw ConfigError("SM_HP_MP_PARAMETERS", "$", e.what());
    }
    if (!parameters.is_dict()) {
        throw ConfigError("SM_HP_MP_PARAMETERS", "$",
                          std::string("expected object, got ") + parameters.json_type_name());
    }
    const Value* backend = parameters.find("ddp_dist_backend");
    const bool automatic = backend == nullptr || (backend->is_string() && backend->as_string() == "auto");
    if (automatic && plan.smddpmprun_installed) {
        args.insert(args.end(), {"smddpmprun", "-i", plan.cluster.instance_type, "--allow-bypass"});
    }
    return args;
}

std::vector<std::string> mpirun_start(const Cluster& cluster, const std::string& hosts,
                                      std::int64_t processes, const MpirunExtras& extras) {
    const std::string& nic = cluster.network_interface;
    std::vector<std::string> argv = {
        "mpirun", "--host", hosts, "-np", std::to_string(processes), "--allow-run-as-root", "--tag-output"};
    if (extras.oversubscribe) argv.push_back("--oversubscribe");
    // Options with their values on one line, as on a command line:
    // clang-format off
    append(argv, {
        "-mca", "btl_tcp_if_include", nic,
        "-mca", "oob_tcp_if_include", nic,
        "-mca", "plm_rsh_no_tree_spawn", "1",
        "-mca", "pml", "ob1",
        "-mca", "btl", "^openib",
        "-mca", "orte_abort_on_non_zero_status", "1",
        "-mca", "btl_vader_single_copy_mechanism", "none",
        "-mca", "plm_rsh_num_concurrent", std::to_string(cluster.hosts.size()),
        "-x", "NCCL_SOCKET_IFNAME=" + nic,
    });
    // clang-format on
    if (extras.nccl_debug) append(argv, {"-x", "NCCL_DEBUG=" + *extras.nccl_debug});
    append(argv, {"-x", "LD_LIBRARY_PATH", "-x", "PATH"});
    return argv;
}

Launch mpi_master_command(const Plan& plan) {
    const Cluster& cluster = plan.cluster;
    const auto& nic = cluster.network_interface;
    const std::int64_t num_processes =
        plan.num_processes.value_or(0) != 0
            ? *plan.num_processes
            : std::int64_t{plan.processes_per_host} * static_cast<std::int64_t>(cluster.hosts.size());
    const auto options =
        parse_custom_mpi_options(plan.custom_mpi_options, "sagemaker_mpi_custom_mpi_options");

    Launch launch;
    // Options with their values on one line, as on a command line:
    // clang-format off
    launch.argv = {
        "mpirun",
        "--host", join_hosts(cluster.hosts, plan.processes_per_host, false),
        "-np", std::to_string(num_processes),
        "--allow-run-as-root",
        "--display-map",
        "--tag-output",
        "-mca", "btl_tcp_if_include", nic,
        "-mca", "oob_tcp_if_include", nic,
        "-mca", "plm_rsh_no_tree_spawn", "1",
        "-bind-to", "none",
        "-map-by", "slot",
        "-mca", "pml", "ob1",
        "-mca", "btl", "^openib",
        "-mca", "orte_abort_on_non_zero_status", "1",
        "-mca", "btl_vader_single_copy_mechanism", "none",
        "-x", "NCCL_MIN_NRINGS=4",
        "-x", "NCCL_SOCKET_IFNAME=" + nic,
        "-x", "NCCL_DEBUG=" + options.nccl_debug,
        "-x", "LD_LIBRARY_PATH",
        "-x", "PATH",
    };
    // clang-format on
    if (!plan.gethostname_shim.empty()) append(launch.argv, {"-x", "LD_PRELOAD=" + plan.gethostname_shim});
    append(launch.argv, options.additional);

    if (is_efa_nccl_instance(cluster.instance_type)) {
        // EFA delivers out of order: NCCL's simple protocol copes with that.
        append(launch.argv, {"-x", "FI_PROVIDER=efa", "-x", "NCCL_PROTO=simple"});
    }
    if (is_efa_rdma_instance(cluster.instance_type)) append(launch.argv, {"-x", "FI_EFA_USE_DEVICE_RDMA=1"});

    for (const char* credential : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}) {
        if (plan.parent.contains(credential)) append(launch.argv, {"-x", credential});
    }
    for (const auto& [name, value] : plan.exported) append(launch.argv, {"-x", name});
    // The toolkit's write_env_vars adds PYTHONPATH to the dict of exported
    // variables, so `-x PYTHONPATH` reaches the ranks on every host (without it
    // a remote rank sees the code dir only if its sshd applies /etc/environment).
    if (!find_var(plan.exported, "PYTHONPATH")) append(launch.argv, {"-x", "PYTHONPATH"});

    append(launch.argv, modelparallel_args(plan));
    append(launch.argv, mpi_program_argv(plan.program));
    return launch;
}

Launch smddp_master_command(const Plan& plan) {
    const Cluster& cluster = plan.cluster;
    const bool multi_node = cluster.hosts.size() > 1;
    const auto num_processes =
        std::int64_t{plan.processes_per_host} * static_cast<std::int64_t>(cluster.hosts.size());
    const auto options = parse_custom_mpi_options(plan.custom_mpi_options,
                                                  "sagemaker_distributed_dataparallel_custom_mpi_options");
    const std::string& instance_type = plan.smddp_instance_type;

    Launch launch;
    // One node: the bare host name even with several processes, as the toolkit does.
    const std::string hosts = multi_node ? join_hosts(cluster.hosts, plan.processes_per_host, true)
                                         : join_hosts(cluster.hosts, 1, false);
    launch.argv = mpirun_start(cluster, hosts, num_processes, {true, options.nccl_debug});
    append(launch.argv,
           {"-x", multi_node ? "SMDATAPARALLEL_USE_HOMOGENEOUS=1" : "SMDATAPARALLEL_USE_SINGLENODE=1"});
    // The toolkit passes FI_PROVIDER=efa on every instance type; libfabric then
    // fails where there is no EFA device, so we pass it only where there is one.
    if (is_efa_nccl_instance(instance_type)) append(launch.argv, {"-x", "FI_PROVIDER=efa"});
    append(launch.argv, {"-x", "RDMAV_FORK_SAFE=1"});
    if (!plan.gethostname_shim.empty()) append(launch.argv, {"-x", "LD_PRELOAD=" + plan.gethostname_shim});
    append(launch.argv, options.additional);

    if (is_efa_nccl_instance(instance_type)) append(launch.argv, {"-x", "NCCL_PROTO=simple"});
    if (is_efa_rdma_instance(instance_type)) append(launch.argv, {"-x", "FI_EFA_USE_DEVICE_RDMA=1"});
    if (multi_node) {
        append(launch.argv,
               {"-x", "SMDATAPARALLEL_SERVER_ADDR=" + cluster.master, "-x", "SMDATAPARALLEL_SERVER_PORT=7592",
                "-x", "SAGEMAKER_INSTANCE_TYPE=" + instance_type});
    }
    if (plan.smddprun_installed) launch.argv.push_back("smddprun");
    append(launch.argv, mpi_program_argv(plan.program));
    return launch;
}

Launch torchrun_command(const Plan& plan) {
    const Cluster& cluster = plan.cluster;
    if (plan.program.kind == EntryKind::PythonPackage) {
        throw Error(
            "Python packages are not supported for torch_distributed. Please use a python script as the "
            "entry-point",
            ExitCode::NoProgram);
    }
    if (plan.program.kind != EntryKind::PythonProgram && plan.program.kind != EntryKind::PythonModule) {
        throw Error("Unsupported entry point type for torch_distributed", ExitCode::NoProgram);
    }
    Launch launch;
    if (is_efa_nccl_instance(cluster.instance_type)) launch.env.emplace_back("FI_PROVIDER", "efa");
    if (is_efa_rdma_instance(cluster.instance_type)) {
        launch.env.emplace_back("FI_EFA_USE_DEVICE_RDMA", "1");
        launch.env.emplace_back("RDMAV_FORK_SAFE", "1");
    }
    launch.env.emplace_back("NCCL_SOCKET_IFNAME", cluster.network_interface);
    launch.env.emplace_back("NCCL_PROTO", "simple");

    // neuron_parallel_compile precompiles the XLA graphs of a Trainium job.
    if (lookup(plan.parent, "RUN_NEURON_PARALLEL_COMPILE") == "1")
        launch.argv.push_back("neuron_parallel_compile");
    append(launch.argv, {"torchrun", "--nnodes", std::to_string(cluster.hosts.size()), "--nproc_per_node",
                         std::to_string(plan.processes_per_host)});
    if (cluster.hosts.size() > 1) {
        append(launch.argv, {"--master_addr", cluster.master, "--master_port", "7777", "--node_rank",
                             std::to_string(host_rank(cluster))});
    }
    // torchrun's -m runs each worker as `python -m`, as the plain process would.
    if (plan.program.kind == EntryKind::PythonModule) launch.argv.push_back("-m");
    launch.argv.push_back(plan.program.entry_point);
    append(launch.argv, plan.program.args);
    return launch;
}

void check_xla_gpus(const Plan& plan) {
    if (plan.num_gpus <= 0) {
        throw Error("Distributed training through PT-XLA is only supported for GPUs.", ExitCode::BadConfig);
    }
}

Launch xla_command(const Plan& plan) {
    const Cluster& cluster = plan.cluster;
    check_xla_gpus(plan);
    if (plan.program.kind == EntryKind::PythonPackage) {
        throw Error(
            "Distributed Training through PT-XLA is not supported for Python packages. Please use a python "
            "script as the entry-point",
            ExitCode::NoProgram);
    }
    if (plan.program.kind != EntryKind::PythonProgram) {
        throw Error(
            "Distributed Training through PT-XLA is only supported for Python scripts. Please use a python "
            "script as the entry-point",
            ExitCode::NoProgram);
    }
    constexpr int kWorkerPort = 43857;
    constexpr int kMeshServicePort = 53957;
    const std::string gpus = std::to_string(plan.num_gpus);

    Launch launch;
    launch.env = {
        {"NCCL_DEBUG", "info"},
        {"NCCL_PROTO", "simple"},
        {"FI_EFA_USE_DEVICE_RDMA", "1"},
        {"OFI_NCCL_NIC_DUP_CONNS", gpus},
        {"XRT_HOST_ORDINAL", std::to_string(host_rank(cluster))},
        {"XRT_SHARD_WORLD_SIZE", std::to_string(cluster.hosts.size())},
    };
    std::string workers;
    for (std::size_t i = 0; i < cluster.hosts.size(); ++i) {
        if (i > 0) workers += '|';
        workers +=
            "localservice:" + std::to_string(i) + ";" + cluster.hosts[i] + ":" + std::to_string(kWorkerPort);
    }
    launch.env.emplace_back("XRT_WORKERS", workers);
    launch.env.emplace_back("GPU_NUM_DEVICES", gpus);
    if (cluster.hosts.size() > 1) {
        launch.env.emplace_back("XRT_MESH_SERVICE_ADDRESS",
                                cluster.master + ":" + std::to_string(kMeshServicePort));
    }

    launch.argv = {plan.program.python, "-m", "torch_xla.distributed.xla_spawn",
                   "--num_gpus",        gpus, plan.program.entry_point};
    append(launch.argv, plan.program.args);
    return launch;
}

}  // namespace smtrain::runners
