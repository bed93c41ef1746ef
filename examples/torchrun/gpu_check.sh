#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The torchrun check for a machine with a GPU: ddp_train.py through sm-train
# with `sagemaker_torch_distributed_enabled`, on a fake one-host /opt/ml tree.
# Passes when sm-train exits 0, SM_NUM_GPUS is 1 (or more), the loss falls,
# and rank 0 trained on cuda. Needs python3 with torch (CUDA) and torchrun on PATH.
#
# usage: examples/torchrun/gpu_check.sh [SM_TRAIN]   (default build/release/src/launcher/sm-train)
# Output goes to $OUT when set (the device runner), else to a temp dir.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SM_TRAIN=$(realpath "${1:-build/release/src/launcher/sm-train}")
RESULTS=${OUT:-$(mktemp -d)}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

echo "== machine"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || echo "no nvidia-smi"
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available(), torch.cuda.device_count())' ||
    { echo "FAIL: python3 cannot import torch"; exit 1; }
command -v torchrun >/dev/null || { echo "FAIL: torchrun is not on PATH"; exit 1; }
[ -x "$SM_TRAIN" ] || { echo "FAIL: no sm-train at $SM_TRAIN"; exit 1; }

BASE=$WORK/opt/ml
mkdir -p "$BASE/input/config" "$BASE/code" "$BASE/model" "$BASE/output"
cp "$HERE/ddp_train.py" "$BASE/code/"
cat > "$BASE/input/config/resourceconfig.json" <<'JSON'
{"current_host": "algo-1", "hosts": ["algo-1"], "network_interface_name": "lo",
 "current_instance_type": "ml.g5.xlarge", "current_group_name": "homogeneousCluster",
 "instance_groups": [{"instance_group_name": "homogeneousCluster", "instance_type": "ml.g5.xlarge", "hosts": ["algo-1"]}]}
JSON
cat > "$BASE/input/config/hyperparameters.json" <<'JSON'
{"sagemaker_torch_distributed_enabled": "true", "sagemaker_program": "\"ddp_train.py\"", "steps": "30", "lr": "0.5"}
JSON
echo '{}' > "$BASE/input/config/inputdataconfig.json"

echo "== sm-train --dry-run"
SAGEMAKER_BASE_DIR=$BASE SM_STUDIO_LOCAL_MODE=true "$SM_TRAIN" train --dry-run 2>&1 | tee "$RESULTS/dry-run.txt" | head -20
echo "== sm-train train"
SAGEMAKER_BASE_DIR=$BASE SM_STUDIO_LOCAL_MODE=true timeout 300 "$SM_TRAIN" train > "$RESULTS/train.log" 2>&1
code=$?
tail -40 "$RESULTS/train.log"
cp -r "$BASE/model" "$BASE/output" "$RESULTS/" 2>/dev/null
echo "sm-train exit code: $code"
[ "$code" = 0 ] || { echo "FAIL: sm-train exited $code"; exit 1; }
grep -q "torchrun --nnodes 1 --nproc_per_node" "$RESULTS/train.log" || { echo "FAIL: no torchrun command in the log"; exit 1; }
python3 - "$BASE/model/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print("summary:", s)
assert int(s["sm_num_gpus"]) >= 1, "SM_NUM_GPUS is not at least 1"
assert s["device"].startswith("cuda"), "rank 0 did not train on the GPU"
assert s["last_loss"] < s["first_loss"] / 10, "the loss did not fall"
print("GPU torchrun check: OK")
PY
