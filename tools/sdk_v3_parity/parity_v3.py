#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Parity harness: sm-train in SDK v3 command mode against the SDK's own drivers.

Run by hand (not by CTest: it needs the SDK's source, root and a private mount
namespace). For each case it writes the job tree ModelTrainer and the platform
write, with the SDK's own code read from --sdk-src (never copied into this
repository): sm_train.sh from templates.py's TRAIN_SCRIPT_TEMPLATE, the
container_drivers directory as the sm_drivers channel, hyperparameters through
the drivers' safe_serialize. Then it runs the tree twice, each time as
ModelTrainer starts the container (`/bin/bash -c "chmod +x .../sm_train.sh &&
.../sm_train.sh"`, the SDK's DEFAULT_CONTAINER_ARGUMENTS) with the tree mounted
on /opt/ml in a private mount namespace:

  sdk:      sm_train.sh as the SDK renders it for the case: its own driver runs;
  sm-train: sm_train.sh rendered with SourceCode(command="exec <sm-train>").

The program (and fake torchrun / mpirun on PATH) records its argv, environment
and working directory; the two records are compared, less the differences
docs/compatibility.md documents. Exit status 0 when every case matches.

    git --git-dir=<mirror> archive HEAD sagemaker-train sagemaker-core | tar -x -C /tmp/sdk
    sudo python3 tools/sdk_v3_parity/parity_v3.py --sdk-src /tmp/sdk --sm-train build/dev/src/launcher/sm-train
"""
import argparse
import importlib.util
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

# Variables that differ between any two runs of bash (not a launcher's doing).
NOISE = {"_", "SHLVL", "OLDPWD"}

RECORDER = r'''
import json, os, sys
name = os.environ.get("RECORD_AS") or "program"
with open(os.path.join("/opt/ml/model", name + ".json"), "w") as f:
    json.dump({"argv": sys.argv, "env": dict(os.environ), "cwd": os.getcwd()}, f)
'''


def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Sdk:
    """The pieces of the SDK the harness uses, imported from its source."""

    def __init__(self, root):
        train = os.path.join(root, "sagemaker-train/src/sagemaker/train")
        self.drivers = os.path.join(train, "container_drivers")
        self.install_requirements = os.path.join(root, "sagemaker-core/src/sagemaker/core/utils/install_requirements.py")
        self.templates = load_module(os.path.join(train, "templates.py"), "sdk_templates")
        self.constants = load_module(os.path.join(train, "constants.py"), "sdk_constants")
        # model_trainer.py serialises with sagemaker.train.utils.safe_serialize, which
        # imports half the SDK (pydantic, sagemaker.core); the drivers' copy in
        # common/utils.py is the same function and needs only the standard library.
        sys.path.insert(0, self.drivers)
        from common.utils import safe_serialize  # noqa: E402 pylint: disable=C0415

        self.safe_serialize = safe_serialize

    def train_script(self, source_code, distributed):
        """model_trainer.py _prepare_train_script, driver choice ported (it is a
        method of a pydantic model that cannot be built without the SDK's
        dependencies); every string comes from templates.py."""
        t = self.templates
        base_command = " ".join(source_code["command"].split()) if source_code.get("command") else ""
        install = ""
        if source_code.get("requirements"):
            install = t.INSTALL_REQUIREMENTS.format(requirements_file=source_code["requirements"])
        working_dir = f"cd {self.constants.SM_CODE_CONTAINER_PATH} \n" if source_code.get("source_dir") else ""
        if base_command:
            driver = t.EXECUTE_BASE_COMMANDS.format(base_command=base_command)
        elif distributed:
            name, script = distributed
            driver = t.EXEUCTE_DISTRIBUTED_DRIVER.format(driver_name=name, driver_script=script)
        else:
            driver = t.EXECUTE_BASIC_SCRIPT_DRIVER
        return t.TRAIN_SCRIPT_TEMPLATE.format(working_dir=working_dir, install_requirements=install,
                                              execute_driver=driver)


class Case:
    def __init__(self, name, entry="train.py", hps=None, distributed=None, hosts=("algo-1",), host="algo-1",
                 nic="eth0", instance_type="ml.m5.xlarge", requirements=None, differences=(), failing=False,
                 tuner=False, worker=False, ignored=()):
        self.name, self.entry, self.hps = name, entry, hps or {}
        self.distributed = distributed  # (class name, driver script, model_dump()) or None
        self.hosts, self.host, self.nic, self.instance_type = list(hosts), host, nic, instance_type
        self.requirements = requirements
        self.differences = differences  # what docs/compatibility.md says differs
        self.failing = failing  # the program records, then raises ValueError
        # The sm-train run is a HyperparameterTuner trial (sm-train as ENTRYPOINT), the
        # SDK's the same job from train(): where the code is and the channels differ.
        self.tuner = tuner
        # An MPI worker host: neither run starts the program here. Compared: what the
        # worker writes to /etc/environment for the ranks the master starts on it over
        # ssh (what pam_env gives them), how it starts sshd, its exit status. The master
        # is a listener on port 22 in a private network namespace, the MPI daemon a
        # process named orted, the master's status file already in a private /tmp.
        self.worker = worker
        self.ignored = set(ignored)  # variables left out of the comparison (documented)


EVERY_TYPE = {"epochs": 10, "lr": 0.001, "name": "abc", "flag": True, "layers": [64, 32], "betas": {"b1": 0.9},
              "none": None, "float_text": "1.50", "spaces": "two words", "unicode": "caf\u00e9", "neg": -3}
TORCHRUN = ("Torchrun", "torchrun_driver.py")
MPI = ("MPI", "mpi_driver.py")

CASES = [
    Case("no distribution, .py, every hyperparameter type", hps=EVERY_TYPE),
    Case("no distribution, .sh", entry="train.sh", hps={"msg": "hello world", "n": 2}),
    Case("requirements", hps={"epochs": 1}, requirements="requirements.txt"),
    Case("torchrun, 1 host", hps={"lr": 0.1},
         distributed=TORCHRUN + ({"process_count_per_node": 2, "smp": None},)),
    Case("torchrun, 2 hosts, this host algo-2", hps={"lr": 0.1}, hosts=("algo-1", "algo-2"), host="algo-2",
         instance_type="ml.p4d.24xlarge", distributed=TORCHRUN + ({"process_count_per_node": 4, "smp": None},)),
    Case("MPI master, 1 host", hps={"lr": 0.1},
         distributed=MPI + ({"process_count_per_node": 2, "mpi_additional_options": ["-x", "MY_VAR"]},),
         differences=("mpirun options",)),
    Case("MPI worker, host algo-2 of 2", hps={"lr": 0.1, "name": "a b", "layers": [64, 32]},
         # PWD: sm-train leaves its own out (the ssh session's is the rank's). LC_CTYPE: the
         # driver's Python sets C.UTF-8 in its own environment (PEP 538 locale coercion),
         # which a Python rank does again for itself.
         hosts=("algo-1", "algo-2"), host="algo-2", worker=True, ignored=("PWD", "LC_CTYPE"),
         distributed=MPI + ({"process_count_per_node": 2, "mpi_additional_options": ["-x", "MY_VAR"]},),
         differences=("no PWD in /etc/environment", "no LC_CTYPE from Python's locale coercion")),
    Case("the tuner path (sm-train as ENTRYPOINT) against train() under the SDK's drivers", hps={"lr": 0.1, "name": "abc"},
         tuner=True, requirements="requirements.txt",
         distributed=TORCHRUN + ({"process_count_per_node": 2, "smp": None},),
         differences=("code in /opt/ml/code", "no code channel")),
    Case("a failing program", hps={"lr": -1}, failing=True, differences=("output/failure", "exit status")),
    Case("local mode (ethwe, local_cpu), 2 hosts", hps={"epochs": 2}, hosts=("algo-1", "algo-2"), host="algo-2",
         nic="ethwe", instance_type="local_cpu"),
]


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def make_tree(sdk, case, root, command):
    """The /opt/ml tree of `case`; `command` is SourceCode.command (None: the SDK's driver)."""
    tree = os.path.join(root, "opt_ml")
    resource = {"current_host": case.host, "hosts": case.hosts, "network_interface_name": case.nic,
                "current_instance_type": case.instance_type}
    write(f"{tree}/input/config/resourceconfig.json", json.dumps(resource))
    channels = {"train": {"TrainingInputMode": "File"}, "code": {"TrainingInputMode": "File"},
                "sm_drivers": {"TrainingInputMode": "File"}}
    write(f"{tree}/input/config/inputdataconfig.json", json.dumps(channels))
    write(f"{tree}/input/config/hyperparameters.json",
          json.dumps({k: sdk.safe_serialize(v) for k, v in case.hps.items()}))
    os.makedirs(f"{tree}/input/data/train", exist_ok=True)
    os.makedirs(f"{tree}/model", exist_ok=True)
    os.makedirs(f"{tree}/output", exist_ok=True)
    write(f"{tree}/input/data/code/train.py",
          RECORDER + ("raise ValueError('learning rate must be positive')\n" if case.failing else ""))
    write(f"{tree}/input/data/code/train.sh",
          "#!/bin/sh\nexec python3 -c '" + RECORDER.replace("'", "'\\''") + "' \"$0\" \"$@\"\n", 0o755)
    write(f"{tree}/input/data/code/requirements.txt", "# nothing to install\n")
    drivers = f"{tree}/input/data/sm_drivers"
    shutil.copytree(sdk.drivers, drivers, ignore=shutil.ignore_patterns("__pycache__"))
    if os.path.exists(sdk.install_requirements):
        shutil.copy(sdk.install_requirements, f"{drivers}/scripts/install_requirements.py")
    source_code = {"source_dir": "/home/user/src", "requirements": case.requirements, "entry_script": case.entry,
                   "command": command, "ignore_patterns": [".env", ".git", "__pycache__", ".DS_Store", ".cache",
                                                            ".ipynb_checkpoints"]}
    write(f"{drivers}/sourcecode.json", json.dumps(source_code))
    write(f"{drivers}/distributed.json", json.dumps(case.distributed[2]) if case.distributed else "{}")
    write(f"{drivers}/sm_train.sh",
          sdk.train_script(source_code, case.distributed[:2] if case.distributed else None))
    return tree


TUNER_KEYS = {"cwd", "PWD", "SM_SOURCE_DIR", "SM_CHANNELS", "SM_CHANNEL_CODE", "SM_INPUT_DATA_CONFIG",
              "SM_TRAINING_ENV"}


def as_tuner_trial(tree, case):
    """The tree as HyperparameterTuner sends the job (tuner.py _build_driver_and_code_channels):
    no `code` channel; the code as sourcedir.tar.gz in sagemaker_submit_directory; sagemaker_program;
    static hyperparameters as str()."""
    channels_file = f"{tree}/input/config/inputdataconfig.json"
    with open(channels_file) as f:
        channels = json.load(f)
    del channels["code"]
    write(channels_file, json.dumps(channels))
    subprocess.run(["tar", "-czf", f"{tree}/sourcedir.tar.gz", "-C", f"{tree}/input/data/code", "."], check=True)
    shutil.rmtree(f"{tree}/input/data/code")
    hps = {k: str(v) for k, v in case.hps.items()}
    hps["sagemaker_program"] = case.entry
    hps["sagemaker_submit_directory"] = "/opt/ml/sourcedir.tar.gz"
    write(f"{tree}/input/config/hyperparameters.json", json.dumps(hps))


def fakes(root):
    """Fake torchrun, mpirun, ssh and the Python modules the drivers import
    (torch for its version, paramiko) that this machine lacks."""
    bin_dir, py = os.path.join(root, "bin"), os.path.join(root, "py")
    for launcher in ("torchrun", "mpirun"):
        write(f"{bin_dir}/{launcher}",
              f"#!/usr/bin/python3\nimport os\nos.environ['RECORD_AS'] = '{launcher}'\n" + RECORDER, 0o755)
    # The worker's sshd: records how it was started, then stays up as sshd -D does.
    write(f"{bin_dir}/fake-sshd",
          "#!/usr/bin/python3\nimport json, os, sys\n"
          "json.dump({'argv': sys.argv, 'env': {}, 'cwd': ''}, open('/opt/ml/model/sshd.json', 'w'))\n"
          "os.execv('/bin/sleep', ['sleep', '300'])\n", 0o755)
    # The SDK's worker touches /tmp/ready.<host> on the master with `ssh`, after starting
    # sshd without waiting for it: wait for sshd's record here, before the driver can end.
    write(f"{bin_dir}/ssh",
          "#!/bin/sh\nfor i in $(seq 50); do [ -e /opt/ml/model/sshd.json ] && break; sleep 0.1; done\n"
          "echo \"$@\" >> /opt/ml/model/ssh.argv\n", 0o755)
    # The MPI daemon the master would start on the worker (sm-train's worker waits for it by name).
    shutil.copy("/bin/sleep", f"{bin_dir}/orted")
    write(f"{py}/torch/__init__.py", "__version__ = '2.3.0'\n")
    write(f"{py}/paramiko/__init__.py",
          "class SSHException(Exception):\n    pass\n"
          "class _Client:\n    def __enter__(self):\n        return self\n"
          "    def __exit__(self, *a):\n        return False\n"
          "    def load_system_host_keys(self):\n        pass\n"
          "    def set_missing_host_key_policy(self, p):\n        pass\n"
          "    def connect(self, *a, **k):\n        pass\n"
          "SSHClient = _Client\n"
          "class client:\n    class MissingHostKeyPolicy:\n        pass\n")
    return bin_dir, py


def worker_setup(root, bin_dir):
    """Shell lines for an MPI worker's namespace (network, PID and mount): algo-1 is
    127.0.0.1 and listens on port 22; /run and /tmp are private (the work dir, if under
    /tmp, bound back), the master's status file /tmp/done.algo-1 is there; sshd is the
    recorder; a process named orted runs for a second once sshd has started."""
    hosts = os.path.join(root, "hosts")
    write(hosts, "127.0.0.1 localhost algo-1 algo-2\n")
    base = os.path.dirname(os.path.abspath(root))
    lines = ["ip link set lo up", f"mount --bind {shlex.quote(hosts)} /etc/hosts",
             "mount -t tmpfs none /run", "mkdir /run/old-tmp", "mount --rbind /tmp /run/old-tmp",
             "mount -t tmpfs none /tmp"]
    if base.startswith("/tmp/"):
        lines += [f"mkdir -p {shlex.quote(base)}",
                  f"mount --rbind {shlex.quote('/run/old-tmp/' + base[len('/tmp/'):])} {shlex.quote(base)}"]
    lines += ["touch /tmp/done.algo-1",
              f"mount --bind {shlex.quote(bin_dir + '/fake-sshd')} /usr/sbin/sshd",
              "{ python3 -c 'import socket, time\ns = socket.socket()\n"
              "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\ns.bind((\"0.0.0.0\", 22))\n"
              "s.listen(8)\ntime.sleep(300)' & }",
              "{ ( while [ ! -e /opt/ml/model/sshd.json ]; do sleep 0.1; done; "
              f"exec {shlex.quote(bin_dir + '/orted')} 1 ) & }}"]
    return lines


def parse_environment_file(path):
    """/etc/environment as pam_env reads it: NAME=value, one pair of surrounding double
    quotes removed."""
    env = {}
    with open(path) as f:
        for line in f.read().splitlines():
            name, sep, value = line.partition("=")
            if not sep:
                continue
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            env[name] = value
    return env


def run_tree(sdk, tree, root, bin_dir, py, sm_train, entrypoint=None, worker=False):
    """The container as ModelTrainer starts it, the tree on /opt/ml, in a private mount namespace
    (sshd and /etc/environment, which the MPI driver touches, replaced there too; for an MPI
    worker, worker_setup() too)."""
    if entrypoint is None:
        entrypoint = sdk.constants.DEFAULT_CONTAINER_ENTRYPOINT + sdk.constants.DEFAULT_CONTAINER_ARGUMENTS
    etc_env = os.path.join(root, "etc-environment")
    write(etc_env, "")
    inner = " && ".join([
        "mount --make-rprivate /",
        # Never a directory on the real filesystem: without /opt/ml, a tmpfs on /opt
        # (in this namespace only) holds the mount point.
        "{ [ -d /opt/ml ] || { mount -t tmpfs none /opt && mkdir /opt/ml; }; }",
        f"mount --bind {shlex.quote(tree)} /opt/ml",
        f"mount --bind {shlex.quote(etc_env)} /etc/environment",
        *(worker_setup(root, bin_dir) if worker else ["mount --bind /bin/true /usr/sbin/sshd"]),
        "exec " + " ".join(shlex.quote(a) for a in entrypoint),
    ])
    env = {"PATH": f"{bin_dir}:{os.path.dirname(os.path.abspath(sm_train))}:/usr/local/bin:/usr/bin:/bin",
           "PYTHONPATH": py, "TRAINING_JOB_NAME": "v3-parity", "HOME": os.path.dirname(root), "SMTRAIN_SSHD": "/bin/true",
           "SM_STUDIO_LOCAL_MODE": "true", "PIP_BREAK_SYSTEM_PACKAGES": "1", "PIP_NO_INDEX": "1",
           "SMTRAIN_TIMELINE": "off"}
    unshare = ["unshare", "--mount"]
    if worker:
        env.pop("SMTRAIN_SSHD")  # the recorder, on /usr/sbin/sshd in the namespace
        unshare += ["--net", "--pid", "--fork", "--mount-proc"]
    result = subprocess.run(unshare + ["/bin/sh", "-c", inner], env=env, capture_output=True, text=True,
                            timeout=120)
    records = {}
    if worker and os.path.getsize(etc_env):
        records["/etc/environment"] = {"argv": [], "cwd": "", "env": parse_environment_file(etc_env)}
    for name in ("program", "torchrun", "mpirun", "sshd"):
        path = os.path.join(tree, "model", name + ".json")
        if os.path.exists(path):
            with open(path) as f:
                records[name] = json.load(f)
    return result, records


def compare(case, sdk_records, ours):
    """Differences between what the program (or its launcher) saw, as text lines."""
    diffs = []
    if set(sdk_records) != set(ours):
        return [f"recorded: sdk {sorted(sdk_records)}, sm-train {sorted(ours)}"]
    for name in sdk_records:
        a, b = sdk_records[name], ours[name]
        argv_a, argv_b = a["argv"], b["argv"]
        if name == "mpirun":
            # Documented: sm-train's mpirun forwards the variables with -x, starts
            # `python entry` (no mpi4py) and -np is per host x hosts. Compare the program part.
            def program_part(argv):
                i = argv.index("-m") - 1 if "-m" in argv else max(i for i, a in enumerate(argv) if a.endswith("python3"))
                tail = argv[i:]
                return [tail[0]] + [x for x in tail[1:] if x not in ("-m", "mpi4py")]
            def np_of(argv):
                return argv[argv.index("-np") + 1]
            if program_part(argv_a) != program_part(argv_b):
                diffs.append(f"{name} program: sdk {program_part(argv_a)} sm-train {program_part(argv_b)}")
            hosts = len(json.loads(a["env"]["SM_HOSTS"]))
            if int(np_of(argv_b)) != int(np_of(argv_a)) * hosts:
                diffs.append(f"-np: sdk {np_of(argv_a)}, sm-train {np_of(argv_b)} (expected sdk x {hosts})")
        elif argv_a != argv_b and (not argv_a or not argv_b or argv_a[1:] != argv_b[1:] or
                                   os.path.basename(argv_a[0]) != os.path.basename(argv_b[0])):
            diffs.append(f"{name} argv: sdk {argv_a} sm-train {argv_b}")
        ignored = (TUNER_KEYS if case.tuner else set()) | case.ignored
        if a["cwd"] != b["cwd"] and "cwd" not in ignored:
            diffs.append(f"{name} cwd: sdk {a['cwd']} sm-train {b['cwd']}")
        env_a = {k: v for k, v in a["env"].items() if k not in NOISE | ignored}
        env_b = {k: v for k, v in b["env"].items() if k not in NOISE | ignored}
        for key in sorted(set(env_a) | set(env_b)):
            if env_a.get(key) != env_b.get(key):
                diffs.append(f"{name} env {key}: sdk {env_a.get(key)!r} sm-train {env_b.get(key)!r}")
    return diffs


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sdk-src", required=True, help="a checkout of aws/sagemaker-python-sdk (v3)")
    parser.add_argument("--sm-train", required=True)
    parser.add_argument("--keep", help="keep the trees here")
    parser.add_argument("--write-tree", metavar="DIR",
                        help="only write the first case's tree into DIR, with --program as train.py and "
                             "--command as SourceCode.command (none: the SDK's driver); for stop_in_podman.sh")
    parser.add_argument("--program", help="with --write-tree: the entry script's text")
    parser.add_argument("--command", help="with --write-tree: SourceCode.command")
    args = parser.parse_args()
    sdk = Sdk(args.sdk_src)
    sm_train = os.path.abspath(args.sm_train)
    if args.write_tree:
        tree = make_tree(sdk, CASES[0], args.write_tree, args.command)
        if args.program:
            write(f"{tree}/input/data/code/train.py", args.program)
        print(tree)
        return 0
    failed = 0
    with tempfile.TemporaryDirectory(prefix="sdk-v3-parity-") as tmp:
        base = args.keep or tmp
        bin_dir, py = fakes(base)
        for n, case in enumerate(CASES):
            runs = {}
            for who, command in (("sdk", None), ("sm-train", "exec " + sm_train)):
                root = os.path.join(base, f"case{n}-{who}")
                tree = make_tree(sdk, case, root, None if case.tuner else command)
                entrypoint = None
                if case.tuner and who == "sm-train":
                    as_tuner_trial(tree, case)
                    entrypoint = [sm_train, "train"]
                result, records = run_tree(sdk, tree, root, bin_dir, py, sm_train, entrypoint, case.worker)
                runs[who] = (result, records)
            (res_a, rec_a), (res_b, rec_b) = runs["sdk"], runs["sm-train"]
            diffs = compare(case, rec_a, rec_b)
            if case.worker:
                for who, rec in (("sdk", rec_a), ("sm-train", rec_b)):
                    started = sorted(set(rec) & {"program", "mpirun", "torchrun"})
                    if started:
                        diffs.append(f"{who}: the worker started {started} itself")
                    if "/etc/environment" not in rec or "sshd" not in rec:
                        diffs.append(f"{who}: no /etc/environment or no sshd recorded: {sorted(rec)}")
            if case.failing:
                # Documented differences: written down, not counted.
                for who, (res, _) in runs.items():
                    root = os.path.join(base, f"case{n}-{who}")
                    failure = os.path.join(root, "opt_ml/output/failure")
                    text = open(failure).read() if os.path.exists(failure) else "<none>"
                    print(f"          {who}: exit {res.returncode}, output/failure: {text.strip()[-300:]!r}")
            elif res_a.returncode != res_b.returncode:
                diffs.append(f"exit status: sdk {res_a.returncode}, sm-train {res_b.returncode}")
            if not rec_a:
                diffs.append("the SDK's run recorded nothing:\n" + res_a.stdout[-3000:] + res_a.stderr[-2000:])
            if not rec_b:
                diffs.append("sm-train's run recorded nothing:\n" + res_b.stdout[-3000:] + res_b.stderr[-2000:])
            status = "same" if not diffs else "DIFFERENT"
            noted = f" (documented: {', '.join(case.differences)})" if case.differences else ""
            print(f"{status:9} {case.name}{noted}")
            for d in diffs:
                print("          " + d)
            failed += bool(diffs)
    print(f"{len(CASES) - failed}/{len(CASES)} cases: what the program sees is the same")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
