# SPDX-License-Identifier: Apache-2.0
# Sourced by the real multi-host tests: hosts algo-1 and algo-2 as two network
# namespaces on one machine, joined by a veth pair (192.168.77.0/24, inside the
# namespaces only). Each host runs its command in a mount and UTS namespace of
# its own, where /etc/hosts, /run and /tmp are private and the host name is
# ip-192-168-77-N: like an EC2 host name, and not algo-N, so that a test sees
# whether the gethostname shim is what made a rank say algo-N. Nothing outside
# the namespaces is touched.
#
# The sourcing script sets WORK (its work dir, removed at exit) and then calls
#   netns_hosts_up            1 when namespaces are not allowed here
#   netns_host_start HOST LOG [SRC:DST ...] -- COMMAND...
#                             COMMAND in HOST, its output in LOG, in the background;
#                             each SRC is bind-mounted over DST first; /run is an
#                             empty tmpfs (no /run/sshd), read-only on the hosts
#                             listed in NETNS_READONLY_RUN
#   netns_hosts_wait          waits for every started host; prints each exit code;
#                             1 when one was not 0
#   netns_hosts_fail MESSAGE  prints MESSAGE and the tail of every WORK/*.log, exits 1
#   netns_make_tree HOST HOSTS_JSON INTERFACE HYPERPARAMETERS_JSON
#                             a fake /opt/ml tree for HOST at WORK/HOST/opt/ml

NETNS_ID=$$
declare -A NETNS_OF=([algo-1]=smtrain-a1-$NETNS_ID [algo-2]=smtrain-a2-$NETNS_ID)
NETNS_PIDS=()
NETNS_HOSTS_STARTED=()

netns_hosts_cleanup() {
    for pid in "${NETNS_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for ns in "${NETNS_OF[@]}"; do
        if ip netns list 2>/dev/null | grep -qw "$ns"; then
            # Everything still running in our namespaces was started by this test.
            for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
            ip netns del "$ns" 2>/dev/null
        fi
    done
    rm -rf "$WORK"
}
trap netns_hosts_cleanup EXIT

netns_hosts_fail() {
    echo "FAIL: $*" >&2
    for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -40 "$f"; }; done >&2
    exit 1
}

netns_hosts_up() {
    local ns1=${NETNS_OF[algo-1]} ns2=${NETNS_OF[algo-2]} a=sma$NETNS_ID b=smb$NETNS_ID
    ip netns add "$ns1" 2>/dev/null || return 1
    ip netns add "$ns2" || netns_hosts_fail "ip netns add"
    ip link add "$a" type veth peer name "$b" || netns_hosts_fail "veth"
    ip link set "$a" netns "$ns1" && ip link set "$b" netns "$ns2" || netns_hosts_fail "veth into namespaces"
    ip -n "$ns1" link set "$a" name eth0 && ip -n "$ns2" link set "$b" name eth0 || netns_hosts_fail "rename"
    ip -n "$ns1" addr add 192.168.77.1/24 dev eth0 && ip -n "$ns2" addr add 192.168.77.2/24 dev eth0 ||
        netns_hosts_fail "addr"
    for ns in "$ns1" "$ns2"; do ip -n "$ns" link set lo up; ip -n "$ns" link set eth0 up; done
    printf '127.0.0.1 localhost\n192.168.77.1 algo-1 ip-192-168-77-1\n192.168.77.2 algo-2 ip-192-168-77-2\n' \
        > "$WORK/hosts"
}

netns_host_start() {
    local host=$1 log=$2
    shift 2
    local binds=()
    while (($#)) && [ "$1" != -- ]; do binds+=("$1"); shift; done
    shift  # the --
    ip netns exec "${NETNS_OF[$host]}" unshare --mount --uts --propagation private sh -c '
        set -e
        w=$1; h=$2; ro=$3; nbinds=$4; shift 4
        hostname "ip-192-168-77-${h#algo-}"
        mount --bind "$w/hosts" /etc/hosts
        while [ "$nbinds" -gt 0 ]; do
            mount --bind "${1%%:*}" "${1#*:}"
            shift; nbinds=$((nbinds - 1))
        done
        # Private /run and /tmp. A build tree or work dir under /tmp (a CI clone
        # there, say) would vanish under the new /tmp: keep the old /tmp in
        # reach under the private /run and bind those paths back (the work dir,
        # and the folder of each command argument that is a path under /tmp).
        mount -t tmpfs -o mode=755 tmpfs /run
        mkdir /run/old-tmp
        mount --rbind /tmp /run/old-tmp
        mount -t tmpfs -o mode=1777 tmpfs /tmp
        for keep in "$w" "$@"; do
            case $keep in
                "$w") ;;
                /tmp/*) keep=$(dirname "$keep") ;;
                *) continue ;;
            esac
            case $keep in
                /tmp/*) mkdir -p "$keep"; mount --rbind "/run/old-tmp/${keep#/tmp/}" "$keep" ;;
            esac
        done
        # No /run/sshd: a user'"'"'s machine or image has none, and sm-train
        # creates it as sshd'"'"'s service does. A host named in NETNS_READONLY_RUN
        # gets a read-only /run, where nothing can create it.
        case " $ro " in *" $h "*) mount -o remount,ro /run ;; esac
        exec "$@"' sh "$WORK" "$host" "${NETNS_READONLY_RUN:-}" "${#binds[@]}" "${binds[@]}" "$@" > "$log" 2>&1 &
    NETNS_PIDS+=($!)
    NETNS_HOSTS_STARTED+=("$host")
}

netns_hosts_wait() {
    local status=0 i code
    for i in "${!NETNS_PIDS[@]}"; do
        wait "${NETNS_PIDS[$i]}"
        code=$?
        echo "sm-train on ${NETNS_HOSTS_STARTED[$i]} exited $code"
        [ "$code" = 0 ] || status=1
    done
    NETNS_PIDS=()
    return $status
}

netns_make_tree() {
    local host=$1 hosts_json=$2 interface=$3 base=$WORK/$1/opt/ml
    mkdir -p "$base/input/config" "$base/code" "$base/model" "$base/output"
    cat > "$base/input/config/resourceconfig.json" <<JSON
{"current_host": "$host", "hosts": $hosts_json, "network_interface_name": "$interface",
 "current_instance_type": "ml.c5.xlarge", "current_group_name": "homogeneousCluster",
 "instance_groups": [{"instance_group_name": "homogeneousCluster", "instance_type": "ml.c5.xlarge", "hosts": $hosts_json}]}
JSON
    echo "$4" > "$base/input/config/hyperparameters.json"
    echo '{}' > "$base/input/config/inputdataconfig.json"
}
