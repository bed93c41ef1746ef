#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `sm-train init`: the files it writes (expected bytes written by hand under
# init/, as the service and the SDK write them), the code and channel data, the
# tree running under `sm-train train`, and bad input: one line naming the flag,
# exit 64, nothing left behind.
#   init_test.sh SM_TRAIN WORK_PARENT
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sm_train=$(realpath "$1")
work=$(mktemp -d "$2/init-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }
# same EXPECTED_FILE ACTUAL_FILE [TREE]: byte for byte, @TREE@ replaced by TREE.
same() {
    sed "s|@TREE@|${3:-}|g" "$here/init/$1" > expected
    cmp -s expected "$2" || { echo "--- expected"; cat expected; echo "--- got"; cat "$2"; fail "$2 differs from init/$1"; }
}

mkdir -p src data
printf 'print("hi")\n' > src/train.py
printf '1,2\n3,4\n' > data/rows.csv
printf '{"layers": [64, 32], "tag": "v 1", "epochs": 1}\n' > hps.json

# Every encoding: a JSON literal is read as one, anything else is a string.
"$sm_train" init t1 --hps hps.json --hp epochs=3 --hp lr=0.1 --hp flag=true --hp off=false --hp nothing=null \
    --hp opt=adam --hp 'name=two words "quoted"' --hp 'betas=[0.9, 0.999]' --hp 'cfg={"a": 1, "b": [true, null]}' \
    --hp big=123456789012345678901234567890 --hp empty= --hp sci=1e-3 --hp 'quoted="7"' 2> init.err
# --hps first (in its order), then each --hp; a later value replaces an earlier one in place.
same encodings.hyperparameters.json t1/input/config/hyperparameters.json
grep -qF "run it: SAGEMAKER_BASE_DIR=$work/t1 SM_STUDIO_LOCAL_MODE=true sm-train train" init.err || fail "no hint"
for d in code model output/data input/data; do [ -d "t1/$d" ] || fail "no t1/$d"; done

# Script mode, channels, hosts, distribution: the exact bytes.
"$sm_train" init t2 --entry-point train.py --source-dir src --hp epochs=2 --job-name my-job --region eu-west-1 \
    --channel train=data --channel validation=data/rows.csv --hosts 2 --current-host algo-2 \
    --instance-type ml.g5.2xlarge --distribution torch_distributed 2> /dev/null
same script.hyperparameters.json t2/input/config/hyperparameters.json "$work/t2"
same script.inputdataconfig.json t2/input/config/inputdataconfig.json
same script.resourceconfig.json t2/input/config/resourceconfig.json
cmp -s src/train.py t2/code/train.py || fail "code not copied"
cmp -s data/rows.csv t2/input/data/train/rows.csv || fail "channel dir not copied"
cmp -s data/rows.csv t2/input/data/validation/rows.csv || fail "channel file not copied"
[ ! -L t2/input/data/train ] || fail "copied channel is a link"

# --link; heterogeneous groups with mpi options.
"$sm_train" init t3 --channel train=data --link --instance-group cpu:ml.c5.xlarge:1 \
    --instance-group gpu:ml.p3.2xlarge:2 --current-host algo-3 --distribution mpi --processes-per-host 2 \
    --custom-mpi-options "-x A=1" --distribution-group gpu 2> /dev/null
[ "$(readlink t3/input/data/train)" = "$work/data" ] || fail "--link: $(readlink t3/input/data/train)"
same hetero.resourceconfig.json t3/input/config/resourceconfig.json
same hetero.hyperparameters.json t3/input/config/hyperparameters.json

# A .tar.gz source dir arrives as channel `code`, extracted when the job starts.
tar -czf sourcedir.tar.gz -C src train.py
"$sm_train" init t4 --source-dir sourcedir.tar.gz --entry-point train.py 2> /dev/null
same tarball.hyperparameters.json t4/input/config/hyperparameters.json "$work/t4"
cmp -s sourcedir.tar.gz t4/input/data/code/sourcedir.tar.gz || fail "tarball not in channel code"
SAGEMAKER_BASE_DIR=$work/t4 SM_STUDIO_LOCAL_MODE=true SMTRAIN_PYTHON=python3 timeout 60 "$sm_train" train \
    > t4.out 2>&1 || { cat t4.out; fail "the tarball job failed"; }
grep -qx hi t4.out || { cat t4.out; fail "the program did not run"; }
[ -f t4/output/success ] || fail "no output/success"

# Flags may come before DIR; each --hp takes one value.
"$sm_train" init --hp a=1 --hp b=2 t6 2> /dev/null
[ "$(cat t6/input/config/hyperparameters.json)" = '{"a": "1", "b": "2"}' ] || fail "flags before DIR"

# --force replaces; an empty DIR is fine without it.
mkdir empty
"$sm_train" init empty --hp a=1 2> /dev/null
"$sm_train" init t1 --force --hp a=2 2> /dev/null
[ "$(cat t1/input/config/hyperparameters.json)" = '{"a": "2"}' ] || fail "--force did not replace"

# Bad input: exit 64, one line that names the flag, nothing written.
bad() {
    local expected=$1
    shift
    local status=0
    "$sm_train" init "$@" > out 2> err || status=$?
    [ "$status" = 64 ] || { cat err; fail "init $*: exit $status, not 64"; }
    [ "$(wc -l < err)" = 1 ] || { cat err; fail "init $*: not one line"; }
    grep -qF -- "$expected" err || { cat err; fail "init $*: no '$expected'"; }
}
bad "sm-train init: --channel train=nope: nope: no such file or directory" t5 --channel train=nope
bad "sm-train init: --distribution horovod: unknown distribution (known: torch_distributed, mpi," t5 \
    --distribution horovod
bad "sm-train init: --current-host algo-3: not among the hosts (algo-1, algo-2)" t5 --hosts 2 --current-host algo-3
bad "sm-train init: --hosts 3: 3 hosts do not match the instance groups, which hold 2" t5 --hosts 3 \
    --instance-group a:ml.c5.xlarge:1 --instance-group b:ml.c5.xlarge:1
bad "sm-train init: DIR t2: not empty (--force replaces it)" t2 --hp a=1
bad "sm-train init: --hp epochs: expected NAME=VALUE" t5 --hp epochs
bad "sm-train init: --instance-group gpu:2: expected NAME:TYPE:COUNT" t5 --instance-group gpu:2
bad "sm-train init: --instance-group g:ml.p3:0: expected a count of at least 1, got '0'" t5 --instance-group g:ml.p3:0
bad "sm-train init: --hps nope.json: no such file" t5 --hps nope.json
printf '[1]' > list.json
bad "sm-train init: --hps list.json: expected a JSON object, got array" t5 --hps list.json
bad "sm-train init: --source-dir nope: no such file or directory" t5 --source-dir nope
bad "sm-train init: --entry-point main.py: not found in src" t5 --source-dir src --entry-point main.py
bad "sm-train init: --processes-per-host: needs --distribution mpi" t5 --processes-per-host 2
# An unknown flag is CLI11's to report (its line, then "Run with --help ...").
status=0
"$sm_train" init t5 --bogus > out 2> err || status=$?
[ "$status" = 64 ] && grep -qxF "The following argument was not expected: --bogus" err || fail "--bogus: $status"
[ ! -e t5 ] || fail "a refused init left t5 behind"
[ "$(ls -A | grep -c sm-train)" = 0 ] || fail "a staging dir was left behind: $(ls -A)"
[ "$(cat t2/input/config/resourceconfig.json | head -c 20)" = '{"current_host": "al' ] || fail "t2 was touched"
echo "init: OK"
