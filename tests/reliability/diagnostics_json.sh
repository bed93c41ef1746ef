#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The diagnostics file (issue 21, item 4), read as JSON and checked against
# what each program did: a program the hang watchdog stopped (class "Hang", the
# hang's reason and the stacks asked for, its last lines with a secret masked,
# the timeline with the program's phase and sm-train's exit 124), a program that
# fails with exit 3 (its error line, no class, the timeline's ending), and
# SMTRAIN_DIAGNOSTICS=off (no file, for a hang too).
#
# usage: diagnostics_json.sh SM_TRAIN WORK_PARENT
set -uo pipefail

SM_TRAIN=$(realpath "$1")
WORK=$(realpath "$(mktemp -d "$2/diagnostics-json.XXXXXX")")
trap '[ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# make_tree NAME: the program (train.sh) on stdin.
make_tree() {
    local base=$WORK/$1/opt/ml
    mkdir -p "$base/input/config" "$base/code" "$base/model" "$base/output"
    echo '{"current_host": "algo-1", "hosts": ["algo-1"], "network_interface_name": "lo"}' \
        > "$base/input/config/resourceconfig.json"
    echo '{"sagemaker_program": "\"train.sh\""}' > "$base/input/config/hyperparameters.json"
    echo '{}' > "$base/input/config/inputdataconfig.json"
    cat > "$base/code/train.sh"
    chmod +x "$base/code/train.sh"
}

# run NAME [NAME=VALUE...]: sets CODE, DIAG (the file's path).
run() {
    local name=$1
    shift
    env -u PYTHONFAULTHANDLER -u PYTHONUNBUFFERED "$@" SAGEMAKER_BASE_DIR="$WORK/$name/opt/ml" SM_STUDIO_LOCAL_MODE=true \
        SMTRAIN_GRACE_PERIOD_S=1 MY_API_TOKEN=tok-sekrit-4711 timeout 60 "$SM_TRAIN" train > "$WORK/$name.log" 2>&1
    CODE=$?
    DIAG=$WORK/$name/opt/ml/output/data/sm-train-diagnostics.json
    echo "=== $name: exit $CODE"
}

# A shell program (no Python to ask for stacks) that prints on stderr (the
# lines the file keeps), then sleeps: the watchdog stops it after 1 s without a line.
make_tree hang <<'SH'
#!/bin/sh
echo "using $MY_API_TOKEN" >&2
echo "step 7" >&2
exec sleep 1000
SH
run hang SMTRAIN_HANG_PROGRESS_S=1
[ "$CODE" = 124 ] || fail "hang: exit $CODE, expected 124"
python3 - "$DIAG" <<'PY' || fail "hang: the diagnostics file"
import json, sys
text = open(sys.argv[1]).read()
d = json.loads(text)
print("hang:", json.dumps({k: d[k] for k in ("class", "hang", "exit_code", "signal")}))
assert "tok-sekrit-4711" not in text, "a secret in the diagnostics"
assert d["class"] == "Hang", d["class"]
assert d["hang"]["reason"].startswith(
    'Hang: no progress for 1 s (SMTRAIN_HANG_PROGRESS_S); no line of output; last line '), d["hang"]
assert d["hang"]["reason"].endswith(' s before: "step 7"'), d["hang"]
assert d["hang"]["stacks_requested"] == 0, d["hang"]
assert d["error_message"].startswith("Hang: no progress for 1 s"), d["error_message"]
# sleep, stopped as a stop is stopped: SIGTERM.
assert d["signal"] == "SIGTERM", d["signal"]
assert d["last_lines"][-2:] == ["using ****", "step 7"], d["last_lines"]
assert d["root_cause"] is None, d["root_cause"]
t = d["timeline"]
program = [p for p in t["phases"] if p["name"] == "program"]
assert len(program) == 1 and program[0]["finished"], t["phases"]
# The deadline, at least, passed in the program's phase; the whole job is longer.
assert program[0]["duration_s"] >= 1.0, program
# Each figure is rounded to the millisecond on its own, so the sum of two may pass
# the total by up to 1 ms (it did: 0.003 + 1.021 against 1.023).
assert t["total_s"] >= program[0]["start_s"] + program[0]["duration_s"] - 0.002, t
assert t["ended"]["exit_code"] == 124, t["ended"]
assert t["ended"]["signal"] == "SIGTERM" and t["ended"]["stopped_by"] is None, t["ended"]
PY

# A program that fails on its own: exit 3 after its error line.
make_tree failed <<'SH'
#!/bin/sh
echo "epoch 3"
echo "RuntimeError: shard 17 is corrupt" >&2
exit 3
SH
run failed
[ "$CODE" = 3 ] || fail "failed: exit $CODE, expected 3"
python3 - "$DIAG" <<'PY' || fail "failed: the diagnostics file"
import json, sys
d = json.load(open(sys.argv[1]))
print("failed:", json.dumps({k: d[k] for k in ("class", "exit_code", "signal", "hang")}))
assert d["exit_code"] == 3 and d["signal"] is None, d
assert d["class"] is None and d["hang"] is None, d
assert d["root_cause"]["error"] == "RuntimeError: shard 17 is corrupt", d["root_cause"]
assert d["root_cause"]["host"] == "algo-1", d["root_cause"]
assert d["last_lines"][-1] == "RuntimeError: shard 17 is corrupt", d["last_lines"]
t = d["timeline"]
assert [p["name"] for p in t["phases"]].count("program") == 1, t["phases"]
assert t["ended"]["exit_code"] == 3 and t["ended"]["signal"] is None, t["ended"]
PY

# Off: no file, for a hang too.
rm -rf "$WORK/hang/opt/ml/output"/*
run hang SMTRAIN_HANG_PROGRESS_S=1 SMTRAIN_DIAGNOSTICS=off
[ "$CODE" = 124 ] || fail "off: exit $CODE, expected 124"
[ -e "$DIAG" ] && fail "off: SMTRAIN_DIAGNOSTICS=off left $DIAG"

if [ "$failures" != 0 ]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "diagnostics file: OK"
