#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Issue 20: a real two-host MPI job of the SageMaker Python SDK v3 in command mode,
# `ModelTrainer(source_code=SourceCode(entry_script="train.py", command="exec sm-train"),
# distributed=MPI(process_count_per_node=1))`, on one machine: hosts algo-1 and algo-2
# are network namespaces (netns_hosts.sh), each with its own /opt/ml (the job's
# tree, bind-mounted in its private mount namespace: the same paths on both hosts,
# as on SageMaker), /etc/environment, ssh/sshd configs and PAM file. On each host
# sm-train starts as sm_train.sh's `exec sm-train` leaves it: in the code dir, after
# environment.py's exports (SM_SOURCE_DIR). Real sshd and real mpirun.
#
# What the worker (algo-2) must do, as the SDK's mpi_driver.py and the toolkit's
# worker do: start sshd, wait for the master, write the ranks' environment to its
# /etc/environment, wait for the MPI daemon the master starts over ssh to come
# and go and for the master's status file, then exit 0 (output/success) without
# running the program itself. Checks that, the master's mpirun (-np = 1 per host x
# 2 hosts), and what each rank saw (argv, the v3 variables, its host).
# Skips (77) where network namespaces are not allowed.
#
# usage: sdk_v3_mpi_two_hosts.sh SM_TRAIN WORK_PARENT
set -uo pipefail

SM_TRAIN=$(realpath "$1")
WORK=$(realpath "$(mktemp -d "$2/sdk-v3-mpi-two-hosts.XXXXXX")")
source "$(dirname "$0")/netns_hosts.sh"
fail() { netns_hosts_fail "$@"; }

command -v mpirun > /dev/null && [ -x /usr/sbin/sshd ] || { echo "SKIP: needs Open MPI's mpirun and sshd"; exit 77; }
netns_hosts_up || { echo "SKIP: network namespaces are not allowed here"; exit 77; }

# The tree ModelTrainer and the platform write for HOST (ModelTrainer's channels
# code and sm_drivers; the SDK's hyperparameters through safe_serialize: strings raw).
make_tree() {
    local host=$1 base=$WORK/$1/opt/ml
    mkdir -p "$base/input/config" "$base/input/data/code" "$base/input/data/sm_drivers" "$base/model" "$base/output"
    cat > "$base/input/config/resourceconfig.json" <<JSON
{"current_host": "$host", "hosts": ["algo-1", "algo-2"], "network_interface_name": "eth0",
 "current_instance_type": "ml.c5.xlarge", "current_group_name": "homogeneousCluster",
 "instance_groups": [{"instance_group_name": "homogeneousCluster", "instance_type": "ml.c5.xlarge",
                      "hosts": ["algo-1", "algo-2"]}]}
JSON
    echo '{"code": {"TrainingInputMode": "File"}, "sm_drivers": {"TrainingInputMode": "File"}}' \
        > "$base/input/config/inputdataconfig.json"
    echo '{"epochs": "2", "note": "a b"}' > "$base/input/config/hyperparameters.json"
    cat > "$base/input/data/sm_drivers/sourcecode.json" <<'JSON'
{"source_dir": "/home/me/src", "requirements": null, "entry_script": "train.py",
 "command": "exec sm-train", "ignore_patterns": [".env", ".git", "__pycache__"]}
JSON
    echo '{"process_count_per_node": 1, "mpi_additional_options": ["-x", "MY_VAR"]}' \
        > "$base/input/data/sm_drivers/distributed.json"
    # Each rank records what it was given, in its own host's model dir.
    cat > "$base/input/data/code/train.py" <<'PY'
import json, os, socket, sys
rank = os.environ["OMPI_COMM_WORLD_RANK"]
keep = ("SM_CURRENT_HOST", "SM_TRAINING_ENV", "SM_HOST_COUNT", "SM_CURRENT_HOST_RANK", "SM_MASTER_ADDR", "SM_ENTRY_SCRIPT",
        "SM_SOURCE_DIR", "SM_HPS", "SM_DISTRIBUTED_CONFIG", "SM_USER_ARGS", "MY_VAR", "OMPI_COMM_WORLD_SIZE")
with open(os.path.join(os.environ["SM_MODEL_DIR"], "rank-%s.json" % rank), "w") as f:
    json.dump({"argv": sys.argv, "host": socket.gethostname(), "cwd": os.getcwd(),
               "env": {k: os.environ.get(k) for k in keep}}, f)
PY
}

# Keys and configs, all in the work dir.
source "$(dirname "${BASH_SOURCE[0]}")/ssh_fixture.sh"
write_ssh_fixture "$WORK"

