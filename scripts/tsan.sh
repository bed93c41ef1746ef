#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ThreadSanitizer run of the parts of smtrain that use threads: the machine
# probes (nvidia-smi and neuron-ls in parallel, lazily, once: tests/env) and the
# S3 client and intermediate output sync (tests/s3). The rest of sm-train is one
# thread by design (signalfd + poll), so TSan has nothing to watch there.
#
#   scripts/tsan.sh            # build in build-tsan, run the env and s3 tests
#   scripts/tsan.sh -R Probe   # extra ctest arguments
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SMTRAIN_TSAN_BUILD_DIR:-$root/build-tsan}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSMTRAIN_SANITIZE_THREAD=ON \
    -DSMTRAIN_STATIC_LAUNCHER=OFF -DSMTRAIN_BUILD_EXAMPLES=OFF -DSMTRAIN_BUILD_BENCH=OFF -DSMTRAIN_WARNINGS_AS_ERRORS=ON
targets=()
for t in smtrain_env_tests smtrain_s3_tests; do
    ninja -C "$build" -t targets all 2>/dev/null | grep -q "^$t:" && targets+=("$t")
done
cmake --build "$build" -j "${SMTRAIN_JOBS:-2}" --target "${targets[@]}"
# halt_on_error: the first race fails the run; second_deadlock_stack: readable lock reports.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
ctest --test-dir "$build" --output-on-failure -j "${SMTRAIN_JOBS:-2}" -L 'env|s3' "$@"
