// SPDX-License-Identifier: Apache-2.0
#include "runners/tensorflow.hpp"

#include "runners/daemon_watch.hpp"
#include "runners/host_launch.hpp"

#include <smtrain/error.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

namespace smtrain::runners {

using process::DaemonGuard;
using process::System;
namespace {

// Fixed code; the cluster and the task index arrive in argv. device_count
// GPU 0 keeps the parameter server off the GPUs the worker uses.
constexpr const char* kParameterServerCode =
    "import json, sys\n"
    "import tensorflow as tf\n"
    "cluster = tf.train.ClusterSpec(json.loads(sys.argv[1])['cluster'])\n"
    "config = tf.compat.v1.ConfigProto(device_count={'GPU': 0})\n"
    "tf.distribute.Server(cluster, job_name='ps', task_index=int(sys.argv[2]), config=config).join()\n";

constexpr const char* kParameterServerName = "the TensorFlow parameter server";

std::vector<std::string> others(const Plan& plan) {
    std::vector<std::string> peers;
    for (const auto& host : plan.all_hosts) {
        if (host != plan.cluster.current_host) peers.push_back(host);
    }
    return peers;
}

/// Ends the job here with `reason`. When this host's own parameter server died,
/// the other hosts, whose workers lost it, are told first (they read it during
/// their own run or wait): announced on the failure exchange's port.
[[noreturn]] void fail(System& system, const Plan& plan, const ParameterServerSettings& settings,
                       const std::string& reason, bool own) {
    if (own && plan.all_hosts.size() > 1)
        announce_end(system, settings.notice_port, settings.notice_window, reason);
    else
        spdlog::error("{}", reason);
    throw Error(reason, ExitCode::Unavailable);
}

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
                             const ProgramStopper& end_program, const ParameterServerSettings& settings) {
    const HostLaunch host = host_launch(plan, "");
    const auto& hosts = plan.all_hosts;
    const std::string& here = plan.cluster.current_host;
    if (system.run_short({plan.program.python, "-c", "import tensorflow"}, std::chrono::minutes(2)) != 0) {
        throw Error("sagemaker_parameter_server_enabled: TensorFlow cannot be imported by " +
                        plan.program.python + " (the parameter server is a TensorFlow process)",
                    ExitCode::BadConfig);
    }
    spdlog::info("Running distributed training job with parameter servers");
    spdlog::info("Launching parameter server process");
    const StartedDaemon server{system.start_daemon(host.daemons.front()), kParameterServerName};
    DaemonGuard parameter_server(system, server.pid);
    spdlog::info("Launching worker process");
    const std::vector<std::string> peers = others(plan);
    // Another host's parameter server that died: that host announces it (fail()).
    auto heard = [&] {
        return announced_end(system, peers, settings.notice_port, settings.notice_timeout, "");
    };
    auto own_end = [&](const std::string& when) { return daemon_exit_reason(system, here, server, when); };
    int status = 0;
    {
        bool theirs = false;  // the watch's reason is another host's
        DaemonWatch watch(
            [&]() -> std::optional<std::string> {
                if (auto reason = own_end("while the program ran")) return reason;
                auto reason = heard();
                theirs = reason.has_value();
                return reason;
            },
            end_program, settings.daemon_check_interval, settings.worker_grace);
        status = execute(host.launch, nullptr);
        if (auto reason = watch.finish()) fail(system, plan, settings, *reason, !theirs);
    }
    // Between the watch's last look and the worker's end.
    if (auto reason = own_end("while the program ran")) fail(system, plan, settings, *reason, true);
    // A worker that failed on its own may have lost another host's parameter
    // server (its gRPC channel dropped): that host's words say why.
    if (status != 0) {
        if (auto reason = heard()) {
            fail(system, plan, settings,
                 fmt::format("{}; the program on {} exited with code {}", *reason, here, status), false);
        }
    }
    // The container waits only after a worker that succeeded (a failure raises first).
    if (status != 0 || here == hosts.front()) return status;
    const std::string& master = hosts.front();
    while (system.can_connect(master, kTfMasterPort, settings.connect_timeout)) {
        spdlog::info("master {} is still up, waiting for it to exit", master);
        if (auto reason = own_end("while waiting for master " + master))
            fail(system, plan, settings, *reason, true);
        if (auto reason = heard()) fail(system, plan, settings, *reason, false);
        if (const int signo = system.take_stop_signal()) {
            throw Error("stopped by signal " + std::to_string(signo) + " while waiting for master " + master +
                            " to exit",
                        static_cast<ExitCode>(128 + signo));
        }
        system.sleep_for(settings.poll_interval);
    }
    // A master whose parameter server died ended its worker (its port closed) and then announces it.
    if (auto reason = heard()) fail(system, plan, settings, *reason, false);
    spdlog::info("master {} is down, stopping parameter server", master);
    return status;
}

}  // namespace smtrain::runners