start_host() {
    local host=$1
    make_tree "$host"
    : > "$WORK/$host/environment"
    # /opt/ml is this host's tree in its own mount namespace only (a tmpfs on /opt
    # holds the mount point where the machine has no /opt/ml).
    netns_host_start "$host" "$WORK/$host.log" \
        "$WORK/$host/environment:/etc/environment" "$WORK/sshd_config:/etc/ssh/sshd_config" \
        "$WORK/ssh_config:/etc/ssh/ssh_config" "$WORK/pam_sshd:/etc/pam.d/sshd" -- \
        sh -c '{ [ -d /opt/ml ] || { mount -t tmpfs none /opt && mkdir /opt/ml; }; } &&
               mount --bind "$1" /opt/ml && cd /opt/ml/input/data/code &&
               exec env SM_SOURCE_DIR=/opt/ml/input/data/code SM_ENTRY_SCRIPT=train.py \
                   PWD=/opt/ml/input/data/code MY_VAR=from-$2 timeout 100 "$3"' \
        sh "$WORK/$host/opt/ml" "$host" "$SM_TRAIN"
}

started=$(date +%s)
start_host algo-2
start_host algo-1
netns_hosts_wait || fail "an sm-train did not exit 0"
echo "the job took $(($(date +%s) - started)) s"

for host in algo-1 algo-2; do
    [ -f "$WORK/$host/opt/ml/output/success" ] || fail "no success file on $host"
done
# The worker: sshd, the wait for the master, the MPI daemon, the status file; no program of its own.
for line in "Starting MPI run as worker node." "MPI Master online, creating SSH daemon." \
    "MPI daemon found" "MPI training job status file found. Exit gracefully"; do
    grep -qF "$line" "$WORK/algo-2.log" || fail "algo-2's log lacks '$line'"
done
grep -q "Invoking script with the following command" "$WORK/algo-2.log" && grep -q "mpirun" <(grep -A2 "Invoking" "$WORK/algo-2.log") &&
    fail "the worker ran mpirun itself"
# What the worker wrote for the ssh sessions that start its ranks: the v3 variables, with its own values.
env_file=$WORK/algo-2/environment
for want in 'SM_CURRENT_HOST="algo-2"' 'SM_HOST_COUNT="2"' 'SM_CURRENT_HOST_RANK="1"' \
    'SM_ENTRY_SCRIPT="train.py"' 'SM_SOURCE_DIR="/opt/ml/input/data/code"' 'SM_HPS="{"epochs": 2, "note": "a b"}"'; do
    grep -qxF "$want" "$env_file" || fail "algo-2's /etc/environment lacks $want"
done
grep -q '^SM_USER_ARGS=' "$env_file" && fail "algo-2's /etc/environment has the v2 toolkit's SM_USER_ARGS"
grep -q '^PWD=' "$env_file" && fail "algo-2's /etc/environment has PWD"
# The master's mpirun: one process per host x 2 hosts.
grep -q -- "mpirun --host algo-1,algo-2 -np 2 " "$WORK/algo-1.log" || fail "no 'mpirun --host algo-1,algo-2 -np 2' on algo-1"

python3 - "$WORK" <<'PY' || fail "what the ranks saw"
import json, sys
work = sys.argv[1]
ranks = {}
for host in ("algo-1", "algo-2"):
    for rank in ("0", "1"):
        try:
            ranks[rank] = (host, json.load(open(f"{work}/{host}/opt/ml/model/rank-{rank}.json")))
        except FileNotFoundError:
            pass
assert set(ranks) == {"0", "1"}, f"ranks recorded: {sorted(ranks)}"
for rank, (host, r) in sorted(ranks.items()):
    shown = {k: v for k, v in r["env"].items() if k != "SM_TRAINING_ENV"}
    print(f"rank {rank} on {host}: host name {r['host']}, argv {r['argv']}, cwd {r['cwd']}, env {shown}")
    assert r["host"] == host, (rank, host, r["host"])
    assert r["argv"] == ["train.py", "--epochs", "2", "--note", "a b"], r["argv"]
    assert r["cwd"] == "/opt/ml/input/data/code", r["cwd"]
    e = r["env"]
    # This host's own values, as the SDK's worker gives them through /etc/environment
    # (mpirun's -x would give the rank on algo-2 the master's).
    assert e["SM_CURRENT_HOST"] == host, e
    assert e["SM_CURRENT_HOST_RANK"] == {"algo-1": "0", "algo-2": "1"}[host], e
    assert json.loads(e["SM_TRAINING_ENV"])["current_host"] == host, e
    assert e["OMPI_COMM_WORLD_SIZE"] == "2", e
    assert e["SM_HOST_COUNT"] == "2" and e["SM_ENTRY_SCRIPT"] == "train.py", e
    assert e["SM_SOURCE_DIR"] == "/opt/ml/input/data/code", e
    assert e["SM_HPS"] == '{"epochs": 2, "note": "a b"}', e
    assert e["SM_USER_ARGS"] is None, e
    # mpi_additional_options ["-x", "MY_VAR"]: the master's value on every rank.
    assert e["MY_VAR"] == "from-algo-1", e
assert ranks["0"][0] != ranks["1"][0], "both ranks on one host"
PY
echo "two-host SDK v3 MPI job in command mode: OK"
