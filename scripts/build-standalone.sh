#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds a project that uses an installed smtrain through find_package(smtrain),
# such as examples/cpp (the Dockerfile.cpp builder and the packaging tests both
# run this):
#   scripts/build-standalone.sh <source dir> <build dir> <smtrain prefix> [cmake options]
set -euo pipefail
source_dir=${1:?usage: $0 <source dir> <build dir> <smtrain prefix> [cmake options]}
build_dir=${2:?build dir}
prefix=${3:?smtrain prefix}
shift 3
cmake -S "$source_dir" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" "$@"
cmake --build "$build_dir" -j "${SMTRAIN_JOBS:-$(nproc)}"
