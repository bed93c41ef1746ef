# SPDX-License-Identifier: Apache-2.0
"""Job trees as the SageMaker Python SDK (v2.257.6) writes them.

For each estimator (PyTorch, HuggingFace, TensorFlow, plain Estimator) and each
`distribution=` option it supports, on 1 and 2 hosts, on the platform and in
local mode, one tree per host (the master's and each worker's view):

- hyperparameters.json as `_json_encode_hyperparameters` writes it: every
  value `json.dumps`'d, the script-mode keys added (`sagemaker_submit_directory`,
  `sagemaker_program`, `sagemaker_container_log_level`, `sagemaker_job_name`,
  `sagemaker_region`), a value set through `set_hyperparameters()` after
  construction encoded twice; a plain Estimator's values `str()`'d instead;
- the distribution keys each estimator's `_distribution_configuration` /
  `_pytorch_distribution_configuration` / HuggingFace's emit, including
  `sagemaker_instance_type`; TensorFlow's `model_dir`;
- resourceconfig.json as the service writes it (`current_group_name`,
  `instance_groups`) or, in local mode, the SDK's shorter one (no group, no
  `instance_groups`, `current_instance_type` "local"/"local_gpu").

Each case names the container whose runner choice is the reference
(framework_reference.py): pytorch, tensorflow or training.
"""

import json

E = json.dumps  # the SDK's encoding of one value

USER = {"epochs": 3, "lr": 0.001, "use-amp": True, "betas": [0.9, 0.999], "tag": "two words"}

# estimator -> (container, [(option name, distribution keys (raw values), needs GPUs)])
ESTIMATORS = {
    "PyTorch": ("pytorch", [
        ("none", {}, False),
        ("mpi", {"sagemaker_mpi_enabled": True, "sagemaker_mpi_num_of_processes_per_host": 2,
                 "sagemaker_mpi_custom_mpi_options": ""}, False),
        ("mpi-default-options", {"sagemaker_mpi_enabled": True, "sagemaker_mpi_custom_mpi_options": ""}, False),
        ("torch_distributed", {"sagemaker_torch_distributed_enabled": True,
                               "sagemaker_instance_type": "{type}"}, True),
        # pytorchddp is rewritten by the PyTorch estimator into smdistributed dataparallel.
        ("pytorchddp", {"sagemaker_distributed_dataparallel_enabled": True, "sagemaker_instance_type": "{type}",
                        "sagemaker_distributed_dataparallel_custom_mpi_options": ""}, True),
        ("smdistributed-dataparallel", {"sagemaker_distributed_dataparallel_enabled": True,
                                        "sagemaker_instance_type": "{type}",
                                        "sagemaker_distributed_dataparallel_custom_mpi_options": "-x FOO=1"}, True),
        ("smdistributed-modelparallel", {"mp_parameters": {"partitions": 2}, "sagemaker_mpi_enabled": True,
                                         "sagemaker_mpi_custom_mpi_options": "",
                                         "sagemaker_distributed_dataparallel_enabled": False,
                                         "sagemaker_instance_type": "{type}"}, True),
        ("torch_distributed+smdistributed", {"sagemaker_distributed_dataparallel_enabled": True,
                                             "sagemaker_instance_type": "{type}",
                                             "sagemaker_distributed_dataparallel_custom_mpi_options": "",
                                             "sagemaker_torch_distributed_enabled": True}, True),
        ("pytorchxla", {"sagemaker_pytorch_xla_multi_worker_enabled": True}, True),
    ]),
    "HuggingFace": ("pytorch", [
        ("none", {}, False),
        ("pytorchddp", {"sagemaker_pytorch_ddp_enabled": True, "sagemaker_instance_type": "{type}"}, True),
        ("torch_distributed", {"sagemaker_torch_distributed_enabled": True,
                               "sagemaker_instance_type": "{type}"}, True),
        ("smdistributed-dataparallel", {"sagemaker_distributed_dataparallel_enabled": True,
                                        "sagemaker_instance_type": "{type}",
                                        "sagemaker_distributed_dataparallel_custom_mpi_options": ""}, True),
        ("mpi", {"sagemaker_mpi_enabled": True, "sagemaker_mpi_custom_mpi_options": ""}, False),
        ("pytorchxla", {"sagemaker_pytorch_xla_multi_worker_enabled": True}, True),
    ]),
    "TensorFlow": ("tensorflow", [
        ("none", {"model_dir": "{model_dir}"}, False),
        ("parameter_server", {"sagemaker_parameter_server_enabled": True, "model_dir": "{model_dir}"}, False),
        ("multi_worker_mirrored_strategy", {"sagemaker_multi_worker_mirrored_strategy_enabled": True,
                                            "model_dir": "{model_dir}"}, False),
        ("mpi", {"sagemaker_mpi_enabled": True, "sagemaker_mpi_num_of_processes_per_host": 4,
                 "sagemaker_mpi_custom_mpi_options": "-verbose", "model_dir": "/opt/ml/model"}, False),
        ("smdistributed-dataparallel", {"sagemaker_distributed_dataparallel_enabled": True,
                                        "sagemaker_instance_type": "{type}",
                                        "sagemaker_distributed_dataparallel_custom_mpi_options": "",
                                        "model_dir": "{model_dir}"}, True),
    ]),
    "Estimator": ("training", [("none", {}, False)]),
}


