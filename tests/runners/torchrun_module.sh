#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A module entry point under a real torchrun (one host, CPU): the code dir
# holds the package `trainer`, and the job names `-m trainer.main` (as
# sagemaker_program), then `trainer.main:` (as an SMTRAIN_ARGS template's
# first word). sm-train must run `torchrun ... -m trainer.main ARGS`; each
# worker (a real torchrun worker) writes what Python made of it: __name__,
# __spec__.name, sys.argv[1:], RANK, WORLD_SIZE, SM_USER_ARGS and whether
# SM_TRAINING_ENV reached it. The checks read that file.
#
# usage: torchrun_module.sh SM_TRAIN WORK_PARENT
set -uo pipefail

SM_TRAIN=$(realpath "$1")
WORK=$(realpath "$(mktemp -d "$2/torchrun-module.XXXXXX")")
trap 'rm -rf "$WORK"' EXIT
fail() {
    echo "FAIL: $*" >&2
    for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -40 "$f"; }; done >&2
    exit 1
}

# 77: ctest's "skipped"; scripts/install-deps.sh installs it, so CI never skips.
command -v torchrun > /dev/null || { echo "SKIP: torchrun is not on PATH (Debian: python3-torch)"; exit 77; }
# torch 1.13 on Python 3.11 cannot parse torchrun's default --redirects/--tee
# (see torchrun_two_hosts.sh); a mapping naming a rank this job lacks means "none".
export PET_REDIRECTS=9:0 PET_TEE=9:0

# make_tree NAME HYPERPARAMETERS_JSON: a one-host tree with the package in its code dir.
make_tree() {
    local base=$WORK/$1/opt/ml
    mkdir -p "$base/input/config" "$base/code/trainer" "$base/model" "$base/output"
    cat > "$base/input/config/resourceconfig.json" <<'JSON'
{"current_host": "algo-1", "hosts": ["algo-1"], "network_interface_name": "lo",
 "current_instance_type": "ml.c5.xlarge"}
JSON
    echo "$2" > "$base/input/config/hyperparameters.json"
    echo '{}' > "$base/input/config/inputdataconfig.json"
    : > "$base/code/trainer/__init__.py"
    cat > "$base/code/trainer/main.py" <<'PY'
import json, os, sys
out = {"name": __name__, "spec": __spec__.name if __spec__ else None, "args": sys.argv[1:],
       "rank": os.environ.get("RANK"), "world_size": os.environ.get("WORLD_SIZE"),
       "user_args": json.loads(os.environ["SM_USER_ARGS"]),
       "has_training_env": "SM_TRAINING_ENV" in os.environ}
with open(os.path.join(os.environ["SM_MODEL_DIR"], "rank-%s.json" % out["rank"]), "w") as f:
    json.dump(out, f)
PY
}

# check NAME EXPECTED_ARGS_JSON EXPECTED_COMMAND
check() {
    local base=$WORK/$1/opt/ml
    [ -f "$base/output/success" ] || fail "$1: no output/success"
    grep -qF -- "$3" "$WORK/$1.log" || fail "$1: the log does not show: $3"
    /usr/bin/python3 - "$base/model/rank-0.json" "$2" <<'PY' || fail "$1: the worker saw other values"
import json, sys
seen = json.load(open(sys.argv[1]))
print("worker:", json.dumps(seen, sort_keys=True))
expected = json.loads(sys.argv[2])
assert seen["name"] == "__main__", "runs as __main__"
assert seen["spec"] == "trainer.main", "imported as the module trainer.main"
assert seen["args"] == expected, "argv"
assert seen["user_args"] == expected, "SM_USER_ARGS"
assert seen["rank"] == "0" and seen["world_size"] == "1", "a torchrun worker"
assert seen["has_training_env"], "the SM_* variables"
PY
}

# 1. sagemaker_program names the module; the toolkit's --key value arguments.
make_tree program '{"sagemaker_torch_distributed_enabled": "true", "sagemaker_program": "\"-m trainer.main\"",
    "lr": "0.5", "epochs": "3"}'
SAGEMAKER_BASE_DIR=$WORK/program/opt/ml SM_STUDIO_LOCAL_MODE=true \
    timeout 120 "$SM_TRAIN" train > "$WORK/program.log" 2>&1 || fail "program: sm-train exited $?"
check program '["--epochs", "3", "--lr", "0.5"]' \
    'torchrun --nnodes 1 --nproc_per_node 1 -m trainer.main --epochs 3 --lr 0.5'

# 2. A template names it as `pkg.module:`, with Hydra-style words of its own.
make_tree template '{"sagemaker_torch_distributed_enabled": "true", "lr": "0.5", "name": "\"two words\""}'
SAGEMAKER_BASE_DIR=$WORK/template/opt/ml SM_STUDIO_LOCAL_MODE=true \
    SMTRAIN_ARGS='["trainer.main:", "--lr", "{lr}", "run.name={name}"]' \
    timeout 120 "$SM_TRAIN" train > "$WORK/template.log" 2>&1 || fail "template: sm-train exited $?"
check template '["--lr", "0.5", "run.name=two words"]' \
    "torchrun --nnodes 1 --nproc_per_node 1 -m trainer.main --lr 0.5 run.name=two words"
echo "module entry points under torchrun: OK"
