#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds programs outside the tree against the installed prefix and runs them
# on a fake /opt/ml tree:
#   consumer_test.sh cmake      <source dir> <prefix> <work dir>   find_package(smtrain 0.1)
#   consumer_test.sh pkg-config <source dir> <prefix> <work dir>   c++ $(pkg-config --cflags --libs smtrain)
#   consumer_test.sh subproject <source dir> -        <work dir>   add_subdirectory(<source dir>): configure only
# CXX is the compiler; SMTRAIN_CONSUMER_FLAGS are extra compile+link flags
# (the sanitizer flags, when the library was built with them).
source "$(dirname "$0")/lib.sh"
mode=$1 source=$2 prefix=$3 work=$4
fresh_dir "$work"
flags=${SMTRAIN_CONSUMER_FLAGS:-}

# The tree a SageMaker job would see, written by hand.
tree=$work/opt_ml
mkdir -p "$tree/input/config" "$tree/input/data/train" "$tree/model" "$tree/output"
cat >"$tree/input/config/hyperparameters.json" <<'JSON'
{"epochs": "3", "lr": "0.05", "optimizer": "\"adam\"", "b": "true", "sagemaker_program": "\"train.py\""}
JSON
cat >"$tree/input/config/resourceconfig.json" <<'JSON'
{"current_host": "algo-2", "hosts": ["algo-1", "algo-2"], "network_interface_name": "eth0"}
JSON
cat >"$tree/input/config/inputdataconfig.json" <<'JSON'
{"train": {"TrainingInputMode": "File"}}
JSON
printf 'a\nb\nc\nd\n' >"$tree/input/data/train/data.txt"

case $mode in
    cmake)
        # shellcheck disable=SC2086
        cmake -S "$source/tests/packaging/consumer" -B "$work/build" -G Ninja \
            -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
            -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags"
        cmake --build "$work/build"
        program=$work/build/consumer_train
        fake_tree_check=$work/build/consumer_fake_tree
        # SameMajorVersion: a request for another major version must be refused.
        mkdir -p "$work/wrong-major"
        printf 'cmake_minimum_required(VERSION 3.25)\nproject(wrong_major LANGUAGES CXX)\nfind_package(smtrain 1.0 REQUIRED)\n' \
            >"$work/wrong-major/CMakeLists.txt"
        if cmake -S "$work/wrong-major" -B "$work/wrong-major/build" -DCMAKE_PREFIX_PATH="$prefix" \
            >"$work/wrong-major.log" 2>&1; then
            fail "find_package(smtrain 1.0) accepted version 0.x"
        fi
        expect_match "$work/wrong-major.log" 'requested version "1\.0"'
        # The exported launcher points into the prefix, not back into the build tree.
        if [[ -f $work/build/sm-train-location.txt ]]; then
            expect_line "$work/build/sm-train-location.txt" "$prefix/bin/sm-train"
        fi
        ;;
    subproject)
        # Configure only: linking smtrain::smtrain in-tree is what examples/cpp
        # does already; what is new here is the subproject's defaults.
        cmake -S "$source/tests/packaging/consumer" -B "$work/build" -G Ninja -DSMTRAIN_SOURCE_DIR="$source"
        for option in SMTRAIN_BUILD_TESTS SMTRAIN_BUILD_EXAMPLES SMTRAIN_BUILD_BENCH SMTRAIN_INSTALL; do
            expect_line "$work/build/CMakeCache.txt" "$option:BOOL=OFF"
        done
        # What gets built (linked artifacts) and whether an install target exists.
        ninja -C "$work/build" -t targets all >"$work/targets"
        grep LINKER "$work/targets" | sed 's/:.*//' >"$work/artifacts"
        cat "$work/artifacts"
        expect_line "$work/artifacts" consumer_train
        expect_line "$work/artifacts" consumer_fake_tree
        expect_line "$work/artifacts" smtrain/src/libsmtrain.a
        # smtrain::testing is a library for the consumer's own tests, linked above.
        grep -vx 'smtrain/src/testing/libsmtrain_testing.a' "$work/artifacts" >"$work/artifacts.ours" || true
        if grep -qE 'test|example|bench' "$work/artifacts.ours"; then
            fail "the subproject builds what it should not: $(grep -E 'test|example|bench' "$work/artifacts.ours")"
        fi
        if grep -qx 'install: phony' "$work/targets"; then fail "the subproject generates install rules"; fi
        exit 0
        ;;
    pkg-config)
        export PKG_CONFIG_PATH=$(dirname "$(find "$prefix" -name smtrain.pc)")
        [[ $(pkg-config --modversion smtrain) == 0.1.* ]] || fail "pkg-config --modversion: $(pkg-config --modversion smtrain)"
        program=$work/consumer_train
        # shellcheck disable=SC2046,SC2086
        "${CXX:-c++}" -std=c++20 $flags $(pkg-config --cflags smtrain) \
            "$source/tests/packaging/consumer/train.cpp" -o "$program" $(pkg-config --libs smtrain)
        [[ $(pkg-config --modversion smtrain-testing) == 0.1.* ]] ||
            fail "pkg-config --modversion smtrain-testing: $(pkg-config --modversion smtrain-testing)"
        fake_tree_check=$work/consumer_fake_tree
        # shellcheck disable=SC2046,SC2086
        "${CXX:-c++}" -std=c++20 $flags $(pkg-config --cflags smtrain-testing) \
            "$source/tests/packaging/consumer/fake_tree_check.cpp" -o "$fake_tree_check" \
            $(pkg-config --libs smtrain-testing)
        ;;
    *) fail "unknown mode $mode" ;;
esac

SAGEMAKER_BASE_DIR=$tree "$program" >"$work/stdout"
cat "$work/stdout"
# Expected values worked out by hand from the toolkit's rules: hyperparameters
# JSON-decoded, SageMaker keys dropped, argv sorted with -b for a one-letter
# key and True for a boolean, SM_HPS as compact sorted JSON; master = first host.
expect_line "$work/stdout" "host=algo-2 master=no"
expect_line "$work/stdout" "epochs=3 lr=0.05 optimizer=adam rows=4"
expect_line "$work/stdout" "args=-b True --epochs 3 --lr 0.05 --optimizer adam"
expect_line "$work/stdout" 'SM_HPS={"b":true,"epochs":3,"lr":0.05,"optimizer":"adam"}'
expect_line "$work/stdout" "validation: Channel validation is not a valid channel"
expect_line "$tree/model/model.txt" "epochs=3"

# smtrain::testing, linked from the installed package: the fake tree reads back
# as written (epochs 3, current host algo-2 of two, master algo-1) and goes away.
"$fake_tree_check" >"$work/fake_tree.stdout"
expect_line "$work/fake_tree.stdout" "epochs=3 host=algo-2 master=algo-1"
expect_line "$work/fake_tree.stdout" "removed=yes"
# <smtrain/version.hpp> is installed (or generated, for a subproject) and holds the project version.
expect_match "$work/stdout" '^smtrain=0\.1\.[0-9]+ number=1[0-9][0-9]$'
