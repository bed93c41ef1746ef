#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# sm-train is fully static, libcurl and OpenSSL included: `ldd` says it is not
# a dynamic executable, it has no program interpreter (PT_INTERP) and no
# dynamic section, so it runs whatever C library an image has, or none. It is
# built for the target (x86_64 or aarch64, cmake's CMAKE_SYSTEM_PROCESSOR), and
# so is the gethostname shim preloaded into MPI ranks.
#   static_launcher_test.sh <sm-train> <x86_64|aarch64> [<libsmtrain-gethostname.so>]
source "$(dirname "$0")/lib.sh"
sm_train=$1 processor=$2 shim=${3:-}
case $processor in
    x86_64) machine='Advanced Micro Devices X86-64' ;;
    aarch64) machine=AArch64 ;;
    *) fail "unknown processor $processor" ;;
esac
for binary in "$sm_train" ${shim:+"$shim"}; do
    actual=$(readelf -hW "$binary" | sed -n 's/^ *Machine: *//p')
    [[ $actual == "$machine" ]] || fail "$binary is built for '$actual', not $processor ($machine)"
    [[ $(readelf -hW "$binary" | sed -n 's/^ *Class: *//p') == ELF64 ]] || fail "$binary is not ELF64"
    echo "$(basename "$binary"): $actual"
done
ls -l "$sm_train"
output=$(ldd "$sm_train" 2>&1 || true)
echo "ldd: $output"
grep -q "not a dynamic executable" <<<"$output" || fail "sm-train is dynamically linked: $output"
if readelf -lW "$sm_train" | grep -q INTERP; then
    fail "sm-train names a program interpreter: $(readelf -lW "$sm_train" | grep -A1 INTERP)"
fi
readelf -d "$sm_train" | grep -q "no dynamic section" || fail "sm-train has a dynamic section: $(readelf -d "$sm_train")"
# libcurl is linked in, not loaded: no trace of the shared object's name.
if grep -qa 'libcurl\.so' "$sm_train"; then fail "sm-train still refers to libcurl.so"; fi
# curl_easy_strerror's text for CURLE_COULDNT_RESOLVE_HOST, and OpenSSL's version line.
grep -qa "Couldn't resolve host name" "$sm_train" || fail "sm-train holds no libcurl"
grep -qaE 'OpenSSL 3\.[0-9]+\.[0-9]+ ' "$sm_train" || fail "sm-train holds no OpenSSL 3"
echo "fully static, libcurl linked in"
