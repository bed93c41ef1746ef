#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Root cause first (issue 21): real torchrun (Gloo on CPU) and real Open MPI
# jobs on one host, each with one rank that fails first while the others block
# in a collective (or sleep), through sm-train. For each, the ErrorMessage of
# output/failure must start with the first-failing rank and its own error line
# (not torchrun's ChildFailedError or another rank's "Connection closed by
# peer"). Prints each failure file, for comparing with the toolkit's reason.
#
# usage: root_cause_real.sh SM_TRAIN WORK_PARENT
set -uo pipefail

SM_TRAIN=$(realpath "$1")
WORK=$(realpath "$(mktemp -d "$2/root-cause.XXXXXX")")
trap '[ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
# Debian's torch 1.13 on Python 3.11 (see torchrun_two_hosts.sh).
export PET_REDIRECTS=9:0 PET_TEE=9:0
failures=0

make_tree() {  # NAME HYPERPARAMETERS_JSON
    local base=$WORK/$1/opt/ml
    mkdir -p "$base/input/config" "$base/code" "$base/model" "$base/output"
    cat > "$base/input/config/resourceconfig.json" <<JSON
{"current_host": "algo-1", "hosts": ["algo-1"], "network_interface_name": "lo"}
JSON
    echo "$2" > "$base/input/config/hyperparameters.json"
    echo '{}' > "$base/input/config/inputdataconfig.json"
}

# run_case NAME EXPECTED_ERROR_MESSAGE_FIRST_LINE [NAME=VALUE...] [-- PREFIX COMMAND...]
run_case() {
    local name=$1 expected=$2
    shift 2
    case " ${CASES:-$name} " in *" $name "*) ;; *) return ;; esac
    local base=$WORK/$name/opt/ml
    local start=$SECONDS vars=() prefix=()
    while (($#)) && [ "$1" != -- ]; do vars+=("$1"); shift; done
    (($#)) && { shift; prefix=("$@"); }
    "${prefix[@]}" env "${vars[@]}" SAGEMAKER_BASE_DIR="$base" SM_STUDIO_LOCAL_MODE=true timeout 120 \
        "$SM_TRAIN" train > "$WORK/$name.log" 2>&1
    local code=$?
    local failure=$base/output/failure
    echo "=== $name: sm-train exited $code after $((SECONDS - start)) s; output/failure:"
    cat "$failure" 2>/dev/null || echo "(none)"
    echo
    local first
    first=$(sed -n '3p' "$failure" 2>/dev/null)
    if [ "$first" != "ErrorMessage \"$expected" ] && [ "$first" != "ErrorMessage \"$expected\"" ]; then
        echo "FAIL: $name: ErrorMessage's first line is <$first>, expected <ErrorMessage \"$expected>"
        tail -30 "$WORK/$name.log"
        failures=$((failures + 1))
    fi
}

if command -v torchrun > /dev/null; then
    # Rank 1 raises while rank 0 waits in a barrier (Gloo on CPU).
    make_tree torch_raise '{"sagemaker_torch_distributed_enabled": "true", "sagemaker_program": "\"train.py\"",
        "sagemaker_mpi_num_of_processes_per_host": "2"}'
    cat > "$WORK/torch_raise/opt/ml/code/train.py" <<'PY'
import time
import torch.distributed as dist
dist.init_process_group("gloo")
if dist.get_rank() == 1:
    time.sleep(1)
    raise ValueError("rank one broke: bad shard 17")
dist.barrier()
PY
    # No error files: torchrun's "first observed failure" is a tie between the two
    # ranks (both exit 1 within its monitor interval), and their shared stderr
    # does not say whose traceback is whose: the error is named, with both ranks.
    run_case torch_raise "one of ranks 0 and 1 on algo-1 exited with code 1: ValueError: rank one broke: bad shard 17"

    # The same with torch's @record: the error file carries the traceback.
    make_tree torch_record '{"sagemaker_torch_distributed_enabled": "true", "sagemaker_program": "\"train.py\"",
        "sagemaker_mpi_num_of_processes_per_host": "2"}'
    cat > "$WORK/torch_record/opt/ml/code/train.py" <<'PY'
import time
import torch.distributed as dist
from torch.distributed.elastic.multiprocessing.errors import record

@record
def main():
    dist.init_process_group("gloo")
    if dist.get_rank() == 1:
        time.sleep(1)
        raise KeyError("shard 17 has no labels")
    dist.barrier()

main()
PY
    # With @record, each rank's error file tells them apart: rank 1's KeyError,
    # not rank 0's "Connection closed by peer" (torchrun may list either as the root).
    run_case torch_record "rank 1 (local rank 1) on algo-1 exited with code 1: KeyError: 'shard 17 has no labels'"

    # Rank 1 writes its error and exits 3 while rank 0 blocks in a barrier.
    make_tree torch_exit3 '{"sagemaker_torch_distributed_enabled": "true", "sagemaker_program": "\"train.py\"",
        "sagemaker_mpi_num_of_processes_per_host": "2"}'
    cat > "$WORK/torch_exit3/opt/ml/code/train.py" <<'PY'
