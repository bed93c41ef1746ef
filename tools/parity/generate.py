# SPDX-License-Identifier: Apache-2.0
"""Fake SageMaker training trees for the parity harness.

A case is a plain dict:
  hyperparameters   dict written as input/config/hyperparameters.json
  hyperparameters_text  (optional) the file's exact text instead, for raw NaN and the like
  resourceconfig    dict written as input/config/resourceconfig.json
  inputdataconfig   dict written as input/config/inputdataconfig.json
  env               extra environment variables (SAGEMAKER_PROGRAM, TRAINING_JOB_NAME, ...)
  aws_config        text of ~/.aws/config, or None
  machine           num_cpus, num_gpus, num_neurons, smddprun, smddpmprun
  code_files        file names created in the code dir (setup.py decides the entry-point kind)
  name              a label for hand-picked cases

`hand_picked()` lists the cases named in the brief; `random_case(rng)` draws one.
"""

import json
import math
import random

# ---- hyperparameter values -------------------------------------------------

# Strings as SageMaker writes them: the SDK json.dumps()es every value, users of
# the API write whatever they like. Each is tried by the toolkit's json.loads.
RAW_STRINGS = [
    '"train.py"', "10", "0.1", "true", "false", "null", "1.10", "1e5", "1e-05", "1E-5", "1e16", "1e15",
    "1e22", "1e21", "1e-4", "0.0001", "1e308", "1e400", "-1e400", "4.9e-324", "2.5e-324", "0.30000000000000004",
    "3.14159265358979323846", "12345678.9", "100.0", "-0", "-0.0", "0", "01", "00.5", ".5", "5.", "+5",
    " 5 ", "5 ", "\t7\n", "NaN", "Infinity", "-Infinity", "nan", "inf", "True", "False", "None", "",
    " ", "[", "{", '{"a":1', "[1, \"a\"]", "[1,2,3]", "[]", "{}", '{"k": "v"}', '{"b": 2, "a": [1, {"c": null}]}',
    '{"a":1,"a":2}', '"\\u00e9t\\u00e9"', '"\\ud83d\\ude00"', '"tab\\there"', '"quote\\"inside"',
    "123456789012345678901234567890", "-123456789012345678901234567890", "9007199254740993",
    "18446744073709551616", "-9223372036854775809", "1" * 400,
    "hello", "hello world", "a=b,c=d", "$(touch /tmp/parity-pwned)", "`id`", "it's", 'say "hi"', "semi;colon",
    "new\nline", "back\\slash", "héllo", "日本語", "straße", "😀", "\u00a0nbsp", "x" * 300,
    "s3://bucket/prefix/model.tar.gz", "--flag", "-1", "-1.5", "1_000", "0x10", "1e", "e5", "--",
    '"\\"nested\\""', '"[1, 2]"', '"null"', "[1.0, 1e-05, 1e16, true, null, \"x\"]",
    '{"lr": 0.1, "layers": [64, 32], "name": "net", "opt": {"beta": [0.9, 0.999]}}',
    '[{"b": 1, "a": 2}]', '{"Z": 1, "a": 2, "\\u00e9": 3, "_": 4}', '{"\\ud83d\\ude00": 1, "\\uffff": 2}',
    '"\\u0001ctrl"', '"\\u007f"', '"\\u2028"',
]


