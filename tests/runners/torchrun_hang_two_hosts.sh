#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A hang on one host of two, named on both (issue 21, item 3 across hosts):
# `sm-train local --hosts 2 --distribution torch_distributed` (each host in its
# own network namespace) with the hang watchdog on. Rank 1 (algo-2) prints one
# line and then sleeps forever; rank 0 (algo-1) prints a line every 0.5 s while
# it waits for rank 1 in a barrier, so only algo-2's watchdog fires. It stops
# rank 1, and rank 0's barrier then fails with Gloo's "Connection closed by
# peer". Each host's output/failure must start with the hang, naming algo-2:
# algo-2's own report (exit 124), and algo-1's ErrorMessage (the hosts exchange
# their first failures), with algo-1's own consequence after it.
#
# usage: torchrun_hang_two_hosts.sh SM_TRAIN WORK_PARENT
set -uo pipefail

export PET_REDIRECTS=9:0 PET_TEE=9:0  # Debian's torch 1.13 on Python 3.11 (torchrun_two_hosts.sh)
command -v torchrun > /dev/null || { echo "SKIP: torchrun is not on PATH (Debian: python3-torch)"; exit 77; }
source "$(dirname "$0")/two_hosts.sh"
two_hosts_setup "$1" "$2" torchrun-hang-two-hosts

mkdir -p "$WORK/src"
cat > "$WORK/src/train.py" <<'PY'
import threading, time
import torch.distributed as dist
dist.init_process_group("gloo")
if dist.get_rank() == 1:
    print("rank 1: loading shard 17", flush=True)
    time.sleep(100000)
def waiting():
    while True:
        print("rank 0: waiting for rank 1", flush=True)
        time.sleep(0.5)
threading.Thread(target=waiting, daemon=True).start()
dist.barrier()
PY

# The progress deadline counts from each host's first output (torchrun's own
# lines), and the ranks still import torch and meet after it: 20 s leaves room
# for that on a loaded machine.
status=0
env -u PYTHONFAULTHANDLER -u PYTHONUNBUFFERED TMPDIR="$WORK" SMTRAIN_HANG_START_S=120 SMTRAIN_HANG_PROGRESS_S=20 \
    SMTRAIN_GRACE_PERIOD_S=3 timeout 240 "$SM_TRAIN" local --hosts 2 --distribution torch_distributed \
    --entry-point train.py --source-dir "$WORK/src" --output "$WORK/out" > "$WORK/local.log" 2>&1 || status=$?
echo "=== sm-train local: exit $status"
[ "$status" != 0 ] || fail "sm-train local exited 0"

hang="Hang: no progress for 20 s (SMTRAIN_HANG_PROGRESS_S) on algo-2; no line of output; last line "
two_hosts_show_failures "$WORK/out"
# algo-2: the host where the hang was seen; its own report, exit 124.
first=$(head -1 "$WORK/out/algo-2/output/failure" 2> /dev/null)
case "$first" in "$hang"*) ;; *) fail "algo-2: output/failure starts <$first>, expected <$hang...>" ;; esac
grep -q '"rank 1: loading shard 17"' <<< "$first" || fail "algo-2: the last line is not named: $first"
# algo-1: its rank's barrier fails when algo-2's rank is stopped; then either
# torchrun exits (the toolkit's format: the hang first in its ErrorMessage, then
# its own consequence), or, as torch 1.13 does when the other agent is gone,
# torchrun waits in its exit barrier until algo-1's own watchdog fires (the hang
# of algo-2, heard while algo-1's program still ran, first; then its own).
first=$(head -1 "$WORK/out/algo-1/output/failure" 2> /dev/null)
case "$first" in
    "$hang"*)
        echo "algo-1: torchrun stayed in its exit barrier; its own watchdog fired after algo-2's"
        grep -q '^on algo-1: Hang: no progress for 20 s (SMTRAIN_HANG_PROGRESS_S) on algo-1; ' \
            "$WORK/out/algo-1/output/failure" || fail "algo-1's own hang is not named after algo-2's"
        ;;
    ExecuteUserScriptError:)
        line=$(sed -n 3p "$WORK/out/algo-1/output/failure")
        case "$line" in "ErrorMessage \"$hang"*) ;; *) fail "algo-1: <$line>, expected <ErrorMessage \"$hang...>" ;; esac
        grep -q '^on algo-1: Collective failure (NCCL/Gloo): rank 0 (local rank 0) on algo-1 exited with code 1: RuntimeError: .*Connection closed by peer' \
            "$WORK/out/algo-1/output/failure" || fail "algo-1's own consequence is not named after the hang"
        ;;
    *) fail "algo-1: output/failure starts <$first>, expected <$hang...> or the toolkit's format" ;;
esac
# The diagnostics of both hosts name the hang on algo-2 as the job's first failure or their own.
python3 - "$WORK/out" <<'PY' || fail "diagnostics files"
import json, sys
out = sys.argv[1]
d1 = json.load(open(out + "/algo-1/output/data/sm-train-diagnostics.json"))
d2 = json.load(open(out + "/algo-2/output/data/sm-train-diagnostics.json"))
assert d1["host"] == "algo-1" and d2["host"] == "algo-2", (d1["host"], d2["host"])
assert d1["first_failure_of_job"].startswith("Hang: no progress for 20 s (SMTRAIN_HANG_PROGRESS_S) on algo-2; "), d1["first_failure_of_job"]
assert d2["error_message"].startswith("Hang: no progress for 20 s (SMTRAIN_HANG_PROGRESS_S) on algo-2; "), d2["error_message"]
PY
two_hosts_finish "two-host torchrun, the hang named on every host: OK" "$WORK/local.log" "$WORK"/*/algo-2.log
