// SPDX-License-Identifier: Apache-2.0
#include "tensorflow.hpp"

#include "host_launch.hpp"

#include <smtrain/error.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace smtrain::runners {
namespace {

// Fixed code; the cluster and the task index arrive in argv. device_count
// GPU 0 keeps the parameter server off the GPUs the worker uses.
constexpr const char* kParameterServerCode =
    "import json, sys\n"
    "import tensorflow as tf\n"
    "cluster = tf.train.ClusterSpec(json.loads(sys.argv[1])['cluster'])\n"
    "config = tf.compat.v1.ConfigProto(device_count={'GPU': 0})\n"
    "tf.distribute.Server(cluster, job_name='ps', task_index=int(sys.argv[2]), config=config).join()\n";

}  // namespace

std::vector<std::string> parameter_server_argv(const std::string& python, const std::string& tf_config,
                                               std::size_t task_index) {
    return {python, "-c", kParameterServerCode, tf_config, std::to_string(task_index)};
}

std::vector<std::string> parameter_server_daemon(const Plan& plan) {
    const auto& hosts = plan.all_hosts;
    const auto it = std::find(hosts.begin(), hosts.end(), plan.cluster.current_host);
    if (it == hosts.end() || hosts.empty()) {
        throw Error("current host " + plan.cluster.current_host + " is not one of the hosts",
                    ExitCode::BadConfig);
    }
    const auto tf_config = std::find_if(plan.framework_env.begin(), plan.framework_env.end(),
                                        [](const auto& var) { return var.first == "TF_CONFIG"; });
    if (tf_config == plan.framework_env.end())
        throw Error("parameter server job without TF_CONFIG", ExitCode::Internal);
    return parameter_server_argv(plan.program.python, tf_config->second,
                                 static_cast<std::size_t>(it - hosts.begin()));
}

int run_parameter_server_job(const Plan& plan, System& system, const ProgramExecutor& execute,
                             const ParameterServerSettings& settings) {
    const HostLaunch host = host_launch(plan, "");
    const auto& hosts = plan.all_hosts;
    if (system.run_short({plan.program.python, "-c", "import tensorflow"}, std::chrono::minutes(2)) != 0) {
        throw Error("sagemaker_parameter_server_enabled: TensorFlow cannot be imported by " +
                        plan.program.python + " (the parameter server is a TensorFlow process)",
                    ExitCode::BadConfig);
    }
    spdlog::info("Running distributed training job with parameter servers");
    spdlog::info("Launching parameter server process");
    DaemonGuard parameter_server(system, system.start_daemon(host.daemons.front()));
    spdlog::info("Launching worker process");
    const int status = execute(host.launch, nullptr);
    // The container waits only after a worker that succeeded (a failure raises first).
    if (status != 0 || plan.cluster.current_host == hosts.front()) return status;
    const std::string& master = hosts.front();
    while (system.can_connect(master, kTfMasterPort, settings.connect_timeout)) {
        spdlog::info("master {} is still up, waiting for it to exit", master);
        if (const int signo = system.take_stop_signal()) {
            throw Error("stopped by signal " + std::to_string(signo) + " while waiting for master " + master +
                            " to exit",
                        static_cast<ExitCode>(128 + signo));
        }
        system.sleep_for(settings.poll_interval);
    }
    spdlog::info("master {} is down, stopping parameter server", master);
    return status;
}

}  // namespace smtrain::runners
