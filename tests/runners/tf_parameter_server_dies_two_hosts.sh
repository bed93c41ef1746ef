#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A parameter server that dies on one host of two, named on both (issue 21,
# item 5): `sm-train local --hosts 2 --distribution parameter_server`, each host
# in its own network namespace, a stub `tensorflow` on PYTHONPATH (as in
# tf_parameter_server_dies.sh) whose parameter server of task DIES_ON prints a
# gRPC error and exits 1 after 3 s, while the other task's serves. Each host's
# program would run 5 minutes. The host whose parameter server died ends its
# job with its stderr and announces it on the failure exchange's port; the
# other host's sm-train hears it, ends its program and names the daemon and its
# host. Both within seconds, exit 69.
#
# usage: tf_parameter_server_dies_two_hosts.sh SM_TRAIN WORK_PARENT
set -uo pipefail

source "$(dirname "$0")/two_hosts.sh"
two_hosts_setup "$1" "$2" tf-ps-dies-two-hosts

mkdir -p "$WORK/stub/tensorflow" "$WORK/src"
cat > "$WORK/stub/tensorflow/__init__.py" <<'PY'
import os, sys, time, types


def _server(cluster, job_name, task_index, config):
    if task_index != int(os.environ["FAKE_PS_DIES_ON"]):
        time.sleep(100000)  # serves
    time.sleep(3)
    sys.stderr.write("2026-12-07 11:00:00.000000: I tensorflow/core/platform/cpu_feature_guard.cc:182] "
                     "starting\n")
    sys.stderr.write("E1207 11:00:00.100000 grpc_server_lib.cc:608] Could not start gRPC server: "
                     "address '%s' already in use\n" % cluster["ps"][task_index])
    sys.exit(1)


train = types.SimpleNamespace(ClusterSpec=lambda cluster: cluster)
compat = types.SimpleNamespace(v1=types.SimpleNamespace(ConfigProto=lambda **kwargs: kwargs))
distribute = types.SimpleNamespace(Server=_server)
PY
cat > "$WORK/src/train.py" <<'PY'
import os, signal, sys, time


def stopped(signo, frame):
    with open(os.path.join(os.environ["SM_MODEL_DIR"], "sigterm"), "w") as f:
        f.write("SIGTERM\n")
    sys.exit(143)


signal.signal(signal.SIGTERM, stopped)
print("worker started on", os.environ["SM_CURRENT_HOST"], flush=True)
time.sleep(300)
PY

# run DIES_ON: the parameter server of task DIES_ON (0: algo-1, 1: algo-2) dies.
run() {
    local task=$1 dead=algo-$(($1 + 1)) other=algo-$((2 - $1)) out=$WORK/out-$1 status=0 start took
    start=$(date +%s)
    PYTHONPATH=$WORK/stub FAKE_PS_DIES_ON=$task TMPDIR=$WORK timeout 150 "$SM_TRAIN" local --hosts 2 \
        --distribution parameter_server --entry-point train.py --source-dir "$WORK/src" --output "$out" \
        > "$WORK/local-$task.log" 2>&1 || status=$?
    took=$(($(date +%s) - start))
    echo "=== the parameter server of $dead dies: sm-train local exited $status after $took s"
    [ "$status" != 0 ] || fail "$dead: sm-train local exited 0"
    # 5 minutes of program on each host: ending within 90 s (two loads, the 10 s
    # announcement, the other host's look) is the daemon's doing.
    ((took < 90)) || fail "$dead: the job took $took s"
    local words="the TensorFlow parameter server on $dead exited with code 1 while the program ran: 2026-12-07 11:00:00.000000: I tensorflow/core/platform/cpu_feature_guard.cc:182] starting | E1207 11:00:00.100000 grpc_server_lib.cc:608] Could not start gRPC server: address '$dead:2223' already in use"
    for host in algo-1 algo-2; do
        echo "$host output/failure: $(cat "$out/$host/output/failure" 2> /dev/null)"
        [ -f "$out/$host/output/success" ] && fail "$host: output/success written"
    done
    [ "$(cat "$out/$dead/output/failure" 2> /dev/null)" = "sm-train: $words" ] ||
        fail "$dead: output/failure does not give its parameter server's words"
    [ "$(cat "$out/$other/output/failure" 2> /dev/null)" = "sm-train: $dead ended its job: $words" ] ||
        fail "$other: output/failure does not name $dead's parameter server"
    for host in algo-1 algo-2; do
        grep -qxF "SIGTERM" "$out/$host/model/sigterm" 2> /dev/null || fail "$host: the program was not sent SIGTERM"
    done
}

run 1
run 0
two_hosts_finish "two-host parameter-server job, the dead parameter server named on every host: OK" \
    "$WORK"/local-*.log "$WORK"/*/algo-*.log
