#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The plain process runner on two hosts takes part in the failure exchange
# (issue 21, item 1): `sm-train local --hosts 2` (each host in its own network
# namespace), no distribution. algo-2's program connects to algo-1's, then
# raises ValueError("shard 17 of algo-2 is corrupt"); algo-1's program sees the
# connection close and, a second later, fails on its own with ConnectionError.
# Both are own failures (nothing marks algo-1's as a consequence): the one whose
# program ended first is the job's first. Each host's ErrorMessage must start
# with algo-2's; algo-1's own follows it.
#
# usage: process_first_failure_two_hosts.sh SM_TRAIN WORK_PARENT
set -uo pipefail

source "$(dirname "$0")/two_hosts.sh"
two_hosts_setup "$1" "$2" process-first-failure

mkdir -p "$WORK/src"
cat > "$WORK/src/train.py" <<'PY'
import os, socket, time
PORT = 23457  # each host has a network namespace of its own
if os.environ["SM_CURRENT_HOST"] == "algo-2":
    for _ in range(600):
        try:
            peer = socket.create_connection(("algo-1", PORT), timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    time.sleep(1)
    raise ValueError("shard 17 of algo-2 is corrupt")
server = socket.create_server(("0.0.0.0", PORT))
conn, _ = server.accept()
print("algo-1: peer connected", flush=True)
conn.recv(1)  # b"" once algo-2's program is gone
time.sleep(1)
raise ConnectionError("lost the peer algo-2")
PY

status=0
TMPDIR="$WORK" timeout 120 "$SM_TRAIN" local --hosts 2 --entry-point train.py --source-dir "$WORK/src" \
    --output "$WORK/out" > "$WORK/local.log" 2>&1 || status=$?
echo "=== sm-train local: exit $status"
[ "$status" != 0 ] || fail "sm-train local exited 0"

first='ErrorMessage "the program on algo-2 exited with code 1: ValueError: shard 17 of algo-2 is corrupt'
two_hosts_show_failures "$WORK/out"
for host in algo-1 algo-2; do
    line=$(sed -n 3p "$WORK/out/$host/output/failure" 2> /dev/null)
    [ "$line" = "$first" ] || fail "$host: <$line>, expected <$first>"
done
grep -q '^on algo-1: the program on algo-1 exited with code 1: ConnectionError: lost the peer algo-2$' \
    "$WORK/out/algo-1/output/failure" || fail "algo-1's own failure is not named after algo-2's"
grep -q '^on algo-' "$WORK/out/algo-2/output/failure" && fail "algo-2 names another host's failure before its own"
python3 - "$WORK/out" <<'PY' || fail "diagnostics files"
import json, sys
d1 = json.load(open(sys.argv[1] + "/algo-1/output/data/sm-train-diagnostics.json"))
d2 = json.load(open(sys.argv[1] + "/algo-2/output/data/sm-train-diagnostics.json"))
assert d1["first_failure_of_job"] == "the program on algo-2 exited with code 1: ValueError: shard 17 of algo-2 is corrupt", d1["first_failure_of_job"]
assert d1["root_cause"]["error"] == "ConnectionError: lost the peer algo-2", d1["root_cause"]
assert d2["first_failure_of_job"] is None, d2["first_failure_of_job"]
assert d2["root_cause"]["host"] == "algo-2", d2["root_cause"]
PY
two_hosts_finish "two-host plain process job, the first failure named on every host: OK" \
    "$WORK/local.log" "$WORK"/*/algo-2.log
