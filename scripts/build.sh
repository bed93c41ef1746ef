#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Configures and builds one CMakePresets.json preset into build/<preset>.
#
#   scripts/build.sh dev|asan|tsan|release [--target T ...] [-- extra cmake -D options]
#   scripts/build.sh dev|asan|tsan --workflow     # configure, build and test: cmake --workflow --preset
#
# Safe to run over and over: an existing build/<preset> is reused, and one that
# was configured for another source tree or generator is started afresh.
# SMTRAIN_JOBS sets the parallelism of the build and of ctest (default: the number of CPUs).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
preset=${1:?usage: $0 dev|asan|release [--target T ...] [-- cmake options]}
shift
targets=()
workflow=false
while (($#)); do
    case "$1" in
        --target) targets+=(--target "${2:?--target needs a name}"); shift 2 ;;
        --workflow) workflow=true; shift ;;
        --) shift; break ;;
        *) echo "build.sh: unknown argument $1" >&2; exit 64 ;;
    esac
done

binary_dir="$root/build/$preset"
cache="$binary_dir/CMakeCache.txt"
if [[ -f $cache ]]; then
    # A build dir copied from another checkout, or made by hand with another
    # generator, makes cmake refuse to configure; ours are disposable.
    home=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$cache")
    generator=$(sed -n 's/^CMAKE_GENERATOR:INTERNAL=//p' "$cache")
    if [[ $home != "$root" || $generator != Ninja ]]; then
        echo "build.sh: $binary_dir was configured for '$home' with '$generator'; starting afresh"
        rm -rf "$binary_dir"
    fi
fi

cd "$root"
if $workflow; then
    # The preset's own steps; the workflow takes no -j, so the parallelism goes in the environment.
    ((${#targets[@]} == 0 && $# == 0)) || { echo "build.sh: --workflow takes no --target or cmake options" >&2; exit 64; }
    export CMAKE_BUILD_PARALLEL_LEVEL=${SMTRAIN_JOBS:-$(nproc)} CTEST_PARALLEL_LEVEL=${SMTRAIN_JOBS:-$(nproc)}
    exec cmake --workflow --preset "$preset"
fi
cmake --preset "$preset" "$@"
cmake --build --preset "$preset" -j "${SMTRAIN_JOBS:-$(nproc)}" "${targets[@]}"
