# SPDX-License-Identifier: Apache-2.0
# Helpers shared by the packaging test scripts (sourced, not run).
set -euo pipefail

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# expect_contains <file> <text>: the file holds the text as a whole line.
expect_line() {
    grep -qxF -- "$2" "$1" || { echo "--- $1:" >&2; cat "$1" >&2; fail "$1 lacks the line: $2"; }
}

# expect_match <file> <extended regex>: some line of the file matches.
expect_match() {
    grep -qE -- "$2" "$1" || { echo "--- $1:" >&2; cat "$1" >&2; fail "$1 has no line matching: $2"; }
}

# fresh_dir <path>: an empty directory (tests rerun without leftovers).
fresh_dir() {
    rm -rf "$1"
    mkdir -p "$1"
}

# copy_tree <example opt_ml dir> <dest>: a writable copy of an example tree
# with the directories SageMaker creates (code/, model/, output/).
copy_tree() {
    fresh_dir "$2"
    cp -r "$1"/. "$2"/
    mkdir -p "$2/code" "$2/model" "$2/output"
}

# run_sm_train <tree> <stdout file> <stderr file> [args...]: sm-train on a tree;
# sets $status. SM_STUDIO_LOCAL_MODE skips the wait for the example host
# names (algo-1) to resolve, as in SageMaker Studio's local mode.
run_sm_train() {
    local tree=$1 out=$2 err=$3
    shift 3
    status=0
    SAGEMAKER_BASE_DIR=$tree SM_STUDIO_LOCAL_MODE=true timeout 120 "$SM_TRAIN" "$@" >"$out" 2>"$err" || status=$?
}
