#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# sm-train links statically: `ldd` says it is not a dynamic executable, or
# names nothing but the C library (libc, libm, the loader; linux-vdso is the
# kernel's, not a file).
#   static_launcher_test.sh <sm-train>
source "$(dirname "$0")/lib.sh"
sm_train=$1
ls -l "$sm_train"
output=$(ldd "$sm_train" 2>&1 || true)
echo "ldd: $output"
if grep -q "not a dynamic executable" <<<"$output"; then
    echo "fully static"
    exit 0
fi
others=$(grep -vE '^\s*(linux-vdso\.so\.1|libc\.so\.6|libm\.so\.6|/lib(64)?/ld-linux[^ ]*\.so\.[0-9]+)\b' <<<"$output" || true)
[[ -z $others ]] || fail "sm-train needs libraries beyond the C library: $others"
echo "static but for the C library"
