// SPDX-License-Identifier: Apache-2.0
#include "tensorflow.hpp"

#include "host_launch.hpp"

#include <smtrain/error.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <optional>
#include <thread>

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

/// Checks the parameter server while the worker runs, on a thread of its own
/// (the worker's run blocks this one): once it has exited, ends the worker
/// (SIGTERM, SIGKILL after the grace) so that the job ends within seconds,
/// rather than with a worker that waits for its parameter server forever.
/// Only this thread uses `system` until finish().
class ParameterServerWatch {
public:
    ParameterServerWatch(System& system, std::string host, StartedDaemon daemon, ProgramStopper end_program,
                         const ParameterServerSettings& settings)
        : system_(system),
          host_(std::move(host)),
          daemon_(std::move(daemon)),
          end_program_(std::move(end_program)),
          settings_(settings),
          thread_([this] { watch(); }) {}
    ~ParameterServerWatch() { finish(); }
    ParameterServerWatch(const ParameterServerWatch&) = delete;
    ParameterServerWatch& operator=(const ParameterServerWatch&) = delete;

    /// Ends the watch (the worker is over) and returns why the parameter server ended, if it did.
    std::optional<std::string> finish() {
        {
            const std::lock_guard lock(mutex_);
            worker_over_ = true;
        }
        changed_.notify_all();
        if (thread_.joinable()) thread_.join();
        return reason_;
    }

private:
    void watch() {
        std::unique_lock lock(mutex_);
        for (;;) {
            if (changed_.wait_for(lock, settings_.daemon_check_interval, [this] { return worker_over_; }))
                return;
            lock.unlock();
            auto reason = daemon_exit_reason(system_, host_, daemon_, "while the program ran");
            lock.lock();
            if (!reason) continue;
            reason_ = std::move(reason);
            if (worker_over_) return;
            if (end_program_) end_program_(SIGTERM);
            if (!changed_.wait_for(lock, settings_.worker_grace, [this] { return worker_over_; }) &&
                end_program_)
                end_program_(SIGKILL);
            return;
        }
    }

    System& system_;
    const std::string host_;
    const StartedDaemon daemon_;
    const ProgramStopper end_program_;
    const ParameterServerSettings& settings_;
    std::mutex mutex_;
    std::condition_variable changed_;
    bool worker_over_ = false;
    std::optional<std::string> reason_;
    std::thread thread_;  // last: it starts once the members it uses exist
};

[[noreturn]] void fail(const std::string& reason) {
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
    int status = 0;
    {
        ParameterServerWatch watch(system, here, server, end_program, settings);
        status = execute(host.launch, nullptr);
        if (auto reason = watch.finish()) fail(*reason);
    }
    // Between the watch's last look and the worker's end.
    if (auto reason = daemon_exit_reason(system, here, server, "while the program ran")) fail(*reason);
    // The container waits only after a worker that succeeded (a failure raises first).
    if (status != 0 || here == hosts.front()) return status;
    const std::string& master = hosts.front();
    while (system.can_connect(master, kTfMasterPort, settings.connect_timeout)) {
        spdlog::info("master {} is still up, waiting for it to exit", master);
        if (auto reason = daemon_exit_reason(system, here, server, "while waiting for master " + master))
            fail(*reason);
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
