#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A SageMaker training program in plain POSIX sh (shell built-ins only, so it
# runs on busybox too). sm-train passes the hyperparameters as arguments
# (`--greeting '...' --repeat 2`, each value one argv entry, never re-parsed by
# a shell) and the SM_* variables in the environment.
set -eu

greeting=hello
repeat=1
while [ $# -gt 0 ]; do
    case "$1" in
        --greeting) greeting=$2; shift 2 ;;
        --repeat) repeat=$2; shift 2 ;;
        *) echo "train.sh: ignoring argument $1" >&2; shift ;;
    esac
done

echo "host $SM_CURRENT_HOST of $SM_HOSTS, user entry point $SM_USER_ENTRY_POINT"

lines=0
for file in "$SM_CHANNEL_TRAIN"/*; do
    while IFS= read -r _; do lines=$((lines + 1)); done <"$file"
done
echo "train channel $SM_CHANNEL_TRAIN: $lines lines"

i=0
while [ "$i" -lt "$repeat" ]; do
    i=$((i + 1))
    echo "$greeting ($i/$repeat)"
done

printf 'greeting=%s\nlines=%s\n' "$greeting" "$lines" >"$SM_MODEL_DIR/model.txt"
echo "model written to $SM_MODEL_DIR/model.txt"
