#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# README command 2 (and all that .ci/run does): install the dependencies, build
# with warnings as errors and run every test, then do it again under
# AddressSanitizer + UndefinedBehaviorSanitizer.
#
#   scripts/test.sh [format|dev|fuzz|asan|tsan|arm64|containers ...]
#                                         default: format dev fuzz asan arm64 containers
#
# dev, asan and tsan are the CMakePresets.json workflows (configure, build,
# test: `cmake --workflow --preset <name>`, through scripts/build.sh, which
# first clears a build dir made for another checkout).
# `format` checks that every C/C++ file is as clang-format writes it.
# `fuzz` builds the libFuzzer targets with clang and runs each for
# SMTRAIN_FUZZ_SECONDS (default 60) from the seed corpus (fuzz/run.sh).
# `arm64` cross-builds for aarch64 (the arm64 preset: the release-arm64 flags,
# fully static sm-train, plus the tests of the library, runners, process and
# launcher suites and the static-root tests) and runs those tests under
# qemu-user through binfmt_misc (needs root; docs/arm64.md says which tests
# run and which are excluded, and why). It also checks that the stripped
# sm-train is an aarch64 static executable of at most 10 MB.
# `containers` builds the images of docker/ with podman and runs them
# (tests/containers/run.sh; needs root), with the sm-train of the dev stage
# when it ran before, else with the release preset's; and, once, the seed
# image for linux/arm64 under emulation, with the arm64 stage's sm-train when
# it ran before, else with the release-arm64 preset's.
#
# Extra ctest arguments go in SMTRAIN_CTEST_ARGS (e.g. "-L packaging"); a
# workflow takes none, so with them the build and the tests run as two steps.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
presets=("$@")
((${#presets[@]})) || presets=(format dev fuzz asan arm64 containers)

"$root/scripts/install-deps.sh"
dev_built=0
arm64_built=0
# Each stage's time, printed when the next starts and at the end (CI has a
# 60-minute budget: docs/arm64.md#ci-time).
stage_started=$SECONDS
stage_name=
stage_done() {
    [[ -z $stage_name ]] || echo "==> $stage_name: $((SECONDS - stage_started)) s"
    stage_name=$1
    stage_started=$SECONDS
}
for preset in "${presets[@]}"; do
    stage_done "$preset"
    if [[ $preset == format ]]; then
        echo "==> format: clang-format"
        "$root/scripts/check-format.sh"
        continue
    fi
    if [[ $preset == fuzz ]]; then
        echo "==> fuzz: every target for ${SMTRAIN_FUZZ_SECONDS:-60} s"
        "$root/fuzz/run.sh" "${SMTRAIN_FUZZ_SECONDS:-60}"
        continue
    fi
    if [[ $preset == arm64 ]]; then
        echo "==> arm64: cross build for aarch64, tests under qemu-user (docs/arm64.md)"
        "$root/scripts/install-deps.sh" --arm64
        "$root/scripts/qemu-binfmt.sh"
        "$root/scripts/build.sh" arm64
        arm64_built=1
        "$root/scripts/check-arm64-binary.sh" "$root/build/arm64"
        # shellcheck disable=SC2086  # SMTRAIN_CTEST_ARGS is a word list on purpose
        (cd "$root" && ctest --preset arm64 -j "${SMTRAIN_JOBS:-$(nproc)}" ${SMTRAIN_CTEST_ARGS:-})
        continue
    fi
    if [[ $preset == containers ]]; then
        echo "==> containers: podman images (tests/containers/run.sh)"
        "$root/scripts/install-deps.sh" --containers
        # The arm64 image runs under emulation: the arm64 tools too (a no-op
        # when the arm64 stage ran).
        "$root/scripts/install-deps.sh" --arm64
        if [[ -z ${SMTRAIN_CONTAINERS_ARM64_BUILD_DIR:-} && $arm64_built == 1 ]]; then
            export SMTRAIN_CONTAINERS_ARM64_BUILD_DIR=$root/build/arm64
        fi
        # After the dev stage of this same run, the images take the sm-train it
        # has just built and tested (same link options as release); alone, the
        # stage builds the release preset.
        build_dir=${SMTRAIN_CONTAINERS_BUILD_DIR:-}
        if [[ -z $build_dir && $dev_built == 1 ]]; then
            build_dir=$root/build/dev
        fi
        SMTRAIN_CONTAINERS_BUILD_DIR=$build_dir "$root/tests/containers/run.sh"
        continue
    fi
    if [[ -z ${SMTRAIN_CTEST_ARGS:-} ]]; then
        echo "==> $preset: cmake --workflow --preset $preset (configure, build, test)"
        "$root/scripts/build.sh" "$preset" --workflow
        [[ $preset != dev ]] || dev_built=1
        continue
    fi
    echo "==> $preset: build"
    "$root/scripts/build.sh" "$preset"
    [[ $preset != dev ]] || dev_built=1
    echo "==> $preset: test"
    # shellcheck disable=SC2086  # SMTRAIN_CTEST_ARGS is a word list on purpose
    (cd "$root" && ctest --preset "$preset" -j "${SMTRAIN_JOBS:-$(nproc)}" ${SMTRAIN_CTEST_ARGS})
done
stage_done ""
echo "==> all tests passed (${presets[*]}) in $SECONDS s"
