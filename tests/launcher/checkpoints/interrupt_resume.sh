#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `sm-train local --interrupt-after T --interruptions 2` (issue 22) with real
# programs: a Python one (steps.py) and the C++ example (examples/cpp, which
# resumes with smtrain::latest_checkpoint) checkpoint every step and end with
# the model of an uninterrupted run; a program that ignores SIGTERM is killed
# when the stop window ends and still resumes; a program that writes no
# checkpoints is reported as not resuming (exit 1).
#
# usage: interrupt_resume.sh SM_TRAIN CPP_EXAMPLE_BINARY WORK_PARENT
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SM_TRAIN=$(realpath "$1")
CPP_TRAIN=$(realpath "$2")
WORK=$(realpath "$(mktemp -d "$3/interrupt-resume.XXXXXX")")
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; for f in "$WORK"/*.log; do echo "--- $f"; tail -30 "$f"; done >&2; exit 1; }

# Python starts in 0.1 s on an idle machine and in seconds on a loaded one: the
# interruptions come after 4 s, when the program has long set its SIGTERM handler.
# Only Debian's python3 is certain here (a pyenv shim may be first on PATH).
export SMTRAIN_PYTHON=/usr/bin/python3 SMTRAIN_STOP_WINDOW_S=2 TMPDIR=$WORK
mkdir -p "$WORK/py" "$WORK/cpp"
cp "$HERE/steps.py" "$WORK/py/"
cp "$CPP_TRAIN" "$WORK/cpp/train"

# expect NAME EXIT_CODE LOCAL_ARGS...: runs sm-train local, checks its exit code.
expect() {
    local name=$1 code=$2
    shift 2
    local start=$SECONDS
    "$SM_TRAIN" local "$@" > "$WORK/$name.log" 2>&1
    local got=$?
    echo "$name: exit $got in $((SECONDS - start)) s"
    [ "$got" = "$code" ] || fail "$name: exit code $got, expected $code"
}
has() { grep -qF -- "$2" "$WORK/$1.log" || fail "$1: no line with '$2'"; }

expect python 0 --entry-point steps.py --source-dir "$WORK/py" --interrupt-after 4s --interruptions 2 -- --steps 40
has python "run 1: interrupted (SIGTERM)"
has python "run 2: interrupted (SIGTERM)"
has python "run 3: ran to the end, exit code 0"
has python "resuming after step"
has python "SM_RESUMING=true, SM_RUN_ATTEMPT=2"
has python "SM_RESUMING=true, SM_RUN_ATTEMPT=3"
has python "final model: equals the uninterrupted run's (model.txt"
grep -q "the stop window is over" "$WORK/python.log" && fail "python: SIGKILL although the program stopped on SIGTERM"

expect python_ignores_sigterm 0 --entry-point steps.py --source-dir "$WORK/py" --interrupt-after 4s \
    --interruptions 2 -- --steps 70 --ignore_sigterm 1
has python_ignores_sigterm "the stop window is over: SIGKILL"
has python_ignores_sigterm "run 1: interrupted (SIGTERM), exit code 137"
has python_ignores_sigterm "final model: equals the uninterrupted run's"

expect cpp 0 --entry-point train --source-dir "$WORK/cpp" --channel "train=$HERE/../../../examples/cpp/opt_ml/input/data/train" \
    --interrupt-after 1s --interruptions 2 -- --epochs 40 --epoch_delay_ms 60 --log_every 5
has cpp "resuming after epoch"
has cpp "run 2: interrupted (SIGTERM)"
has cpp "final model: equals the uninterrupted run's (model.json"

# docs/checkpoints.md's PyTorch example: saves on SIGTERM (and on the deadline warning).
# Importing torch takes from 2 s to 25 s on a loaded machine: the interruption
# comes well after it, and the job is long enough to be interrupted twice.
if /usr/bin/python3 -c 'import torch' 2> /dev/null; then
    mkdir -p "$WORK/torch"
    cp "$HERE/../../../examples/checkpoints/torch_resume.py" "$WORK/torch/"
    start=$SECONDS
    /usr/bin/python3 -c 'import torch'
    import_s=$((SECONDS - start + 1))
    after=$((2 * import_s + 4))
    echo "torch: import took up to $import_s s: interrupting after $after s"
    expect torch 0 --entry-point torch_resume.py --source-dir "$WORK/torch" --interrupt-after "${after}s" \
        --interruptions 2 -- --steps $((60 * (import_s + 4))) --step_seconds 0.05
    has torch "SIGTERM: stopped after step"
    has torch "resuming after step"
    has torch "final model: equals the uninterrupted run's (weights.txt"
else
    echo "SKIP-NOTE: no python3-torch: the PyTorch example did not run"
fi

expect not_resuming 1 --entry-point steps.py --source-dir "$WORK/py" --interrupt-after 4s --interruptions 2 \
    -- --steps 40 --no_checkpoints 1
has not_resuming "the program does NOT resume"

# Ctrl-C during the second run ends the series: no third run, no comparison run.
"$SM_TRAIN" local --entry-point steps.py --source-dir "$WORK/py" --interrupt-after 4s --interruptions 2 \
    -- --steps 40 > "$WORK/ctrl_c.log" 2>&1 &
sm_train=$!
sleep 7
kill -INT "$sm_train"
wait "$sm_train"
code=$?
echo "ctrl_c: exit $code"
[ "$code" = 130 ] || fail "ctrl_c: exit code $code, expected 130"
grep -q "run 3 of 3" "$WORK/ctrl_c.log" && fail "ctrl_c: a third run started after Ctrl-C"
grep -q "uninterrupted, for comparison" "$WORK/ctrl_c.log" && fail "ctrl_c: the comparison run started after Ctrl-C"

# Two hosts (network namespaces, root only): each host keeps and restores its own checkpoints.
if [ "$(id -u)" = 0 ] && command -v ip > /dev/null && ip netns add "smtrain-probe-$$" 2> /dev/null; then
    ip netns del "smtrain-probe-$$"
    expect two_hosts 0 --hosts 2 --entry-point steps.py --source-dir "$WORK/py" --interrupt-after 4s \
        --interruptions 2 -- --steps 40
    has two_hosts "algo-1 final model: equals the uninterrupted run's"
    has two_hosts "algo-2 final model: equals the uninterrupted run's"
else
    echo "SKIP-NOTE: no network namespaces here: the --hosts 2 case did not run"
fi
echo "--- python summary"; sed -n '/interruptions (/,$p' "$WORK/python.log"
