# SPDX-License-Identifier: Apache-2.0
"""The framework containers' runner choice and variables, ported as the reference.

sagemaker-training alone only chooses MPI; AWS's framework containers choose
the other runners and add variables in their own training.py
(aws/sagemaker-pytorch-training-toolkit, aws/sagemaker-tensorflow-training-toolkit).
Those need torch or tensorflow to import, so their decisions are re-expressed
here from their source, over the toolkit's own Environment (computed by the
real toolkit in toolkit_oracle), and compared with sm-train's choice.

Runner names are sm-train's (`to_string(RunnerKind)`): process, mpi, torchrun,
smddprun, xla, tf-ps.
"""

import json


def _get(params, key):
    return params.get(key, False)


def pytorch_container(env):
    """training.py of the PyTorch container: (runner, variables in the order it sets them)."""
    p = env.additional_framework_parameters
    runner = "process"
    if env.current_instance_group in env.distribution_instance_groups:
        if _get(p, "sagemaker_mpi_enabled"):
            runner = "mpi"
        elif _get(p, "sagemaker_pytorch_ddp_enabled"):
            runner = "smddprun"
        elif _get(p, "sagemaker_torch_distributed_enabled"):
            runner = "torchrun"
        elif _get(p, "sagemaker_distributed_dataparallel_enabled"):
            runner = "smddprun"
        elif _get(p, "sagemaker_pytorch_xla_multi_worker_enabled"):
            runner = "xla"
    variables = [("NCCL_SOCKET_IFNAME", env.network_interface_name), ("NCCL_IB_DISABLE", "1"),
                 ("NCCL_DEBUG", "WARN"), ("MASTER_ADDR", env.master_hostname), ("MASTER_PORT", "7777")]
    return runner, variables


def _tf_config_ps(hosts, current_host):
    masters, workers = hosts[:1], hosts[1:]
    ps = hosts if len(hosts) > 1 else None
    config = {"cluster": {"master": ["%s:2222" % h for h in masters]}, "environment": "cloud"}
    if ps:
        config["cluster"]["ps"] = ["%s:2223" % h for h in ps]
    if workers:
        config["cluster"]["worker"] = ["%s:2222" % h for h in workers]
    if current_host == hosts[0]:
        config["task"] = {"index": 0, "type": "master"}
    else:
        config["task"] = {"index": workers.index(current_host), "type": "worker"}
    return config


def _tf_config_mwms(hosts, current_host):
    return {"cluster": {"worker": ["%s:8890" % h for h in hosts]}, "environment": "cloud",
            "task": {"index": hosts.index(current_host), "type": "worker"}}


def tensorflow_container(env):
    """training.py of the TensorFlow container: (runner, variables); runner "crash" where
    it raises (a parameter-server job on a host outside the distribution groups)."""
    p = env.additional_framework_parameters
    ps = _get(p, "sagemaker_parameter_server_enabled") and len(env.hosts) > 1
    mwms = _get(p, "sagemaker_multi_worker_mirrored_strategy_enabled")
    in_groups = env.current_instance_group in env.distribution_instance_groups
    variables = []
    if in_groups and ps:
        variables.append(("TF_CONFIG", json.dumps(_tf_config_ps(env.distribution_hosts, env.current_host))))
    elif in_groups and mwms:
        variables.append(("TF_CONFIG", json.dumps(_tf_config_mwms(env.distribution_hosts, env.current_host))))
    if ps:
        return ("tf-ps" if in_groups else "crash"), variables
    runner = "process"
    if in_groups:
        if _get(p, "sagemaker_mpi_enabled"):
            runner = "mpi"
        elif _get(p, "sagemaker_distributed_dataparallel_enabled"):
            runner = "smddprun"
    return runner, variables


def training_toolkit(env):
    """sagemaker-training's own trainer.train(): MPI or a plain process."""
    mpi = env.additional_framework_parameters.get("sagemaker_mpi_enabled")
    in_groups = env.current_instance_group in env.distribution_instance_groups
    return ("mpi" if mpi and in_groups else "process"), []


CONTAINERS = {"pytorch": pytorch_container, "tensorflow": tensorflow_container, "training": training_toolkit}


def reference(env):
    """Every container's answer for this tree (picklable)."""
    out = {}
    for name, fn in CONTAINERS.items():
        try:
            out[name] = fn(env)
        except Exception as e:  # noqa: BLE001 - a container crash is an answer too
            out[name] = ("crash", [("error", repr(e))])
    return out
