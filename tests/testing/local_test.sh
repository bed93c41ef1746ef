#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `sm-train local`: a job that succeeds (model copied out with --output, tree
# removed), one that fails (tree kept, failure file named), --hosts 2 without
# root (a clear error, exit 69), and, as root with torchrun, --hosts 2 running
# examples/torchrun across two network namespaces.
#   local_test.sh SM_TRAIN SOURCE_DIR WORK_PARENT
set -uo pipefail
sm_train=$(realpath "$1")
source_dir=$(realpath "$2")
work=$(mktemp -d "$3/local-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
export TMPDIR=$work/tmp SMTRAIN_PYTHON=python3
mkdir -p "$TMPDIR"
fail() { echo "FAIL: $*" >&2; for f in *.out; do echo "--- $f"; cat "$f"; done >&2; exit 1; }

# Success: the seed example with a channel and hyperparameters, some after --.
status=0
timeout 120 "$sm_train" local --entry-point train.py --source-dir "$source_dir/examples/python" \
    --channel dataset="$source_dir/examples/opt_ml/input/data/dataset" --hp hp2=7 --output out --job-name local-job \
    -- --hp1 'two words' --hp3=0.25 > ok.out 2>&1 || status=$?
[ "$status" = 0 ] || fail "the job exited $status"
grep -qx "hp1='two words' hp2=7 hp3=0.25" ok.out || fail "the program did not get its hyperparameters"
grep -qx "sm-train local: the job succeeded (exit code 0)" ok.out || fail "no summary"
grep -qx "SAGEMAKER_JOB_NAME=local-job" ok.out || fail "TRAINING_JOB_NAME was not set from --job-name"
grep -qx "  model:   $work/out/model (model.json)" ok.out || fail "no model line"
grep -qx "  output:  $work/out/output (data, success)" ok.out || fail "no output line"
grep -qx "  tree:    removed (--keep keeps it, --output DIR copies model/ and output/ out)" ok.out || fail "tree line"
python3 -c "import json,sys; m=json.load(open('out/model/model.json')); assert m['hp2']==7 and m['rows']>0, m" ||
    fail "model.json"
[ -z "$(ls -A "$TMPDIR")" ] || fail "the tree was not removed: $(ls -A "$TMPDIR")"

# Failure: exit code passed on, the tree kept and the failure file named.
mkdir bad && printf 'import sys\nprint("boom", file=sys.stderr)\nsys.exit(3)\n' > bad/fails.py
status=0
timeout 120 "$sm_train" local --entry-point fails.py --source-dir bad > bad.out 2>&1 || status=$?
[ "$status" = 3 ] || fail "the failing job exited $status, not 3"
grep -qx "sm-train local: the job failed (exit code 3)" bad.out || fail "no failure summary"
failure=$(sed -n 's/^  failure: //p' bad.out)
[ -f "$failure" ] || fail "no failure file at '$failure'"
grep -q boom "$failure" || fail "the failure file lacks the program's stderr"
grep -q "^  tree:    $TMPDIR/sm-train-local-.* (kept: the job failed)$" bad.out || fail "the tree was not kept"

# Bad input: 64 and the flag named, nothing left.
rm -rf "$TMPDIR"/*
status=0
"$sm_train" local --channel train=/nope > badflag.out 2>&1 || status=$?
[ "$status" = 64 ] || fail "bad flag: exit $status"
grep -qx "sm-train local: --channel train=/nope: /nope: no such file or directory" badflag.out || fail "bad flag line"
status=0
"$sm_train" local -- positional > badarg.out 2>&1 || status=$?
[ "$status" = 64 ] || fail "bad arg: exit $status"
[ -z "$(ls -A "$TMPDIR")" ] || fail "a refused local left $(ls -A "$TMPDIR")"

# Several hosts without privileges: what is missing, exit 69.
if command -v setpriv > /dev/null && [ "$(id -u)" = 0 ]; then
    status=0
    setpriv --reuid 65534 --regid 65534 --clear-groups "$sm_train" local --hosts 2 > nopriv.out 2>&1 || status=$?
    [ "$status" = 69 ] || fail "--hosts 2 unprivileged: exit $status"
    grep -qF "sm-train local: sm-train local --hosts 2: several hosts run in network namespaces, which need root (CAP_SYS_ADMIN and CAP_NET_ADMIN); sm-train runs as uid 65534" nopriv.out ||
        fail "no clear error"
fi

# --hosts 2: the torchrun example across two namespaces (as tests/runners/torchrun_two_hosts.sh).
if [ "$(id -u)" != 0 ] || ! command -v torchrun > /dev/null || ! ip netns add "smtl-probe-$$" 2> /dev/null; then
    echo "SKIP-NOTE: --hosts 2 needs root, torchrun and network namespaces"
    echo "local: OK"
    exit 0
fi
ip netns del "smtl-probe-$$"
# Debian's torch 1.13 on Python 3.11: see tests/runners/torchrun_two_hosts.sh.
export PET_REDIRECTS=9:0 PET_TEE=9:0
status=0
# In the background, so that its PID names its namespaces (smtl-PID-*) for the
# check at the end: other tests may run `sm-train local --hosts` at the same time.
"$sm_train" local --hosts 2 --distribution torch_distributed --entry-point ddp_train.py \
    --source-dir "$source_dir/examples/torchrun" --hp steps=30 --hp lr=0.5 --keep > hosts.out 2>&1 &
sm_train_pid=$!
(
    exec > /dev/null 2>&1
    trap 'kill "$sleep_pid"; exit 0' TERM
    sleep 200 &
    sleep_pid=$!
    wait "$sleep_pid"
    kill -TERM "$sm_train_pid"
) &
time_limit_pid=$!
wait "$sm_train_pid" || status=$?
kill "$time_limit_pid" 2> /dev/null || true
[ "$status" = 0 ] || fail "--hosts 2: exit $status"
tree=$(sed -n 's/^  tree:    \(.*\) (kept: --keep)$/\1/p' hosts.out)
[ -d "$tree" ] || fail "no kept tree"
cat "$tree/algo-2.log" > algo-2.out
grep -qF "torchrun --nnodes 2 --nproc_per_node 1 --master_addr algo-1 --master_port 7777 --node_rank 0" hosts.out ||
    fail "algo-1 did not run torchrun as rank 0"
grep -qF -- "--node_rank 1" algo-2.out || fail "algo-2 did not run torchrun as rank 1"
python3 - "$tree/algo-1/opt/ml/model/summary.json" <<'PY' || fail "summary.json"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["world_size"] == 2, s
assert s["sm_current_host"] == "algo-1", s
assert s["last_loss"] < s["first_loss"] / 10, s
PY
[ -f "$tree/algo-2/opt/ml/output/success" ] || fail "no success on algo-2"
! ip netns list | grep -q "^smtl-$sm_train_pid-" || fail "namespaces left behind: $(ip netns list)"
echo "local: OK (two hosts)"
