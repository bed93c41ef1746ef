#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Each failure class of issue 21 produced for real, through sm-train, checked
# on the first line of output/failure's ErrorMessage:
#   host OOM      a program allocating past the limit of a child memory cgroup
#                 this test makes (v1 memory.limit_in_bytes, or v2 memory.max);
#   no space      a program filling a 1 MiB tmpfs mounted in a private mount namespace;
#   missing file  a program opening a channel file that is not there;
#   import error  a program importing a module that does not exist;
#   pip install   a requirements.txt naming a package that does not exist (no index);
#   signal        a program killed by SIGKILL with no OOM (137 alone is not an OOM).
# A case whose mode cannot be set up here says SKIP-NOTE and is not counted as passed.
#
# usage: failure_classes.sh SM_TRAIN WORK_PARENT
set -uo pipefail

SM_TRAIN=$(realpath "$1")
WORK=$(realpath "$(mktemp -d "$2/failure-classes.XXXXXX")")
CGROUP=
cleanup() {
    if [ -n "$CGROUP" ] && [ -d "$CGROUP" ]; then
        # Our own cgroup, made below: move nothing, only remove it once it is empty.
        rmdir "$CGROUP" 2>/dev/null
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
failures=0
passed=0

make_tree() {  # NAME PROGRAM_FILE
    local base=$WORK/$1/opt/ml
    mkdir -p "$base/input/config" "$base/code" "$base/model" "$base/output" "$base/input/data/train"
    echo '{"current_host": "algo-1", "hosts": ["algo-1"]}' > "$base/input/config/resourceconfig.json"
    echo "{\"sagemaker_program\": \"\\\"$2\\\"\"}" > "$base/input/config/hyperparameters.json"
    echo '{"train": {}}' > "$base/input/config/inputdataconfig.json"
}

# check NAME EXPECTED_FIRST_LINE_OF_ERRORMESSAGE
check() {
    local failure=$WORK/$1/opt/ml/output/failure first
    echo "=== $1: output/failure:"
    cat "$failure" 2>/dev/null || echo "(none)"
    echo
    first=$(grep -m1 '^ErrorMessage "' "$failure" 2>/dev/null)
    # The message's first line: the whole message when it has one line (then its closing quote too).
    if [ "$first" = "ErrorMessage \"$2" ] || [ "$first" = "ErrorMessage \"$2\"" ]; then
        passed=$((passed + 1))
    else
        echo "FAIL: $1: <$first>, expected <ErrorMessage \"$2>"
        tail -20 "$WORK/$1.log"
        failures=$((failures + 1))
    fi
}

run() {  # NAME [PREFIX COMMAND...]: sm-train train on NAME's tree
    local name=$1
    shift
    "$@" env SAGEMAKER_BASE_DIR="$WORK/$name/opt/ml" SM_STUDIO_LOCAL_MODE=true timeout 120 "$SM_TRAIN" train > "$WORK/$name.log" 2>&1
}

# --- host OOM in a child memory cgroup -------------------------------------------------
make_tree oom oom.py
cat > "$WORK/oom/opt/ml/code/oom.py" <<'PY'
chunks = []
for _ in range(64):
    chunks.append(b"x" * (16 << 20))  # written, so really resident
PY
own_v1=$(sed -n 's/^[0-9]*:memory:\(.*\)$/\1/p' /proc/self/cgroup)
own_v2=$(sed -n 's/^0::\(.*\)$/\1/p' /proc/self/cgroup)
if [ -n "$own_v1" ] && [ -w "/sys/fs/cgroup/memory${own_v1%/}" ]; then
    CGROUP=/sys/fs/cgroup/memory${own_v1%/}/smtrain-oom-$$
    mkdir "$CGROUP" && echo $((64 << 20)) > "$CGROUP/memory.limit_in_bytes" || CGROUP=
    [ -n "$CGROUP" ] && [ -f "$CGROUP/memory.memsw.limit_in_bytes" ] &&
        echo $((64 << 20)) > "$CGROUP/memory.memsw.limit_in_bytes"
elif [ -f /sys/fs/cgroup/cgroup.controllers ] && [ -n "$own_v2" ]; then
    CGROUP=/sys/fs/cgroup${own_v2%/}/smtrain-oom-$$
    mkdir "$CGROUP" && echo $((64 << 20)) > "$CGROUP/memory.max" || CGROUP=
    [ -n "$CGROUP" ] && echo 0 > "$CGROUP/memory.swap.max" 2>/dev/null
fi
if [ -n "$CGROUP" ]; then
    run oom sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$CGROUP"
    check oom "Host out of memory: the program on algo-1 was killed by SIGKILL"
else
    echo "SKIP-NOTE: no writable memory cgroup here: the host OOM case is not run"
fi

# --- no space left on a full tmpfs, in a private mount namespace ---------------------
make_tree nospace fill.py
mkdir -p "$WORK/full"
cat > "$WORK/nospace/opt/ml/code/fill.py" <<PY
with open("$WORK/full/data", "wb") as f:
    f.write(b"x" * (4 << 20))
PY
if unshare --mount --propagation private true 2>/dev/null; then
    run nospace unshare --mount --propagation private sh -c \
        'mount -t tmpfs -o size=1m tmpfs "$1" && shift && exec "$@"' sh "$WORK/full"
    check nospace "No space left on device: OSError: [Errno 28] No space left on device"
else
    echo "SKIP-NOTE: mount namespaces are not allowed here: the no-space case is not run"
fi

# --- a missing channel file ------------------------------------------------------------
make_tree missing read.py
cat > "$WORK/missing/opt/ml/code/read.py" <<'PY'
import os, sys
print("using key", os.environ.get("AWS_SECRET_ACCESS_KEY"), file=sys.stderr)
open(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "part-00017.csv")).read()
PY
run missing env AWS_SECRET_ACCESS_KEY=sekrit-value-4711
check missing "Missing file: FileNotFoundError: [Errno 2] No such file or directory: '$WORK/missing/opt/ml/input/data/train/part-00017.csv'"