def _fill(value, instance_type, model_dir):
    if isinstance(value, str):
        return value.replace("{type}", instance_type).replace("{model_dir}", model_dir)
    return value


def _resourceconfig(hosts, current, instance_type, local):
    if local:
        return {"current_host": current, "hosts": hosts, "network_interface_name": "eth0",
                "current_instance_type": instance_type}
    return {"current_host": current, "current_instance_type": instance_type, "current_group_name": "homogeneousCluster",
            "hosts": hosts, "instance_groups": [{"instance_group_name": "homogeneousCluster",
                                                 "instance_type": instance_type, "hosts": hosts}],
            "network_interface_name": "eth0"}


def cases():
    out = []
    for estimator, (container, options) in ESTIMATORS.items():
        for option, keys, gpus in options:
            for host_count in (1, 2):
                for local in (False, True):
                    hosts = ["algo-%d" % (i + 1) for i in range(host_count)]
                    if local:
                        hosts = [h + "-x7k2q" for h in hosts]  # the SDK's algo-N-<5 random characters>
                    instance_type = ("local_gpu" if gpus else "local") if local else (
                        "ml.p4d.24xlarge" if gpus else "ml.c5.2xlarge")
                    job = "sdk-%s-%s" % (estimator.lower(), option.replace("_", "-").replace("+", "-"))
                    model_dir = "/opt/ml/shared/model" if local else "s3://bucket/%s/model" % job
                    for current in hosts:
                        out.append(_case(estimator, container, option, keys, gpus, hosts, current, instance_type,
                                         local, job, model_dir))
    return out


def _case(estimator, container, option, keys, gpus, hosts, current, instance_type, local, job, model_dir):
    if estimator == "Estimator":
        # A plain Estimator keeps values raw; _get_train_args str()s them.
        hps = {k: str(v) for k, v in USER.items()}
        env = {"SAGEMAKER_PROGRAM": "train.py"}
    else:
        raw = dict(USER)
        raw.update({k: _fill(v, instance_type, model_dir) for k, v in keys.items()})
        hps = {k: E(v) for k, v in raw.items()}
        # set_hyperparameters() after construction: encoded once more by hyperparameters().
        hps["model_name"] = E(E("bert base"))
        submit = ("file:///tmp/sdk-src" if local else "s3://bucket/%s/source/sourcedir.tar.gz" % job)
        hps.update({"sagemaker_submit_directory": E(submit), "sagemaker_program": E("train.py"),
                    "sagemaker_container_log_level": E(20), "sagemaker_job_name": E(job),
                    "sagemaker_region": E("us-west-2")})
        env = {}
    env["TRAINING_JOB_NAME"] = job
    env["AWS_REGION"] = "us-west-2"
    machine = {"num_cpus": 8, "num_gpus": 8 if gpus else 0, "num_neurons": 0, "smddprun": gpus,
               "smddpmprun": False}
    return {"name": "sdk %s %s %dh %s %s" % (estimator, option, len(hosts), "local" if local else "platform", current),
            "container": container, "hyperparameters": hps,
            "resourceconfig": _resourceconfig(hosts, current, instance_type, local),
            "inputdataconfig": ({"training": {"TrainingInputMode": "File"}} if local else
                                {"training": {"TrainingInputMode": "File", "S3DistributionType": "FullyReplicated",
                                              "RecordWrapperType": "None"}}),
            "env": env, "aws_config": None, "machine": machine, "code_files": []}
