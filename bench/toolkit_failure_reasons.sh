#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The rows of docs/reliability.md's "What the toolkit would have said" that no
# test keeps: MPI on one host (rank 1 raises; rank 1 hangs) and torchrun on two
# hosts (rank 1 on algo-2 raises; exits 3), through `sm-train local`. For each,
# the first line of our ErrorMessage (or reason) and the toolkit's rule on the
# same run's output (bench/toolkit_failure_reason.py), on every host that failed.
# The other rows: KEEP=1 tests/runners/root_cause_real.sh and
# tests/runners/mpi_local_two_hosts.sh, then toolkit_failure_reason.py on their logs.
# Needs root (namespaces), Open MPI with /usr/bin/python3's mpi4py, torchrun.
#
# usage: bench/toolkit_failure_reasons.sh SM_TRAIN
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SM_TRAIN=$(realpath "$1")
WORK=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
export PET_REDIRECTS=9:0 PET_TEE=9:0  # Debian's torch 1.13 on Python 3.11
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

mkdir -p "$WORK/mpi" "$WORK/torch"
cat > "$WORK/mpi/train.py" <<'PY'
import os, time
from mpi4py import MPI
comm = MPI.COMM_WORLD
rank = comm.Get_rank()
print(f"rank {rank} of {comm.Get_size()}: started", flush=True)
if rank == 1 and os.environ["CASE"] == "raise":
    time.sleep(1)
    raise ValueError("rank three broke: bad shard 17")
if rank == 1 and os.environ["CASE"] == "hang":
    print("rank 1: loading shard 17", flush=True)
    time.sleep(100000)
comm.Barrier()
PY
cat > "$WORK/torch/train.py" <<'PY'
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

# show NAME OUT LOG...: ours (the ErrorMessage's first line, or a hang's reason), then the toolkit's.
show() {
    local name=$1 out=$2
    shift 2
    echo "== $name"
    for failure in "$out"/output/failure "$out"/*/output/failure; do
        [ -f "$failure" ] || continue
        local line
        line=$(sed -n 3p "$failure")
        [ "$(head -1 "$failure")" = "ExecuteUserScriptError:" ] || line=$(head -1 "$failure")
        echo "  sm-train  ${failure#"$out"/}: ${line:0:200}"
    done
    for log in "$@"; do
        [ -f "$log" ] && echo "  toolkit   $(basename "$log"): $(python3 "$HERE/toolkit_failure_reason.py" "$log" --first-line)"
    done
}

for case in raise hang; do
    settings=()
    [ "$case" = hang ] && settings=(SMTRAIN_HANG_PROGRESS_S=15 SMTRAIN_GRACE_PERIOD_S=5)
    # One host named algo-1 (a UTS namespace), so that mpirun starts both ranks itself.
    unshare --uts sh -c 'hostname algo-1 && exec "$@"' sh env SMTRAIN_SSHD=/bin/true TMPDIR="$WORK" CASE=$case \
        "${settings[@]}" timeout 120 "$SM_TRAIN" local --distribution mpi --processes-per-host 2 \
        --entry-point train.py --source-dir "$WORK/mpi" --output "$WORK/mpi-$case" > "$WORK/mpi-$case.log" 2>&1
    if [ "$case" = hang ]; then
        show "MPI, 1 host, rank 1: hang (the toolkit has no watchdog: no reason until MaxRuntime)" "$WORK/mpi-$case"
    else
        show "MPI, 1 host, rank 1: $case" "$WORK/mpi-$case" "$WORK/mpi-$case.log"
    fi
done
for case in raise exit3; do
    tmp=$WORK/torch-$case.tmp
    mkdir -p "$tmp"
    TMPDIR=$tmp CASE=$case timeout 200 "$SM_TRAIN" local --hosts 2 --distribution torch_distributed \
        --entry-point train.py --source-dir "$WORK/torch" --output "$WORK/torch-$case" > "$WORK/torch-$case.log" 2>&1
    show "torchrun, 2 hosts, rank 1 on algo-2: $case" "$WORK/torch-$case" "$WORK/torch-$case.log" \
        "$tmp"/sm-train-local-*/algo-2.log
done
