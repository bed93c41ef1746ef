#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs the shipped examples on copies of their example trees:
#   example_test.sh cpp            <source dir> <work dir> <train binary>   under sm-train
#   example_test.sh cpp-bad-hp     <source dir> <work dir> <train binary>   a wrong hyperparameter type
#   example_test.sh cpp-standalone <source dir> <work dir> <prefix>         built with find_package, run directly
#   example_test.sh shell          <source dir> <work dir>                  under sm-train
# SM_TRAIN is the launcher; SMTRAIN_CONSUMER_FLAGS as in consumer_test.sh.
source "$(dirname "$0")/lib.sh"
mode=$1 source=$2 work=$3
fresh_dir "$work"
tree=$work/opt_ml

# The C++ example's output for examples/cpp/opt_ml (40 rows, 21 labelled 1,
# epochs=60, log_every=20). Epoch 1 is measured before the first step, with
# every weight 0: p = 0.5 for all rows, so loss = ln 2 and accuracy = 21/40.
check_cpp_output() {
    local out=$1
    expect_line "$out" "training on 40 rows, 2 features, host algo-1 (master)"
    expect_line "$out" "epoch=1 loss=0.6931 accuracy=0.5250"
    local metrics
    metrics=$(grep -cE '^epoch=[0-9]+ loss=[0-9]+\.[0-9]{4} accuracy=[01]\.[0-9]{4}$' "$out")
    [[ $metrics == 4 ]] || fail "expected metric lines for epochs 1, 20, 40, 60; got $metrics"
    expect_match "$out" '^epoch=60 loss=0\.[0-2][0-9]{3} accuracy='
    expect_line "$tree/model/model.json" '  "features": ['
    # The model must really classify: score it independently of the C++ code.
    python3 - "$tree/model/model.json" "$tree/input/data/train/exams.csv" <<'PY'
import csv, json, math, sys
model = json.load(open(sys.argv[1]))
rows = list(csv.reader(open(sys.argv[2])))[1:]
right = 0
for *xs, label in rows:
    z = model["bias"] + sum(w * (float(x) - m) / s
                            for w, x, m, s in zip(model["weights"], xs, model["means"], model["scales"]))
    right += (1 / (1 + math.exp(-z)) >= 0.5) == (label == "1")
accuracy = right / len(rows)
print(f"independent accuracy {accuracy:.3f}")
sys.exit(0 if accuracy >= 0.85 else 1)
PY
}

case $mode in
    cpp | cpp-bad-hp)
        copy_tree "$source/examples/cpp/opt_ml" "$tree"
        cp "$4" "$tree/code/train"
        if [[ $mode == cpp-bad-hp ]]; then
            sed -i 's/"epochs": "60"/"epochs": "\\"sixty\\""/' "$tree/input/config/hyperparameters.json"
            grep -q sixty "$tree/input/config/hyperparameters.json" || fail "could not edit hyperparameters.json"
        fi
        run_sm_train "$tree" "$work/stdout" "$work/stderr" train
        cat "$work/stdout"
        if [[ $mode == cpp ]]; then
            [[ $status == 0 ]] || { cat "$work/stderr"; fail "sm-train exited $status"; }
            check_cpp_output "$work/stdout"
            [[ -f $tree/output/success && ! -e $tree/output/failure ]] || fail "no output/success"
        else
            # The program reports the type error and exits 2; sm-train passes the
            # code through and puts the message in output/failure.
            [[ $status == 2 ]] || { cat "$work/stderr"; fail "sm-train exited $status, expected 2"; }
            [[ -f $tree/output/failure && ! -e $tree/output/success ]] || fail "no output/failure"
            expect_match "$tree/output/failure" '^ExitCode 2$'
            expect_match "$tree/output/failure" 'epochs'
        fi
        ;;
    cpp-standalone)
        prefix=$4
        flags=${SMTRAIN_CONSUMER_FLAGS:-}
        scripts_dir=$source/scripts
        "$scripts_dir/build-standalone.sh" "$source/examples/cpp" "$work/build" "$prefix" \
            -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags"
        copy_tree "$source/examples/cpp/opt_ml" "$tree"
        # No launcher: the program reads the tree itself (TrainingEnv::load).
        SAGEMAKER_BASE_DIR=$tree "$work/build/train" >"$work/stdout"
        cat "$work/stdout"
        check_cpp_output "$work/stdout"
        ;;
    shell)
        copy_tree "$source/examples/shell/opt_ml" "$tree"
        cp "$source/examples/shell/train.sh" "$tree/code/"
        run_sm_train "$tree" "$work/stdout" "$work/stderr" train
        cat "$work/stdout"
        [[ $status == 0 ]] || { cat "$work/stderr"; fail "sm-train exited $status"; }
        expect_line "$work/stdout" 'host algo-1 of ["algo-1"], user entry point train.sh'
        expect_line "$work/stdout" "train channel $tree/input/data/train: 4 lines"
        # The value with `;` and `$(...)` arrives as one argument and runs nothing.
        expect_line "$work/stdout" 'hello from sm-train; $(not run) (1/2)'
        expect_line "$work/stdout" 'hello from sm-train; $(not run) (2/2)'
        expect_line "$tree/model/model.txt" 'greeting=hello from sm-train; $(not run)'
        expect_line "$tree/model/model.txt" 'lines=4'
        [[ -f $tree/output/success && ! -e $tree/output/failure ]] || fail "no output/success"
        ;;
    *) fail "unknown mode $mode" ;;
esac