import os, sys, time
import torch.distributed as dist
dist.init_process_group("gloo")
if dist.get_rank() == 1:
    time.sleep(1)
    print("rank 1: giving up on the data loader", file=sys.stderr, flush=True)
    print("OSError: [Errno 5] Input/output error: '/opt/ml/input/data/train/part-17'", file=sys.stderr, flush=True)
    os._exit(3)
dist.barrier()
PY
    # os._exit(3): no traceback of its own, and the two ranks share torchrun's
    # stderr; rank 0's exit 1 is its Gloo traceback's (a consequence), so the one
    # error that is not a collective one is rank 1's.
    run_case torch_exit3 "rank 1 (local rank 1) on algo-1 exited with code 3: OSError: [Errno 5] Input/output error: '/opt/ml/input/data/train/part-17'"

    # A missing module: the class goes first.
    make_tree torch_import '{"sagemaker_torch_distributed_enabled": "true", "sagemaker_program": "\"train.py\""}'
    echo 'import no_such_module_smtrain' > "$WORK/torch_import/opt/ml/code/train.py"
    run_case torch_import "Python import error: rank 0 (local rank 0) on algo-1 exited with code 1: ModuleNotFoundError: No module named 'no_such_module_smtrain'"
else
    echo "SKIP-NOTE: torchrun is not on PATH: the torchrun cases are not run"
fi

if command -v mpirun > /dev/null; then
    # Rank 1 writes its error and exits 3 while rank 0 sleeps; mpirun kills rank 0.
    make_tree mpi_exit3 '{"sagemaker_mpi_enabled": "true", "sagemaker_program": "\"rank.sh\"",
        "sagemaker_mpi_num_of_processes_per_host": "2"}'
    cat > "$WORK/mpi_exit3/opt/ml/code/rank.sh" <<'SH'
#!/bin/sh
if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then
    echo "rank 1 starting" >&2
    sleep 1
    echo "OSError: [Errno 5] Input/output error: '/opt/ml/input/data/train/part-17'" >&2
    exit 3
fi
echo "rank $OMPI_COMM_WORLD_RANK waiting" >&2
sleep 60
SH
    chmod +x "$WORK/mpi_exit3/opt/ml/code/rank.sh"
    # A UTS namespace named algo-1, so that Open MPI starts both ranks here (no ssh).
    run_case mpi_exit3 "rank 1 on algo-1 exited with code 3: OSError: [Errno 5] Input/output error: '/opt/ml/input/data/train/part-17'" \
        SMTRAIN_SSHD=/bin/true -- unshare --uts sh -c 'hostname algo-1 && exec "$@"' sh
else
    echo "SKIP-NOTE: mpirun is not on PATH: the MPI case is not run"
fi

[ "$failures" = 0 ] || { echo "$failures case(s) failed"; exit 1; }
echo "root cause first, real torchrun and MPI: OK"
