// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The variables AWS's framework containers set for the program beyond what
/// sagemaker-training sets: TF_CONFIG (the TensorFlow container's training.py,
/// parameter servers and MultiWorkerMirroredStrategy) and the NCCL/MASTER_*
/// variables of the PyTorch container's training.py. Built here only: the
/// launcher exports them to the program (launcher/lifecycle/program_env.hpp), make_plan()
/// keeps them in Plan::framework_env for the parameter server and mpirun.
///
/// Errors (the runners layer's convention): ConfigError for a job the
/// framework containers would refuse.

#include <smtrain/environ.hpp>
#include <smtrain/training_env.hpp>

#include <string>
#include <vector>

namespace smtrain::runners {

/// The TensorFlow container's parameter-server condition:
/// `sagemaker_parameter_server_enabled` truthy and more than one host.
bool parameter_server_enabled(const TrainingEnv& env);

/// TF_CONFIG of a worker process in a parameter-server job, as the
/// TensorFlow container's json.dumps writes it (Python's default separators,
/// keys in insertion order): master = the first host (port 2222), ps = every
/// host (port 2223) when there are several, worker = the other hosts (2222),
/// task = {"index": i, "type": "master"|"worker"}. Throws ConfigError when
/// current_host is not one of `hosts`.
std::string tf_config_for_parameter_servers(const std::vector<std::string>& hosts,
                                            const std::string& current_host);

/// TF_CONFIG for MultiWorkerMirroredStrategy: every host a worker (port
/// 8890), task = this host's index. Throws ConfigError when current_host is
/// not one of `hosts`.
std::string tf_config_for_multi_worker_mirrored(const std::vector<std::string>& hosts,
                                                const std::string& current_host);

/// What the framework containers add, in the order they set it (nothing when
/// SAGEMAKER_TRAINING_MODULE is set: the container's own code then runs and adds them):
/// - TF_CONFIG for a parameter-server job (parameter_server_enabled()) or with
///   `sagemaker_multi_worker_mirrored_strategy_enabled`, over the distribution
///   hosts, on hosts whose instance group takes part in distribution;
/// - for a job only the PyTorch container runs (`sagemaker_pytorch_ddp_enabled`,
///   `sagemaker_torch_distributed_enabled`,
///   `sagemaker_pytorch_xla_multi_worker_enabled`; not a parameter-server job): NCCL_SOCKET_IFNAME,
///   NCCL_IB_DISABLE=1, NCCL_DEBUG=WARN, MASTER_ADDR, MASTER_PORT=7777.
/// Throws ConfigError for a parameter-server job on a host outside the
/// distribution instance groups (the container crashes there with an
/// UnboundLocalError).
EnvVars framework_env_vars(const TrainingEnv& env);

}  // namespace smtrain::runners
