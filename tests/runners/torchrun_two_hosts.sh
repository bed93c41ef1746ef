#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A real two-host torchrun job on one machine, on CPUs: examples/torchrun's
# DDP script through sm-train with `sagemaker_torch_distributed_enabled` on
# hosts algo-1 and algo-2 (network namespaces, netns_hosts.sh). sm-train on
# each host runs `torchrun --nnodes 2 --nproc_per_node 1 --master_addr algo-1
# --master_port 7777 --node_rank R`; the ranks meet over the veth pair and
# train with gloo. Checks both sm-train processes exit 0, each host's command,
# a world size of 2, and that the loss fell. Without namespaces, runs the
# one-host case. The GPU variant of this check is examples/torchrun/gpu_check.sh.
#
# usage: torchrun_two_hosts.sh SM_TRAIN WORK_PARENT
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SM_TRAIN=$(realpath "$1")
WORK=$(realpath "$(mktemp -d "$2/torchrun-two-hosts.XXXXXX")")
source "$HERE/netns_hosts.sh"
fail() { netns_hosts_fail "$@"; }

# Debian bookworm's torch 1.13 on Python 3.11 cannot parse torchrun's default
# "--redirects 0" / "--tee 0" (Std.from_str returns None for 0 under 3.11's
# IntFlag), and torchrun dies before starting a worker. A mapping that names
# only a local rank this job does not have means the same (no redirection),
# and torchrun reads it from PET_REDIRECTS / PET_TEE. Newer torch needs none of this.
export PET_REDIRECTS=9:0 PET_TEE=9:0

make_tree() {
    netns_make_tree "$1" "$2" "$3" '{"sagemaker_torch_distributed_enabled": "true",
        "sagemaker_program": "\"ddp_train.py\"", "steps": "30", "lr": "0.5"}'
    cp "$HERE/../../examples/torchrun/ddp_train.py" "$WORK/$1/opt/ml/code/"
}

# check_summary WORLD_SIZE: rank 0's summary on algo-1.
check_summary() {
    local summary=$WORK/algo-1/opt/ml/model/summary.json
    [ -f "$summary" ] || fail "no $summary"
    python3 - "$summary" "$1" <<'PY' || fail "summary.json: wrong values"
import json, sys
s = json.load(open(sys.argv[1]))
print("summary:", json.dumps(s, sort_keys=True))
assert s["world_size"] == int(sys.argv[2]), "world size"
assert s["device"] == "cpu", "device"
assert s["sm_num_gpus"] == "0", "SM_NUM_GPUS"
assert s["sm_current_host"] == "algo-1", "SM_CURRENT_HOST"
assert s["last_loss"] < s["first_loss"] / 10, "the loss did not fall"
PY
}

one_host() {
    echo "SKIP-NOTE: network namespaces are not allowed here; running the 1-host real case instead"
    make_tree algo-1 '["algo-1"]' lo
    SAGEMAKER_BASE_DIR=$WORK/algo-1/opt/ml SM_STUDIO_LOCAL_MODE=true \
        timeout 150 "$SM_TRAIN" train > "$WORK/algo-1.log" 2>&1 || fail "sm-train exited $?"
    grep -qF 'torchrun --nnodes 1 --nproc_per_node 1 ddp_train.py --lr 0.5 --steps 30' "$WORK/algo-1.log" ||
        fail "no torchrun command in the log"
    check_summary 1
    exit 0
}

# 77: ctest's "skipped"; scripts/install-deps.sh installs it, so CI never skips.
command -v torchrun > /dev/null || { echo "SKIP: torchrun is not on PATH (Debian: python3-torch)"; exit 77; }
netns_hosts_up || one_host

for host in algo-2 algo-1; do
    make_tree "$host" '["algo-1", "algo-2"]' eth0
    netns_host_start "$host" "$WORK/$host.log" -- \
        env SAGEMAKER_BASE_DIR="$WORK/$host/opt/ml" timeout 150 "$SM_TRAIN" train
done
netns_hosts_wait || fail "an sm-train did not exit 0"
for rank in 0 1; do
    host=algo-$((rank + 1))
    [ -f "$WORK/$host/opt/ml/output/success" ] || fail "no success file on $host"
    expected="torchrun --nnodes 2 --nproc_per_node 1 --master_addr algo-1 --master_port 7777 --node_rank $rank"
    expected+=" ddp_train.py --lr 0.5 --steps 30"
    grep -qF "$expected" "$WORK/$host.log" || fail "$host did not run: $expected"
done
check_summary 2
echo "two-host torchrun run: OK"
