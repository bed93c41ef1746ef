#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# sm-train links statically: `ldd` says it is not a dynamic executable, or
# names nothing but the C library (libc, libm, the loader; linux-vdso is the
# kernel's, not a file). A dynamic C library must be old enough for the images
# sm-train goes into: no symbol newer than GLIBC_2.35 (Ubuntu 22.04, Debian 12).
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
newest=$(objdump -T "$sm_train" | grep -o 'GLIBC_2\.[0-9]*' | sort -uV | tail -n 1)
echo "newest glibc symbol version: $newest"
[[ $(printf '%s\n' "$newest" GLIBC_2.35 | sort -V | tail -n 1) == GLIBC_2.35 ]] ||
    fail "sm-train needs $newest; images with glibc 2.35 (Ubuntu 22.04) could not run it: $(objdump -T "$sm_train" | grep "$newest")"
echo "static but for the C library"
