#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What the arm64 release promises of sm-train, checked on a build dir made
# with the release-arm64 or arm64 preset: installed stripped as the
# Dockerfiles install it, it is a static aarch64 executable (no program
# interpreter, no dynamic section) of at most 10 MB, the gethostname shim
# beside it is an aarch64 shared object, and it runs here under qemu-user.
#
#   scripts/check-arm64-binary.sh <build dir>     prints `file` of both, and the size
set -euo pipefail

build_dir=${1:?usage: $0 <build dir of the release-arm64 or arm64 preset>}
limit=10000000
out=$(mktemp -d "${TMPDIR:-/tmp}/smtrain-arm64-install.XXXXXX")
trap 'rm -rf "$out"' EXIT
cmake --install "$build_dir" --component Runtime --prefix "$out" --strip >/dev/null
sm_train=$out/bin/sm-train
shim=$(find "$out" -name 'libsmtrain-gethostname.so*' -type f | head -n 1)
fail() {
    echo "check-arm64-binary: $*" >&2
    exit 1
}
[[ -x $sm_train ]] || fail "no bin/sm-train installed from $build_dir"
[[ -n $shim ]] || fail "no libsmtrain-gethostname.so installed from $build_dir"

# readelf rather than file(1), whose wording changes between versions.
machine=$(readelf -hW "$sm_train" | sed -n 's/^ *Machine: *//p')
[[ $machine == AArch64 ]] || fail "sm-train is built for '$machine', not AArch64"
! readelf -lW "$sm_train" | grep -q INTERP || fail "sm-train names a program interpreter"
readelf -d "$sm_train" | grep -q "no dynamic section" || fail "sm-train has a dynamic section"
shim_machine=$(readelf -hW "$shim" | sed -n 's/^ *Machine: *//p')
[[ $shim_machine == AArch64 ]] || fail "the gethostname shim is built for '$shim_machine', not AArch64"

size=$(stat -c %s "$sm_train")
((size <= limit)) || fail "stripped sm-train is $size bytes, over the $limit-byte goal"
if command -v file >/dev/null; then
    (cd "$out" && file bin/sm-train "${shim#"$out"/}")
fi
version=$("$sm_train" --version) || fail "sm-train --version failed under qemu-user (scripts/qemu-binfmt.sh)"
echo "sm-train (aarch64, static, stripped): $size bytes (goal <= $limit); under qemu-user: $version"
