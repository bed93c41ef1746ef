#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs a test binary as PID 1 of a new PID namespace (with its own /proc), the
# way sm-train runs as a container's ENTRYPOINT. Exits 77 (skipped) where
# PID namespaces are not allowed.
#   as_pid1.sh TEST_BINARY [ARGS...]
if ! unshare --pid --fork --mount-proc true 2>/dev/null; then
    echo "as_pid1.sh: no PID namespace here (unshare refused): skipped" >&2
    exit 77
fi
exec unshare --pid --fork --mount-proc "$@"
