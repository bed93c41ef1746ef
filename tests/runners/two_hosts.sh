# SPDX-License-Identifier: Apache-2.0
# Sourced by the tests that run `sm-train local --hosts 2` (each host in its own
# network, mount and UTS namespace): their common set-up and end.
#
# two_hosts_setup SM_TRAIN WORK_PARENT NAME: sets SM_TRAIN (absolute) and WORK
# (a new dir NAME.XXXXXX in WORK_PARENT, removed at exit unless KEEP is set);
# skips (exit 77) without root or network namespaces.
# fail MESSAGE...: records a failure (the test goes on; two_hosts_finish counts them).
# two_hosts_show_failures OUT: prints each host's OUT/HOST/output/failure; a
# missing one is a failure.
# two_hosts_finish OK_LINE LOG...: with failures, the tail of each LOG that
# exists, the count and exit 1; else OK_LINE.
failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

two_hosts_setup() {
    SM_TRAIN=$(realpath "$1")
    WORK=$(realpath "$(mktemp -d "$2/$3.XXXXXX")")
    trap '[ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
    [ "$(id -u)" = 0 ] || { echo "SKIP: sm-train local --hosts 2 needs root (network namespaces)"; exit 77; }
    local probe=smth-probe-$$
    ip netns add "$probe" 2> /dev/null || { echo "SKIP: network namespaces are not allowed here"; exit 77; }
    ip netns del "$probe"
}

two_hosts_show_failures() {
    local host
    for host in algo-1 algo-2; do
        echo "=== $host output/failure:"
        cat "$1/$host/output/failure" 2> /dev/null || fail "$host: no output/failure"
        echo
    done
}

two_hosts_finish() {
    local ok=$1 log
    shift
    if [ "$failures" != 0 ]; then
        for log in "$@"; do [ -f "$log" ] && { echo "--- $log"; tail -60 "$log"; }; done
        echo "$failures failure(s)"
        exit 1
    fi
    echo "$ok"
}
