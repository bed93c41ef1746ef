#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Upload throughput of sm-train's intermediate sync versus `aws s3 cp --recursive`
# of the same files to the same loopback moto server, as a ratio (> 1: the sync
# is faster). Two data sets: many small files, and one big file.
#
#   cmake --build build --target s3_bench
#   bench/s3_bench.sh build/bench/s3_bench [SMALL_FILES] [SMALL_KIB] [BIG_MIB]
#
# Needs python3 with moto (moto_server) and the aws CLI. Only 127.0.0.1 is used.
set -euo pipefail
bench_bin=$(realpath "$1")
small_files=${2:-500}
small_kib=${3:-64}
big_mib=${4:-256}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'python3 "$here/tests/s3/moto_ctl.py" stop "$work/moto.state"; rm -rf "$work"' EXIT

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
python3 "$here/tests/s3/moto_ctl.py" start "$work/moto.state"
endpoint="http://127.0.0.1:$(cut -d' ' -f1 "$work/moto.state")"
aws --endpoint-url "$endpoint" s3 mb s3://bench >/dev/null

make_data() {  # DIR KIND
    mkdir -p "$1"
    if [ "$2" = small ]; then
        for i in $(seq 1 "$small_files"); do head -c $((small_kib * 1024)) /dev/urandom >"$1/f$i.bin"; done
    else
        head -c $((big_mib * 1024 * 1024)) /dev/urandom >"$1/big.bin"
    fi
}

run() {  # KIND
    local kind=$1 t0 t1 aws_s sync_out sync_s bytes
    make_data "$work/$kind-aws" "$kind"
    cp -r "$work/$kind-aws" "$work/$kind-sync"
    t0=$(date +%s.%N)
    aws --endpoint-url "$endpoint" s3 cp --recursive --quiet "$work/$kind-aws" "s3://bench/aws-$kind/"
    t1=$(date +%s.%N)
    aws_s=$(echo "$t1 - $t0" | bc -l)
    sync_out=$("$bench_bin" "$endpoint" bench "$work/$kind-sync" "$work/$kind-run")
    bytes=${sync_out% *}
    sync_s=${sync_out#* }
    printf '%-6s %6d MiB  aws s3 cp %7.2f s (%7.1f MiB/s)  sync %7.2f s (%7.1f MiB/s)  ratio sync/aws %.2f\n' \
        "$kind" $((bytes / 1048576)) "$aws_s" "$(echo "$bytes / 1048576 / $aws_s" | bc -l)" \
        "$sync_s" "$(echo "$bytes / 1048576 / $sync_s" | bc -l)" "$(echo "$aws_s / $sync_s" | bc -l)"
}

echo "moto at $endpoint; $small_files x $small_kib KiB files, then 1 x $big_mib MiB"
run small
run big
