#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The warning before the deadline (issue 22): trainingjobconfig.json says
# MaxRuntimeInSeconds, SMTRAIN_DEADLINE_SIGNAL=USR1 and SMTRAIN_DEADLINE_WARNING_S
# say what to send and when; every rank must get it once, at the time asked,
# under the process runner, real torchrun (two workers) and real mpirun (two
# ranks). Prints each rank's lateness; fails beyond TOLERANCE_S (0.5 s).
#
# usage: deadline_warning.sh SM_TRAIN WORK_PARENT
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SM_TRAIN=$(realpath "$1")
WORK=$(realpath "$(mktemp -d "$2/deadline-warning.XXXXXX")")
trap 'rm -rf "$WORK"' EXIT
TOLERANCE_S=0.5
fail() { echo "FAIL: $*" >&2; for f in "$WORK"/*.log; do echo "--- $f"; tail -30 "$f"; done >&2; exit 1; }

export SMTRAIN_PYTHON=/usr/bin/python3 SMTRAIN_DEADLINE_SIGNAL=USR1 SMTRAIN_DEADLINE_WARNING_S=4
# torch 1.13 on Python 3.11 (see tests/runners/torchrun_two_hosts.sh).
export PET_REDIRECTS=9:0 PET_TEE=9:0

# run NAME RANKS HYPERPARAMETERS_JSON [VAR=VALUE...]
run() {
    local name=$1 ranks=$2 hps=$3 base=$WORK/$1/opt/ml
    shift 3
    mkdir -p "$base/input/config" "$base/code" "$base/model" "$base/output"
    echo "$RESOURCE_CONFIG" > "$base/input/config/resourceconfig.json"
    echo '{}' > "$base/input/config/inputdataconfig.json"
    echo "$hps" > "$base/input/config/hyperparameters.json"
    # What SageMaker writes: the CreateTrainingJob request, StoppingCondition included.
    echo "{\"TrainingJobName\": \"t\", \"StoppingCondition\": {\"MaxRuntimeInSeconds\": $MAX_RUNTIME}}" \
        > "$base/input/config/trainingjobconfig.json"
    cp "$HERE/warn.py" "$base/code/"
    printf '#!/bin/sh\nexec /usr/bin/python3 warn.py\n' > "$base/code/warn.sh"
    chmod +x "$base/code/warn.sh"
    env SAGEMAKER_BASE_DIR="$base" SM_STUDIO_LOCAL_MODE=true "$@" timeout $((MAX_RUNTIME + 60)) "$SM_TRAIN" train \
        > "$WORK/$name.log" 2>&1 || fail "$name: sm-train exited $?"
    local files=("$base"/model/warned-*)
    [ "${#files[@]}" = "$ranks" ] || fail "$name: ${#files[@]} rank(s) reported, expected $ranks"
    for f in "${files[@]}"; do
        local late
        late=$(cat "$f")
        [ "$late" != none ] || fail "$name: $(basename "$f"): no warning"
        echo "$name $(basename "$f"): the warning came $late s after the time asked"
        awk -v l="$late" -v t="$TOLERANCE_S" 'BEGIN { exit !(l > -0.05 && l < t) }' ||
            fail "$name: $(basename "$f") $late s late, over $TOLERANCE_S s"
    done
    grep -q "Deadline warning: sent SIGUSR1" "$WORK/$name.log" || fail "$name: no log line"
    grep -q "at [0-9.]* s: deadline warning: SIGUSR1 to" "$WORK/$name.log" || fail "$name: not in the timeline"
}

# The warning must come after every rank has set its handler: importing torch
# takes from 2 s to 30 s on a loaded machine (torchrun, then each worker).
start=$SECONDS
/usr/bin/python3 -c 'import torch' 2> /dev/null
MAX_RUNTIME=$((3 * (SECONDS - start + 1) + 12))
echo "deadline in $MAX_RUNTIME s, the warning $SMTRAIN_DEADLINE_WARNING_S s before it"
RESOURCE_CONFIG='{"current_host": "algo-1", "hosts": ["algo-1"]}'
run process 1 '{"sagemaker_program": "\"warn.py\""}'

if /usr/bin/python3 -c 'import torch' 2> /dev/null && command -v torchrun > /dev/null; then
    run torchrun 2 '{"sagemaker_program": "\"warn.py\"", "sagemaker_torch_distributed_enabled": "true",
        "sagemaker_mpi_num_of_processes_per_host": "2"}'
else
    echo "SKIP-NOTE: no torchrun/python3-torch: the torchrun case did not run"
fi

if command -v mpirun > /dev/null; then
    # mpirun starts the ranks of a host it knows as local itself (no ssh): "localhost".
    RESOURCE_CONFIG='{"current_host": "localhost", "hosts": ["localhost"], "network_interface_name": "lo"}'
    run mpi 2 '{"sagemaker_program": "\"warn.sh\"", "sagemaker_mpi_enabled": "true",
        "sagemaker_mpi_num_of_processes_per_host": "2"}' SMTRAIN_SSHD=/bin/true
else
    echo "SKIP-NOTE: no mpirun: the MPI case did not run"
fi
