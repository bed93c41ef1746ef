#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Issue 20: `SourceCode(command="exec sm-train")` makes sm-train PID 1 under
# bash 5.1 too, the oldest bash that runs the last command of `bash -c "a && b"`
# in place (Debian bookworm has 5.2; bullseye, 5.1). Runs the gtest
# V3Job.CommandModeAfterTheSdkScriptMakesSmTrainPid1 with bullseye's bash:
# $SMTRAIN_TEST_BASH_5_1 when set, else bash_5.1-2+deb11u1 fetched from
# deb.debian.org with a private apt configuration (10-20 s; nothing of the
# machine's apt state is changed; it runs on this machine's libc, which is newer).
# Skips (77), saying why, when no bash 5.1 can be had or PID namespaces are not allowed.
#
# usage: sdk_v3_bash51.sh LAUNCHER_SDK_V3_TEST WORK_PARENT
set -uo pipefail
TEST=$(realpath "$1")
WORK=$(mktemp -d "$2/sdk-v3-bash51.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
skip() { echo "SKIP: $*"; exit 77; }

[ "$(id -u)" = 0 ] && unshare --pid --fork --mount-proc true 2>/dev/null || skip "needs root and PID namespaces"

bash51=${SMTRAIN_TEST_BASH_5_1:-}
if [ -z "$bash51" ]; then
    mkdir -p "$WORK/apt/lists/partial" "$WORK/apt/cache/archives/partial" "$WORK/apt/sources"
    cat > "$WORK/apt/sources/bullseye.sources" <<SOURCES
Types: deb
URIs: http://deb.debian.org/debian
Suites: bullseye
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
    apt=(-o Dir::Etc::sourcelist=/dev/null -o "Dir::Etc::sourceparts=$WORK/apt/sources"
         -o "Dir::State::Lists=$WORK/apt/lists" -o "Dir::Cache=$WORK/apt/cache"
         -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o Debug::NoLocking=1
         -o APT::Sandbox::User=root -qq)
    (cd "$WORK" && timeout 30 apt-get "${apt[@]}" update && timeout 30 apt-get "${apt[@]}" download bash/bullseye) \
        > "$WORK/apt.log" 2>&1 || skip "no bash 5.1: bullseye's bash could not be fetched ($(tail -1 "$WORK/apt.log")); set SMTRAIN_TEST_BASH_5_1"
    dpkg-deb -x "$WORK"/bash_5.1*.deb "$WORK/root" || skip "bullseye's bash package did not unpack"
    bash51=$WORK/root/bin/bash
fi
version=$("$bash51" -c 'echo $BASH_VERSION') || skip "$bash51 does not run here"
case $version in 5.1.*) ;; *) echo "FAIL: $bash51 is bash $version, not 5.1"; exit 1 ;; esac
echo "bash $version ($bash51)"
SMTRAIN_TEST_BASH=$bash51 "$TEST" --gtest_filter=V3Job.CommandModeAfterTheSdkScriptMakesSmTrainPid1
