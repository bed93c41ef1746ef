#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the libFuzzer targets (clang, ASan+UBSan) and runs each for N seconds
# from the seed corpus in fuzz/corpus/<target>/. Prints executions and coverage
# per target; exits non-zero when any target crashed, leaked or timed out.
#
#   fuzz/run.sh 60                      # CI: every target, 60 s each
#   fuzz/run.sh 600 fuzz_json           # one target, 10 minutes
#
# Environment: SMTRAIN_FUZZ_BUILD_DIR (default build-fuzz), SMTRAIN_FUZZ_JOBS
# (build parallelism, default 2). New inputs found go to fuzz/corpus-run/<target>/
# (ignored by git); crash reproducers to fuzz/artifacts/<target>/.
set -euo pipefail

seconds=${1:?usage: fuzz/run.sh <seconds-per-target> [target...]}
shift
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SMTRAIN_FUZZ_BUILD_DIR:-$root/build-fuzz}
all_targets=(fuzz_json fuzz_hyperparameters fuzz_resourceconfig fuzz_inputdataconfig fuzz_from_environment
             fuzz_extract_tarball)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")

if [ ! -f "$build/build.ninja" ]; then
    CC=${CC:-clang} CXX=${CXX:-clang++} cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DSMTRAIN_BUILD_FUZZ=ON -DSMTRAIN_BUILD_TESTS=OFF -DSMTRAIN_BUILD_LAUNCHER=OFF \
        -DSMTRAIN_BUILD_EXAMPLES=OFF -DSMTRAIN_BUILD_BENCH=OFF -DSMTRAIN_INSTALL=OFF \
        -DSMTRAIN_WARNINGS_AS_ERRORS=ON >/dev/null
fi
cmake --build "$build" -j "${SMTRAIN_FUZZ_JOBS:-2}" --target "${targets[@]}"

# The extractor writes whole trees per input: keep them in memory when we can.
scratch=$(mktemp -d "${SMTRAIN_FUZZ_TMP:-/dev/shm}/smtrain-fuzz.XXXXXX" 2>/dev/null || mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# One target: run it, then write its row of the table to $scratch/$target.row.
run_target() {
    local target=$1 name=${1#fuzz_}
    local seeds=$root/fuzz/corpus/$name work=$root/fuzz/corpus-run/$name artifacts=$root/fuzz/artifacts/$name/
    local log=$scratch/$target.log max_len=4096 result=ok
    mkdir -p "$work" "$artifacts"
    [ "$target" = fuzz_extract_tarball ] && max_len=65536
    # -timeout: one input may take at most 10 s (a hang is a bug); -rss_limit_mb: 2 GiB.
    if ! TMPDIR=$scratch "$build/fuzz/$target" "$work" "$seeds" -max_total_time="$seconds" -max_len=$max_len \
            -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts" >"$log" 2>&1; then
        result="FAILED (reproducers in $artifacts, log in ${artifacts}last.log)"
        cp "$log" "${artifacts}last.log"
    fi
    local execs rate cov ft
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    printf '%-24s %12s %8s %8s %8s  %s\n' "$target" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$result" \
        >"$scratch/$target.row"
}

# Targets run side by side, SMTRAIN_FUZZ_PARALLEL at a time (default: the CPU count),
# so CI's 60 s each costs about a minute per core rather than per target.
parallel=${SMTRAIN_FUZZ_PARALLEL:-$(nproc)}
running=0
for target in "${targets[@]}"; do
    if [ "$running" -ge "$parallel" ]; then wait -n || true; running=$((running - 1)); fi
    run_target "$target" &
    running=$((running + 1))
done
wait

failed=0
printf '%-24s %12s %8s %8s %8s  %s\n' target execs exec/s cov ft result
for target in "${targets[@]}"; do
    cat "$scratch/$target.row"
    grep -q ' ok$' "$scratch/$target.row" || failed=1
done
exit $failed
