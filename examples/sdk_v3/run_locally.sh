#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The SDK v3 jobs of this directory, run by sm-train on this machine without
# AWS: each tree is written as ModelTrainer, its tuner and the platform would
# write it (docs/sdk-v3.md), in a temp dir (SAGEMAKER_BASE_DIR).
#   SM_TRAIN=path/to/sm-train examples/sdk_v3/run_locally.sh
# With torchrun on PATH, the jobs use Torchrun(process_count_per_node=2).
# SM_STUDIO_LOCAL_MODE=true: no cluster DNS here, so no waiting for host names.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sm_train=${SM_TRAIN:-sm-train}
# Debian's python3 refuses pip installs outside a venv (PEP 668); a training image's pip installs.
export PIP_BREAK_SYSTEM_PACKAGES=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if command -v torchrun >/dev/null; then
    distributed='{"process_count_per_node": 2, "smp": null}'
    export PET_REDIRECTS=9:0 PET_TEE=9:0  # torch 1.13 on Python 3.11
    # One host: torchrun's rendezvous is on 29500 unless told; another job on this
    # machine may hold that port (on SageMaker each host is alone).
    export PET_MASTER_PORT=$((20000 + RANDOM % 20000))
else
    distributed='{}'
fi

# tree DIR HOST HOSTS CHANNELS_JSON HYPERPARAMETERS_JSON
tree() {
    mkdir -p "$1/input/config" "$1/input/data/train" "$1/model" "$1/output"
    printf '{"current_host": "%s", "hosts": %s, "network_interface_name": "%s", "current_instance_type": "%s"}' \
        "$2" "$3" "${NIC:-eth0}" "${TYPE:-ml.m5.xlarge}" > "$1/input/config/resourceconfig.json"
    echo "$4" > "$1/input/config/inputdataconfig.json"
    echo "$5" > "$1/input/config/hyperparameters.json"
}
drivers() {  # the sm_drivers channel's job files (the SDK's scripts are not needed by sm-train)
    mkdir -p "$1/input/data/sm_drivers"
    echo '{"source_dir": "src", "requirements": "requirements.txt", "entry_script": "train.py", "command": "exec sm-train", "ignore_patterns": null}' \
        > "$1/input/data/sm_drivers/sourcecode.json"
    echo "$distributed" > "$1/input/data/sm_drivers/distributed.json"
}
channels='{"train": {"TrainingInputMode": "File"}, "code": {"TrainingInputMode": "File"}, "sm_drivers": {"TrainingInputMode": "File"}}'

echo "== command mode: SourceCode(command=\"exec sm-train\"), after the SDK's sm_train.sh"
job=$work/command
tree "$job" algo-1 '["algo-1"]' "$channels" '{"epochs": "3", "lr": "0.01", "layers": "[64, 32]"}'
drivers "$job"
cp -r "$here/src" "$job/input/data/code"
# sm_train.sh has exported environment.py's variables, installed the requirements
# and cd'd into the code: sm-train needs only SM_SOURCE_DIR to know it ran.
(cd "$job/input/data/code" && SM_STUDIO_LOCAL_MODE=true SAGEMAKER_BASE_DIR=$job TRAINING_JOB_NAME=v3-command \
    SM_SOURCE_DIR=$job/input/data/code "$sm_train")
cat "$job/model/model-algo-1.json"; echo

echo "== the tuner path: sm-train as ENTRYPOINT, code from sagemaker_submit_directory"
job=$work/tuner
tar -czf "$work/sourcedir.tar.gz" -C "$here/src" .
tree "$job" algo-1 '["algo-1"]' '{"train": {"TrainingInputMode": "File"}, "sm_drivers": {"TrainingInputMode": "File"}}' \
    "{\"epochs\": \"3\", \"lr\": \"0.05\", \"sagemaker_program\": \"train.py\", \"sagemaker_submit_directory\": \"$work/sourcedir.tar.gz\"}"
drivers "$job"
SM_STUDIO_LOCAL_MODE=true SAGEMAKER_BASE_DIR=$job TRAINING_JOB_NAME=v3-tuner-trial "$sm_train" train
cat "$job/model/model-algo-1.json"; echo

echo "== source_code=None in v3 local mode: two hosts, ethwe, one model dir, no argument"
pids=()
for host in algo-1 algo-2; do
    job=$work/local/$host
    NIC=ethwe TYPE=local_cpu tree "$job" $host '["algo-1", "algo-2"]' '{"train": {"TrainingInputMode": "File"}}' '{"epochs": "2"}'
    rm -rf "$job/model" && ln -s "$work/local/model" "$job/model" && mkdir -p "$work/local/model"
    mkdir -p "$job/code" && cp "$here/src/train.py" "$job/code/"
    SAGEMAKER_BASE_DIR=$job TRAINING_JOB_NAME=v3-local SAGEMAKER_PROGRAM=train.py SM_STUDIO_LOCAL_MODE=true \
        SMTRAIN_SDK_V3_VARIABLES=true "$sm_train" & pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
ls "$work/local/model"