# The diagnostics file beside it: the class and root cause, the last lines, no secret.
diag=$WORK/missing/opt/ml/output/data/sm-train-diagnostics.json
if python3 - "$diag" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("diagnostics:", json.dumps({k: d[k] for k in ("class", "exit_code", "runner")}))
assert d["class"] == "Missing file", d["class"]
assert d["root_cause"]["error"].startswith("FileNotFoundError"), d["root_cause"]
assert any("using key ****" in l for l in d["last_lines"]), d["last_lines"]
assert "sekrit-value-4711" not in open(sys.argv[1]).read(), "a secret in the diagnostics"
PY
then passed=$((passed + 1)); else echo "FAIL: diagnostics file"; failures=$((failures + 1)); fi

# --- an import error -------------------------------------------------------------------
make_tree import imp.py
echo 'import no_such_module_smtrain' > "$WORK/import/opt/ml/code/imp.py"
run import env SMTRAIN_DIAGNOSTICS=off
[ -e "$WORK/import/opt/ml/output/data/sm-train-diagnostics.json" ] &&
    { echo "FAIL: SMTRAIN_DIAGNOSTICS=off left a diagnostics file"; failures=$((failures + 1)); }
check import "Python import error: ModuleNotFoundError: No module named 'no_such_module_smtrain'"

# --- a failed pip install (no index: the package cannot be found) ----------------------
make_tree pip ok.py
echo 'print("never runs")' > "$WORK/pip/opt/ml/code/ok.py"
echo 'no-such-package-smtrain' > "$WORK/pip/opt/ml/code/requirements.txt"
run pip env PIP_NO_INDEX=1 PIP_BREAK_SYSTEM_PACKAGES=1 PIP_DISABLE_PIP_VERSION_CHECK=1
check pip "pip install failed: ERROR: No matching distribution found for no-such-package-smtrain"

# --- SIGKILL without an OOM: a signal, not "out of memory" -----------------------------
make_tree killed kill.py
echo 'import os, signal; os.kill(os.getpid(), signal.SIGKILL)' > "$WORK/killed/opt/ml/code/kill.py"
run killed
check killed "Killed by a signal: the program on algo-1 was killed by SIGKILL"

echo "$passed case(s) passed, $failures failed"
[ "$failures" = 0 ] || exit 1
echo "failure classes: OK"
