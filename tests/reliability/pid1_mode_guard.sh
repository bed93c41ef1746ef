#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A `pid1.` test on a machine that refuses PID namespaces is skipped, saying
# why; it never runs sm-train as an ordinary child and passes in the other mode
# (tests/support/pid1_mode_guard.hpp). The refusal is made real by running the
# test binary as nobody (no CAP_SYS_ADMIN: unshare(CLONE_NEWPID) fails), with a
# test that would pass in either mode, and a row of a parameterised one.
#   pid1_mode_guard.sh <reliability_lifecycle_test binary>
set -uo pipefail
binary=${1:?usage: $0 <reliability_lifecycle_test>}
if [[ $(id -u) != 0 ]] || ! command -v setpriv >/dev/null; then
    echo "SKIP: needs root and setpriv (util-linux) to run the binary as nobody"
    exit 77
fi
nobody=65534
if ! setpriv --reuid=$nobody --regid=$nobody --clear-groups test -x "$binary"; then
    echo "SKIP: nobody cannot execute $binary here (a parent directory is not world-searchable)"
    exit 77
fi
out=$(SMTRAIN_TEST_AS_PID1=1 setpriv --reuid=$nobody --regid=$nobody --clear-groups \
    "$binary" --gtest_filter='Lifecycle.RelativeBaseDirRunsTheProgram:Lifecycle/SigtermBeforeTheProgram.*/dns_wait' 2>&1)
echo "$out"
if ! grep -qF "[  SKIPPED ] SMTRAIN_TEST_AS_PID1=1 asks for sm-train as PID 1" <<<"$out"; then
    echo "FAIL: the pid1 copy did not say it was skipped"
    exit 1
fi
if grep -qF "[       OK ] " <<<"$out"; then
    echo "FAIL: the test ran (in the other mode) instead of being skipped"
    exit 1
fi
echo "PASS: skipped, with the reason"
