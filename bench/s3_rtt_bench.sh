#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# S3 at a real distance (issue 15): sm-train, `aws s3 cp` and boto3's s3transfer
# with 1 worker (the toolkit's sync) side by side in one run, over a veth pair
# between two network namespaces with 10 ms added per direction (20 ms RTT).
#
#   cmake --build build/dev --target s3_bench s3_code_bench
#   sudo bench/s3_rtt_bench.sh build/dev [RUNS]      # RUNS: default 3, medians
#
# Workloads: the intermediate sync of 500 x 64 KiB and of 1 x 512 MiB, to a fast
# trivial threaded S3 sink (tests/s3/s3_sink.py --discard; moto spends tens of
# ms per PUT and would be everyone's bottleneck), and the code download of a
# 64 MiB sourcedir.tar.gz (sm-train extracts it; the peers only download).
# moto then checks that sm-train's uploads arrive intact through the same link.
#
# The delay: netem when the kernel has sch_netem, else bench/nfq_delay.c on
# each namespace's INPUT chain (NFQUEUE, Debian's libnetfilter-queue-dev).
# Delaying on OUTPUT would hold packets against TCP's small-queue limit on the
# sender and throttle it. Needs root, iproute2, iptables, python3 with boto3
# and moto, the aws CLI. Names carry this script's PID; all is removed at exit.
set -euo pipefail
build=$(realpath "${1:?usage: $0 BUILD_DIR [RUNS]}")
runs=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
id=$$
cns=s3rc$id sns=s3rs$id cif=s3c$id sif=s3s$id
cip=10.203.0.1 sip=10.203.0.2
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    ip netns del "$cns" 2>/dev/null || true
    ip netns del "$sns" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$cns"
ip netns add "$sns"
ip link add "$cif" type veth peer name "$sif"
ip link set "$cif" netns "$cns"
ip link set "$sif" netns "$sns"
ip -n "$cns" addr add $cip/24 dev "$cif"
ip -n "$sns" addr add $sip/24 dev "$sif"
for ns in "$cns" "$sns"; do ip -n "$ns" link set lo up; done
ip -n "$cns" link set "$cif" up
ip -n "$sns" link set "$sif" up

if ip netns exec "$cns" tc qdisc add dev "$cif" root netem delay 10ms 2>/dev/null; then
    ip netns exec "$sns" tc qdisc add dev "$sif" root netem delay 10ms
    echo "delay: netem, 10 ms per direction"
else
    cc -O2 -o "$work/nfq_delay" "$here/nfq_delay.c" -lnetfilter_queue
    for pair in "$cns:$cif" "$sns:$sif"; do
        ns=${pair%%:*} dev=${pair#*:}
        ip netns exec "$ns" iptables -A INPUT -i "$dev" -j NFQUEUE --queue-num 7
        ip netns exec "$ns" "$work/nfq_delay" 7 10 &
        pids+=($!)
    done
    echo "delay: no sch_netem; NFQUEUE on each side's INPUT, 10 ms per direction"
fi

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
start_server() {  # NAME ARGS...: tests/s3/s3_sink.py in the server namespace (not in a subshell:
    local name=$1   # it ends with its parent)
    shift
    ip netns exec "$sns" python3 "$root/tests/s3/s3_sink.py" "$work/$name.port" --host $sip "$@" &
    pids+=($!)
}
start_server sink --discard
start_server code
for _ in $(seq 1 150); do [ -f "$work/sink.port" ] && [ -f "$work/code.port" ] && break; sleep 0.2; done
sink="http://$sip:$(cat "$work/sink.port")"
code="http://$sip:$(cat "$work/code.port")"
mport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("",0)); print(s.getsockname()[1])')
ip netns exec "$sns" python3 -m moto.server -H $sip -p "$mport" >/dev/null 2>&1 &
pids+=($!)
moto="http://$sip:$mport"
for _ in 1 2 3; do
    ip netns exec "$cns" curl -s -o /dev/null -w 'TCP connect (one round trip): %{time_connect} s\n' "$sink/"
done

# A 64 MiB sourcedir.tar.gz (random bytes: gzip cannot shrink it), put once.
python3 - "$work/sourcedir.tar.gz" <<'PY'
import io, os, sys, tarfile
with tarfile.open(sys.argv[1], "w:gz", compresslevel=1) as t:
    for i in range(16):
        data = os.urandom(4 << 20)
        info = tarfile.TarInfo("pkg/shard%02d.bin" % i); info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    src = b"print('hello')\n"
    info = tarfile.TarInfo("train.py"); info.size = len(src); t.addfile(info, io.BytesIO(src))
PY
ip netns exec "$cns" curl -sf -T "$work/sourcedir.tar.gz" "$code/code/sourcedir.tar.gz" >/dev/null
echo "sourcedir.tar.gz: $(stat -c %s "$work/sourcedir.tar.gz") bytes"

ip netns exec "$cns" python3 "$here/s3_rtt_bench.py" "$build" "$sink" "$code" "$work" "$runs"

# Correctness through the same link: sm-train's sync of 200 small files and a 40 MiB file to moto.
for _ in $(seq 1 100); do ip netns exec "$cns" curl -s -o /dev/null "$moto/" && break; sleep 0.3; done
ip netns exec "$cns" aws --endpoint-url "$moto" s3 mb s3://bench >/dev/null
mkdir -p "$work/check"
for i in $(seq 1 200); do head -c 20000 /dev/urandom >"$work/check/s$i"; done
head -c $((40 << 20)) /dev/urandom >"$work/check/big"
cp -r "$work/check" "$work/check-copy"
S3_ENDPOINT_URL=$moto ip netns exec "$cns" "$build/bench/s3_bench" "$moto" bench "$work/check-copy" "$work/wd" >/dev/null
python3 "$root/tests/s3/s3_checksums.py" --local "$work/check" | sort >"$work/local.sum"
ip netns exec "$cns" python3 "$root/tests/s3/s3_checksums.py" "$moto" bench sync/bench/output/intermediate/data/ |
    sort >"$work/remote.sum"
if cmp -s "$work/local.sum" "$work/remote.sum"; then
    echo "moto check: all $(wc -l <"$work/local.sum") files arrived intact"
else
    echo "moto check: FAILED"; diff "$work/local.sum" "$work/remote.sum" | head; exit 1
fi
