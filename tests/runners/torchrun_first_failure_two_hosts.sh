#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Issue 21's first run, for real: `sagemaker_torch_distributed_enabled` on two
# hosts (network namespaces, netns_hosts.sh), one rank each. Rank 1 (algo-2)
# raises ValueError("rank one broke: bad shard 17") (CASES=raise), or writes an
# OSError and calls os._exit(3) (exit3), while rank 0 (algo-1)
# waits in a barrier and gets Gloo's "Connection closed by peer". Each host's
# ErrorMessage must start with the job's first failure: algo-2's own, and on
# algo-1 algo-2's too (the hosts exchange their root causes), with algo-1's own
# consequence after it.
#
# usage: torchrun_first_failure_two_hosts.sh SM_TRAIN WORK_PARENT
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SM_TRAIN=$(realpath "$1")
WORK=$(realpath "$(mktemp -d "$2/torchrun-first-failure.XXXXXX")")
source "$HERE/netns_hosts.sh"
fail() { netns_hosts_fail "$@"; }
export PET_REDIRECTS=9:0 PET_TEE=9:0  # Debian's torch 1.13 (see torchrun_two_hosts.sh)

command -v torchrun > /dev/null || { echo "SKIP: torchrun is not on PATH (Debian: python3-torch)"; exit 77; }
netns_hosts_up || { echo "SKIP: network namespaces are not allowed here"; exit 77; }

# run_case CASE FIRST_LINE: rank 1 on algo-2 raises (raise) or writes an OSError
# and calls os._exit(3) (exit3); both hosts' ErrorMessage must start with FIRST_LINE.
run_case() {
    local case=$1 first=$2 host line
    case " ${CASES:-raise exit3} " in *" $case "*) ;; *) return ;; esac
    rm -rf "$WORK/algo-1" "$WORK/algo-2"
    NETNS_HOSTS_STARTED=()
    for host in algo-2 algo-1; do
        netns_make_tree "$host" '["algo-1", "algo-2"]' eth0 \
            '{"sagemaker_torch_distributed_enabled": "true", "sagemaker_program": "\"train.py\""}'
        cat > "$WORK/$host/opt/ml/code/train.py" <<'PY'
import os, sys, time
import torch.distributed as dist
dist.init_process_group("gloo")
if dist.get_rank() == 1:
    time.sleep(1)
    if os.environ["CASE"] == "raise":
        raise ValueError("rank one broke: bad shard 17")
    print("OSError: [Errno 5] Input/output error: '/opt/ml/input/data/train/part-17'", file=sys.stderr, flush=True)
    os._exit(3)
dist.barrier()
PY
        netns_host_start "$host" "$WORK/$host.$case.log" -- \
            env CASE="$case" SAGEMAKER_BASE_DIR="$WORK/$host/opt/ml" timeout 150 "$SM_TRAIN" train
    done
    netns_hosts_wait && fail "$case: both sm-train exited 0"
    for host in algo-1 algo-2; do
        echo "=== $case: $host output/failure:"
        cat "$WORK/$host/opt/ml/output/failure"
        echo
        line=$(sed -n 3p "$WORK/$host/opt/ml/output/failure")
        [ "$line" = "ErrorMessage \"$first" ] || fail "$case: $host: <$line>, expected <ErrorMessage \"$first>"
    done
    grep -q '^on algo-1: Collective failure (NCCL/Gloo): rank 0 (local rank 0) on algo-1 exited with code 1: RuntimeError: .*Connection closed by peer' \
        "$WORK/algo-1/opt/ml/output/failure" || fail "$case: algo-1's own consequence is not named after the first failure"
}

run_case raise "rank 1 (local rank 0) on algo-2 exited with code 1: ValueError: rank one broke: bad shard 17"
# algo-2 runs one worker: its stderr (less torchrun's own lines) is that worker's,
# though os._exit(3) left no traceback.
run_case exit3 "rank 1 (local rank 0) on algo-2 exited with code 3: OSError: [Errno 5] Input/output error: '/opt/ml/input/data/train/part-17'"
echo "two-host torchrun, first failure on every host: OK"
