#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Extraction time and peak memory (max RSS) of sm-train's extract_tarball next to
# Python's tarfile (extractall with the 'data' filter where Python has it), on
# the same tarballs, in one run (issue 11 item 4):
#   deep: DEEP_ENTRIES directory entries in chains DEPTH levels deep (default 10,000 x 400);
#   wide: WIDE_MEMBERS small files (100 bytes) in directories of 1,000 (default 100,000).
#
#   cmake --build build/dev --target extract_bench
#   bench/extract_bench.sh build/dev/bench/extract_bench [DEEP_ENTRIES] [DEPTH] [WIDE_MEMBERS] [RUNS]
#
# Prints one line per tool and tarball: the median wall time of RUNS runs (default 3)
# and the largest max RSS. Goal: sm-train at most as slow as tarfile, and under 64 MiB.
set -euo pipefail
bench_bin=$(realpath "$1")
deep_entries=${2:-10000}
depth=${3:-400}
wide_members=${4:-100000}
runs=${5:-3}
work=$(mktemp -d)
trap 'chmod -R u+rwx "$work" 2>/dev/null; rm -rf "$work"' EXIT

python3 - "$work" "$deep_entries" "$depth" "$wide_members" <<'PY'
import io, sys, tarfile
work, deep_entries, depth, wide = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
with tarfile.open(f"{work}/deep.tar.gz", "w:gz", format=tarfile.PAX_FORMAT) as t:
    for chain in range((deep_entries + depth - 1) // depth):
        path = f"c{chain}"
        for level in range(min(depth, deep_entries - chain * depth)):
            if level:
                path += "/d"
            info = tarfile.TarInfo(path)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 1500000000
            t.addfile(info)
data = b"x" * 100
with tarfile.open(f"{work}/wide.tar.gz", "w:gz", format=tarfile.PAX_FORMAT) as t:
    for i in range(wide):
        info = tarfile.TarInfo(f"pkg{i // 1000}/m{i}.py")
        info.size, info.mode, info.mtime = len(data), 0o644, 1500000000
        t.addfile(info, io.BytesIO(data))
PY

cat >"$work/py_extract.py" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    if hasattr(tarfile, "data_filter"):
        t.extractall(sys.argv[2], filter="data")
    else:
        t.extractall(sys.argv[2])
PY

measure() {  # LABEL TARBALL COMMAND...: prints "<label> <median s> <max MiB>"
    local label=$1 tarball=$2 i secs=() peak=0 out
    shift 2
    for ((i = 0; i < runs; i++)); do
        rm -rf "$work/out"
        /usr/bin/time -f '%e %M' -o "$work/time" "$@" "$tarball" "$work/out"
        read -r s kib <"$work/time"
        secs+=("$s")
        ((kib > peak)) && peak=$kib
    done
    out=$(printf '%s\n' "${secs[@]}" | sort -g | sed -n "$(((runs + 1) / 2))p")
    printf '%-8s %-10s %8.2f s %8.1f MiB\n' "$(basename "$tarball" .tar.gz)" "$label" "$out" "$(echo "$peak / 1024" | bc -l)"
}

printf 'deep: %s directory entries, %s levels (%s bytes); wide: %s members (%s bytes); median of %s\n' \
    "$deep_entries" "$depth" "$(stat -c %s "$work/deep.tar.gz")" "$wide_members" "$(stat -c %s "$work/wide.tar.gz")" "$runs"
for tarball in "$work/deep.tar.gz" "$work/wide.tar.gz"; do
    measure sm-train "$tarball" "$bench_bin"
    measure tarfile "$tarball" python3 "$work/py_extract.py"
done
