#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A TensorFlow parameter-server job (sagemaker_parameter_server_enabled), the
# first host's sm-train alone, whose parameter server dies (issue 21, item 5). sm-train starts the
# parameter server as `python -c <code>`, which imports `tensorflow`: a stub
# package on PYTHONPATH stands in for it, and its tf.distribute.Server prints a
# gRPC error on stderr and exits 1, at once (the start) or after 3 s (while the
# program runs). The program would run for 5 minutes. Either way the job must
# end within seconds, exit 69, with the parameter server named and its stderr
# in output/failure, and the program ended (it records the SIGTERM it got).
#
# usage: tf_parameter_server_dies.sh SM_TRAIN WORK_PARENT
set -uo pipefail

SM_TRAIN=$(realpath "$1")
WORK=$(realpath "$(mktemp -d "$2/tf-ps-dies.XXXXXX")")
trap 'rm -rf "$WORK"' EXIT
fail() {
    echo "FAIL: $*" >&2
    for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -40 "$f"; }; done >&2
    exit 1
}

# The stub: what the parameter server's code uses of TensorFlow, and a server that cannot start.
mkdir -p "$WORK/stub/tensorflow"
cat > "$WORK/stub/tensorflow/__init__.py" <<'PY'
import os, sys, time, types


def _server(*args, **kwargs):
    time.sleep(float(os.environ.get("FAKE_PS_DELAY", "0")))
    sys.stderr.write("2026-12-07 11:00:00.000000: I tensorflow/core/platform/cpu_feature_guard.cc:182] "
                     "starting\n")
    sys.stderr.write("E1207 11:00:00.100000 grpc_server_lib.cc:608] Could not start gRPC server: "
                     "address 'algo-1:2223' already in use\n")
    sys.exit(1)


train = types.SimpleNamespace(ClusterSpec=lambda cluster: cluster)
compat = types.SimpleNamespace(v1=types.SimpleNamespace(ConfigProto=lambda **kwargs: kwargs))
distribute = types.SimpleNamespace(Server=_server)
PY

# make_tree NAME: algo-1's part of a two-host parameter-server job (one host is
# a plain process, as in the container), whose program waits 5 minutes. Only
# algo-1 runs: it is the master, which waits for no other host, and
# SM_STUDIO_LOCAL_MODE spares it the wait for algo-2's name.
make_tree() {
    local base=$WORK/$1/opt/ml
    mkdir -p "$base/input/config" "$base/code" "$base/model" "$base/output"
    cat > "$base/input/config/resourceconfig.json" <<'JSON'
{"current_host": "algo-1", "hosts": ["algo-1", "algo-2"], "network_interface_name": "lo",
 "current_instance_type": "ml.c5.xlarge"}
JSON
    echo '{"sagemaker_parameter_server_enabled": "true", "sagemaker_program": "\"train.py\""}' \
        > "$base/input/config/hyperparameters.json"
    echo '{}' > "$base/input/config/inputdataconfig.json"
    cat > "$base/code/train.py" <<'PY'
import os, signal, sys, time


def stopped(signo, frame):
    with open(os.path.join(os.environ["SM_MODEL_DIR"], "sigterm"), "w") as f:
        f.write("SIGTERM\n")
    sys.exit(143)


signal.signal(signal.SIGTERM, stopped)
print("worker started", flush=True)
time.sleep(300)
PY
}

# run NAME DELAY CHECK: runs the job; the parameter server dies after DELAY seconds.
run() {
    make_tree "$1"
    local base=$WORK/$1/opt/ml start end status
    start=$(date +%s)
    SAGEMAKER_BASE_DIR=$base SM_STUDIO_LOCAL_MODE=true PYTHONPATH=$WORK/stub FAKE_PS_DELAY=$2 \
        timeout 120 "$SM_TRAIN" train > "$WORK/$1.log" 2>&1
    status=$?
    end=$(date +%s)
    echo "$1: sm-train exited $status after $((end - start)) s"
    [ "$status" = 69 ] || fail "$1: sm-train exited $status, not 69"
    # 5 minutes of program: ending within 45 s (load, and the 10 s in which the
    # host announces its dead parameter server to algo-2, included) is the daemon's doing.
    ((end - start < 45)) || fail "$1: the job took $((end - start)) s"
    [ -f "$base/output/failure" ] || fail "$1: no output/failure"
    echo "$1: output/failure: $(head -c 400 "$base/output/failure")"
    grep -qF "the TensorFlow parameter server on algo-1 exited with code 1 while the program ran: 2026-12-07 11:00:00.000000: I tensorflow/core/platform/cpu_feature_guard.cc:182] starting | E1207 11:00:00.100000 grpc_server_lib.cc:608] Could not start gRPC server: address 'algo-1:2223' already in use" \
        "$base/output/failure" || fail "$1: output/failure does not name the parameter server and its error"
    [ -f "$base/output/success" ] && fail "$1: output/success written"
    # A program that has set up its handler by then printed and records the SIGTERM
    # that ended it. At the start, sm-train may end it before Python has run a line
    # (on a loaded machine it did): the reason above says it had been started.
    if [ "$3" = handler ]; then
        grep -qF "worker started" "$WORK/$1.log" || fail "$1: the program never ran"
        grep -qxF "SIGTERM" "$base/model/sigterm" || fail "$1: the program was not sent SIGTERM"
    fi
}

run at-start 0 -
run while-running 3 handler
echo "PASS"
