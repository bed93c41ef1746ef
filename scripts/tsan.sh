#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ThreadSanitizer run of the parts of smtrain that use threads: the machine
# probes (tests/env), the S3 client and intermediate output sync (tests/s3, the
# sync through sm-train), and the supervision and process tests around them
# (tests/launcher). It is the `tsan` preset of CMakePresets.json, in build/tsan.
#
#   scripts/tsan.sh            # cmake --workflow --preset tsan
#   scripts/tsan.sh -R Probe   # build, then ctest --preset tsan with these arguments
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if (($# == 0)); then
    exec "$root/scripts/build.sh" tsan --workflow
fi
"$root/scripts/build.sh" tsan
cd "$root"
ctest --preset tsan -j "${SMTRAIN_JOBS:-2}" "$@"
