#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The release build for one architecture, installed stripped: what the
# Dockerfiles' builder stage runs (for `--platform linux/amd64` or
# `linux/arm64`, whatever the build machine is).
#
#   scripts/build-release.sh <amd64|arm64> <prefix> [cmake --install options, e.g. --component Runtime]
#
# On a machine of that architecture: the release preset. On an x86-64 machine
# for arm64: the release-arm64 preset, a cross build with Debian's
# crossbuild-essential-arm64 (docs/arm64.md says why not a native build under
# emulation). Installs the packages it needs (scripts/install-deps.sh).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
arch=${1:?usage: $0 <amd64|arm64> <prefix> [cmake --install options]}
prefix=${2:?usage: $0 <amd64|arm64> <prefix> [cmake --install options]}
shift 2
host=$(dpkg --print-architecture)
case $arch in
    "$host") preset=release deps=--build ;;
    arm64) [[ $host == amd64 ]] || { echo "build-release: no cross build from $host to arm64" >&2; exit 64; }
        preset=release-arm64 deps=--arm64-build ;;
    *) echo "build-release: no build for $arch on $host (amd64, or arm64 from amd64)" >&2; exit 64 ;;
esac
"$root/scripts/install-deps.sh" "$deps"
"$root/scripts/build.sh" "$preset"
cmake --install "$root/build/$preset" --prefix "$prefix" --strip "$@"