def random_json_value(rng, depth=0):
    """A value any JSON document could hold."""
    kinds = ["int", "bigint", "float", "bool", "null", "str"] + (["list", "dict"] if depth < 3 else [])
    kind = rng.choice(kinds)
    if kind == "int":
        return rng.choice([0, 1, -1, 7, 64, 1000, 2**31, 2**53 + 1, -(2**63), 2**63 - 1, 2**64])
    if kind == "bigint":
        return rng.choice([1, -1]) * rng.randrange(10**19, 10**40)
    if kind == "float":
        return rng.choice(
            [0.1, 1e-05, 1e16, 1e15, 1.5, -2.0, 0.0, -0.0, 100.0, 1e-7, 1e22, 123.456, 5e-324, 1.7976931348623157e308,
             float("nan"), float("inf"), float("-inf"), rng.random(), rng.uniform(-1e6, 1e6), 2.0 ** rng.randint(-80, 80)])
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "null":
        return None
    if kind == "str":
        return rng.choice(["a", "b c", "é", "日本", "😀", "", "x'y", 'q"q', "1", "true", "$HOME", "\\", "tab\t"])
    if kind == "list":
        return [random_json_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {random_key(rng): random_json_value(rng, depth + 1) for _ in range(rng.randint(0, 3))}


def random_hp_value(rng):
    """A hyperparameters.json value: mostly a string (as SageMaker writes it)."""
    r = rng.random()
    if r < 0.45:
        return rng.choice(RAW_STRINGS)
    if r < 0.8:
        return json.dumps(random_json_value(rng))  # what the SDK writes
    return random_json_value(rng)  # a non-string value in the file, kept as it is


# ---- keys ------------------------------------------------------------------

KEYS = [
    "epochs", "learning_rate", "batch-size", "lr", "LR", "Lr", "a", "b", "x", "Z", "_", "straße", "STRASSE", "ß",
    "ﬁle", "µ", "ǆ", "İstanbul", "ıi", "ﬃ", "ŉ", "ΐ", "Σίσυφος", "日本", "😀key", "k.v", "k v", "k=v", "1st",
    "model-dir", "--flag", "-", "mp_parameters", "hosts", "channel_x", "a-b_c", "ǰ", "ﬆ", "ʼn", "ᾳ",
]

SAGEMAKER_KEYS = {
    "sagemaker_program": ['"train.py"', '"train.sh"', '"run"', '"pkg.py"', '"module.py.py"', '"sub/dir.py"',
                          "train.py", '"entry"', "5", "null", '"train.py "'],
    "sagemaker_submit_directory": ['"s3://bucket/job/source/sourcedir.tar.gz"', '"/opt/ml/code"', '"/tmp/src"', "3"],
    "sagemaker_container_log_level": ["20", "10", "40", '"INFO"', "20.0", "null"],
    "sagemaker_region": ['"us-west-2"', '"eu-central-1"', '""'],
    "sagemaker_job_name": ['"job-1"', '"pytorch-training-2024-01-01-00-00-00-000"', '""', '"jöb"'],
    "sagemaker_enable_cloudwatch_metrics": ["false", "true"],
    "sagemaker_mpi_enabled": ["true", "false", '"true"', "1", "0", "null"],
    "sagemaker_mpi_num_of_processes_per_host": ["8", "1"],
    "sagemaker_mpi_custom_mpi_options": ['"-x NCCL_DEBUG=INFO"', '""'],
    "sagemaker_distributed_dataparallel_enabled": ["true", "false"],
    "sagemaker_pytorch_ddp_enabled": ["true", "false"],
    "sagemaker_torch_distributed_enabled": ["true", "false"],
    "sagemaker_parameter_server_enabled": ["true", "false"],
    "sagemaker_multi_worker_mirrored_strategy_enabled": ["true"],
    "sagemaker_pytorch_xla_multi_worker_enabled": ["true"],
    "sagemaker_distribution_instance_groups": ['["train1"]', '["train1", "train2"]', "[]", '["homogeneousCluster"]'],
    "sagemaker_network_interface_name": ['"eth0"', '"ethwe"'],
    "sagemaker_s3_output": ['"s3://bucket/out"'],
    "sagemaker_instance_type": ['"ml.p4d.24xlarge"'],
    "sagemaker_custom": ['{"a": 1}', "x y"],
    "_tuning_objective_metric": ['"validation:accuracy"'],
    "default_user_module_name": ['"user"'],
}


def random_key(rng):
    r = rng.random()
    if r < 0.6:
        return rng.choice(KEYS)
    if r < 0.8:
        return "".join(rng.choice("abcxyz_-") for _ in range(rng.randint(1, 6)))
    return "".join(rng.choice("aßﬁµıİéΣσς日😀-_1") for _ in range(rng.randint(1, 4)))


# ---- resourceconfig ----------------------------------------------------------

INSTANCE_TYPES = ["ml.p4d.24xlarge", "ml.c5.xlarge", "ml.trn2.48xlarge", "ml.g5.12xlarge", "local"]


def random_resourceconfig(rng):
    n = rng.randint(1, 3)
    hosts = ["algo-%d" % (i + 1) for i in range(n)]
    if rng.random() < 0.15:
        rng.shuffle(hosts)  # SageMaker sorts them; a hand-written file may not
    if rng.random() < 0.05:
        hosts[-1] = "höst-%d" % n
    rc = {"current_host": rng.choice(hosts), "hosts": hosts}
    if rng.random() < 0.8:
        rc["current_instance_type"] = rng.choice(INSTANCE_TYPES)
    groups = None
    layout = rng.random()
    if layout < 0.35:
        groups = [{"instance_group_name": "homogeneousCluster", "instance_type": rc.get("current_instance_type", "local"),
                   "hosts": list(hosts)}]
    elif layout < 0.7 and n >= 2:
        cut = rng.randint(1, n - 1)
        first, second = hosts[:cut], hosts[cut:]
        if rng.random() < 0.3:
            first = list(reversed(first))
        groups = [{"instance_group_name": "train1", "instance_type": "ml.p4d.24xlarge", "hosts": first},
                  {"instance_group_name": "train2", "instance_type": "ml.c5.xlarge", "hosts": second}]
    if groups is not None:
        rc["instance_groups"] = groups
        current = next(g["instance_group_name"] for g in groups if rc["current_host"] in g["hosts"])
    else:
        current = rng.choice(["homogeneousCluster", "train1"])
    naming = rng.random()
    if naming < 0.55:
        rc["current_group_name"] = current
    elif naming < 0.7:
        rc["current_instance_group"] = current  # what the toolkit's local-mode writer writes
    elif naming < 0.8:
        rc["current_group_name"] = current
        rc["current_instance_group"] = current
    if rng.random() < 0.5:
        rc["network_interface_name"] = rng.choice(["eth0", "ethwe", "eth1"])
    t = rng.random()
    if t < 0.1:
        rc["topology"] = []
    elif t < 0.25:
        rc["topology"] = [{"hostName": h, "capacityUnitId": "cu-%d" % i} for i, h in enumerate(hosts)]
    if rng.random() < 0.2:
        rc["retry_strategy"] = {"maximum_retry_attempts": 2}
    if rng.random() < 0.1:
        rc["ünïcode"] = "välue"
    return rc


CHANNELS = ["train", "test", "validation", "eval-data", "model.v1", "x", "Ünïcode", "straße", "TRAIN", "ch 1"]


def random_inputdataconfig(rng):
    out = {}
    for name in rng.sample(CHANNELS, rng.randint(0, 3)):
        ch = {"TrainingInputMode": rng.choice(["File", "Pipe", "FastFile"]), "S3DistributionType": "FullyReplicated",
              "RecordWrapperType": "None"}
        if rng.random() < 0.5:
            ch["ContentType"] = "text/csv"
        out[name] = ch
    return out


# ---- environment -------------------------------------------------------------

AWS_CONFIGS = [
    "[default]\nregion = eu-west-3\n",
    "[default]\nregion=ap-south-1\n[profile dev]\nregion = sa-east-1\n",
    "[profile dev]\nregion = us-east-2\n",
    "# comment\n[default]\noutput = json\nRegion = ca-central-1\n",
    "[default]\ns3 =\n  region = nope\nregion = me-south-1\n",
]


def random_env(rng):
    env = {}
    r = rng.random()
    if r < 0.3:
        env["SAGEMAKER_PROGRAM"] = rng.choice(["train.py", "run.sh", "entry", "pkg.py", ""])
    if rng.random() < 0.6:
        env["TRAINING_JOB_NAME"] = rng.choice(["job-1", "jöb-ü", "", "my job"])
    if rng.random() < 0.1:
        env["SAGEMAKER_TRAINING_MODULE"] = "sagemaker_pytorch_container.training:main"
    if rng.random() < 0.3:
        env["SM_HP_MP_PARAMETERS"] = rng.choice(["", "{}", '{"partitions": 2}', "x"])
    if rng.random() < 0.3:
        env["AWS_REGION"] = rng.choice(["us-east-1", "eu-west-1"])
    if rng.random() < 0.3:
        env["AWS_DEFAULT_REGION"] = rng.choice(["us-west-1", "eu-north-1", ""])
    if rng.random() < 0.15:
        env["AWS_PROFILE"] = rng.choice(["dev", "default"])
    if rng.random() < 0.1:
        env["AWS_DEFAULT_PROFILE"] = rng.choice(["dev", "default"])
    if rng.random() < 0.1:
        env["SAGEMAKER_SUBMIT_DIRECTORY"] = "/tmp/submit-from-env"
    if rng.random() < 0.1:
        env["SAGEMAKER_CONTAINER_LOG_LEVEL"] = rng.choice(["10", "30"])
    return env


def random_machine(rng):
    return {"num_cpus": rng.choice([1, 2, 8, 96, 192]), "num_gpus": rng.choice([0, 0, 1, 4, 8]),
            "num_neurons": rng.choice([0, 0, 2, 32]), "smddprun": rng.random() < 0.2, "smddpmprun": rng.random() < 0.2}


def random_case(rng):
    hps = {}
    for _ in range(rng.randint(0, 8)):
        hps[random_key(rng)] = random_hp_value(rng)
    for key in rng.sample(sorted(SAGEMAKER_KEYS), rng.randint(0, 5)):
        hps[key] = rng.choice(SAGEMAKER_KEYS[key])
    env = random_env(rng)
    aws_config = rng.choice(AWS_CONFIGS) if rng.random() < 0.3 else None
    if "dev" in (env.get("AWS_PROFILE"), env.get("AWS_DEFAULT_PROFILE")) and (
            aws_config is None or "profile dev" not in aws_config):
        aws_config = AWS_CONFIGS[1]  # botocore refuses a profile it cannot find
    if "default" in (env.get("AWS_PROFILE"), env.get("AWS_DEFAULT_PROFILE")) and (
            aws_config is None or "[default]" not in aws_config):
        aws_config = AWS_CONFIGS[1]  # an explicit profile must exist, "default" too
    code_files = []
    if rng.random() < 0.25:
        code_files.append("setup.py")
    return {"hyperparameters": hps, "resourceconfig": random_resourceconfig(rng),
            "inputdataconfig": random_inputdataconfig(rng), "env": env, "aws_config": aws_config,
            "machine": random_machine(rng), "code_files": code_files}


# ---- hand-picked cases ---------------------------------------------------------

def _base(**over):
    case = {"hyperparameters": {}, "resourceconfig": {"current_host": "algo-1", "hosts": ["algo-1"]},
            "inputdataconfig": {}, "env": {}, "aws_config": None,
            "machine": {"num_cpus": 8, "num_gpus": 0, "num_neurons": 0, "smddprun": False, "smddpmprun": False},
            "code_files": []}
    case.update(over)
    return case


def hand_picked():
    cases = []

    def add(name, **over):
        c = _base(**over)
        c["name"] = name
        cases.append(c)

    add("empty tree")
    add("sdk strings", hyperparameters={"sagemaker_program": '"train.py"', "epochs": "10", "lr": "0.1",
                                         "flag": "true", "name": '"resnet"', "l": '[1, "a"]'})
    add("floats", hyperparameters={"a1": "1e-05", "a2": "1e16", "a3": "1e15", "a4": "NaN", "a5": "Infinity",
                                    "a6": "-Infinity", "a7": "0.1", "a8": "100.0", "a9": "1.10", "b1": "1e5"})
    add("raw floats in file", hyperparameters_text='{"nan": NaN, "inf": Infinity, "ninf": -Infinity, "f": 1e16}')
    add("huge ints", hyperparameters={"big": "123456789012345678901234567890", "neg": "-99999999999999999999",
                                       "raw": 123456789012345678901234567890})
    add("bools and null", hyperparameters={"t": "true", "f": "false", "n": "null", "rt": True, "rn": None})
    add("lists and dicts", hyperparameters={"l": "[1, 'a']", "l2": '[1, "a", true, null, 1e-05]',
                                             "d": '{"k": "v", "a": {"z": [1, 2]}}', "rd": {"b": 1, "a": "x"}})
    add("unicode keys", hyperparameters={"straße": '"x"', "ﬁ": "1", "µ": "2", "日本": '"語"', "😀": "3"})
    add("one-letter and dash keys", hyperparameters={"a": "1", "b-c": "2", "batch-size": "64", "-": "3"})
    add("case collision", hyperparameters={"lr": "1", "LR": "2", "ss": "3", "ß": "4"})
    add("sagemaker keys", hyperparameters={
        "sagemaker_program": '"train.py"', "sagemaker_submit_directory": '"s3://b/k/sourcedir.tar.gz"',
        "sagemaker_container_log_level": "20", "sagemaker_region": '"us-west-2"', "sagemaker_job_name": '"job-7"',
        "sagemaker_mpi_enabled": "true", "sagemaker_mpi_num_of_processes_per_host": "8",
        "sagemaker_mpi_custom_mpi_options": '"-x A=1"', "sagemaker_enable_cloudwatch_metrics": "false",
        "_tuning_objective_metric": '"val:acc"', "default_user_module_name": '"u"', "sagemaker_s3_output": '"s3://o"'})
    hetero_rc = {"current_host": "algo-2", "hosts": ["algo-1", "algo-2", "algo-3"], "current_group_name": "train2",
                 "current_instance_type": "ml.c5.xlarge",
                 "instance_groups": [{"instance_group_name": "train1", "instance_type": "ml.p4d.24xlarge",
                                      "hosts": ["algo-3", "algo-1"]},
                                     {"instance_group_name": "train2", "instance_type": "ml.c5.xlarge",
                                      "hosts": ["algo-2"]}],
                 "network_interface_name": "ethwe"}
    add("heterogeneous", resourceconfig=hetero_rc,
        hyperparameters={"sagemaker_distribution_instance_groups": '["train1"]', "sagemaker_mpi_enabled": "true"})
    add("heterogeneous, current in distribution", resourceconfig=dict(hetero_rc, current_host="algo-1",
                                                                      current_group_name="train1"),
        hyperparameters={"sagemaker_distribution_instance_groups": '["train1"]'})
    add("current_instance_group key only", resourceconfig={
        "current_host": "algo-1", "hosts": ["algo-1", "algo-2"], "current_instance_group": "train1",
        "instance_groups": [{"instance_group_name": "train1", "instance_type": "local", "hosts": ["algo-1", "algo-2"]}]},
        hyperparameters={"sagemaker_pytorch_ddp_enabled": "true"})
    add("topology", resourceconfig={"current_host": "algo-1", "hosts": ["algo-1", "algo-2"],
                                    "topology": [{"hostName": "algo-1", "capacityUnitId": "u1"},
                                                 {"hostName": "algo-2", "capacityUnitId": "u2"}]})
    add("channels", inputdataconfig={"train": {"TrainingInputMode": "File"}, "test": {"TrainingInputMode": "Pipe"},
                                     "eval-data": {}, "straße": {}})
    add("env program", env={"SAGEMAKER_PROGRAM": "run.sh", "TRAINING_JOB_NAME": "job-x"},
        hyperparameters={"sagemaker_program": '"train.py"'})
    add("empty SAGEMAKER_PROGRAM", env={"SAGEMAKER_PROGRAM": ""}, hyperparameters={"sagemaker_program": '"train.py"'})
    add("training module", env={"SAGEMAKER_TRAINING_MODULE": "pkg.mod:main"})
    add("mp parameters set", env={"SM_HP_MP_PARAMETERS": '{"partitions": 2}'})
    add("mp parameters empty", env={"SM_HP_MP_PARAMETERS": ""})
    add("mp parameters {}", env={"SM_HP_MP_PARAMETERS": "{}"})
    add("region env", env={"AWS_DEFAULT_REGION": "eu-north-1"})
    add("region config", aws_config="[default]\nregion = eu-west-3\n")
    add("region hp wins", env={"AWS_DEFAULT_REGION": "eu-north-1"}, hyperparameters={"sagemaker_region": '"ap-1"'})
    add("setup.py package", hyperparameters={"sagemaker_program": '"train.py"', "epochs": "3"}, code_files=["setup.py"])
    add("sh beats setup.py", hyperparameters={"sagemaker_program": '"train.sh"'}, code_files=["setup.py"])
    add("command args quoting", hyperparameters={"sagemaker_program": '"run"', "v": '"a b"', "w": "it's"})
    add("trn2 neurons", resourceconfig={"current_host": "algo-1", "hosts": ["algo-1"],
                                        "current_instance_type": "ml.trn2.48xlarge"})
    add("multi host", resourceconfig={"current_host": "algo-3", "hosts": ["algo-1", "algo-2", "algo-3"]})
    return cases
