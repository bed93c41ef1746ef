#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Start time and peak memory of `train` under sm-train and under AWS's Python
# toolkit, on the same fake /opt/ml tree with the same no-op `.sh` program.
#
#   bench/compare_toolkit.sh SM_TRAIN TOOLKIT_SRC [RUNS]
#
# TOOLKIT_SRC is a checkout of aws/sagemaker-training-toolkit's `src/` folder
# (the toolkit is run from it, never copied here); the Python that runs it needs
# what it imports: on Debian, `apt-get install python3-boto3 python3-six python3-numpy
# python3-scipy python3-psutil python3-paramiko python3-retrying python3-gevent
# python3-protobuf python3-werkzeug` and PYTHON=/usr/bin/python3. Two modules it
# imports are not packaged by Debian and are only *used* on paths this job does not
# take (its C extension `gethostname`, for MPI; `inotify_simple`, for an s3://
# intermediate output): when missing, import-only stand-ins are put on its path.
# Prints, for each launcher, the
# median wall time of a whole job (start to exit, the program included) and the
# median peak RSS of the launcher process (GNU time's %M: the largest process of
# the job, the launcher itself here since the program is a no-op shell script).
set -euo pipefail

sm_train=$(realpath "${1:?usage: $0 SM_TRAIN TOOLKIT_SRC [RUNS]}")
toolkit=$(realpath "${2:?usage: $0 SM_TRAIN TOOLKIT_SRC [RUNS]}")
runs=${3:-30}
python=${PYTHON:-python3}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
base=$work/opt/ml
mkdir -p "$base/input/config" "$base/code" "$base/model" "$base/output"
echo '{"current_host":"algo-1","hosts":["algo-1"]}' >"$base/input/config/resourceconfig.json"
echo '{"train":{}}' >"$base/input/config/inputdataconfig.json"
echo '{"sagemaker_program":"\"noop.sh\"","epochs":"10","lr":"1e-05"}' >"$base/input/config/hyperparameters.json"
printf '#!/bin/sh\nexit 0\n' >"$base/code/noop.sh"
chmod +x "$base/code/noop.sh"

stubs=$work/stubs
mkdir -p "$stubs"
for module in gethostname inotify_simple; do
    "$python" -c "import $module" 2>/dev/null || echo "# import-only stand-in (bench/compare_toolkit.sh)" >"$stubs/$module.py"
done
if ! "$python" -c "import inotify_simple" 2>/dev/null; then
    printf 'class INotify:\n    pass\nclass flags:\n    CLOSE_WRITE = 8\n    CREATE = 256\n    ISDIR = 1073741824\n' \
        >"$stubs/inotify_simple.py"
fi

export SAGEMAKER_BASE_DIR=$base SM_STUDIO_LOCAL_MODE=true AWS_DEFAULT_REGION=us-east-1

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# measure NAME COMMAND...: RUNS runs; prints median wall ms and median peak RSS MiB.
measure() {
    local name=$1
    shift
    local times=() rss=()
    for ((i = 0; i < runs; i++)); do
        rm -f "$base/output/success" "$base/output/failure"
        local start end
        start=$(date +%s%N)
        /usr/bin/time -f %M -o "$work/rss" "$@" >/dev/null 2>&1
        end=$(date +%s%N)
        [ -f "$base/output/success" ] || { echo "$name: the job did not succeed" >&2; exit 1; }
        times+=("$(((end - start) / 1000))")
        rss+=("$(cat "$work/rss")")
    done
    local t r
    t=$(printf '%s\n' "${times[@]}" | median)
    r=$(printf '%s\n' "${rss[@]}" | median)
    printf '%-22s %10.1f ms %10.1f MiB\n' "$name" "$(echo "$t / 1000" | bc -l)" "$(echo "$r / 1024" | bc -l)"
}

printf '%-22s %13s %14s   (median of %d runs, load %s)\n' launcher "job wall time" "peak RSS" "$runs" \
    "$(cut -d' ' -f1 /proc/loadavg)"
measure "sm-train" "$sm_train" train
measure "Python toolkit" env PYTHONPATH="$toolkit:$stubs" "$python" -c \
    'import sys; from sagemaker_training.cli.train import main; sys.argv = ["train"]; main()'
