#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# README's "Compared with the Python toolkit" figures, all in one run: sm-train,
# tini and AWS's Python toolkit side by side on the same fake /opt/ml tree and the
# same no-op program (/bin/true copied into the code dir as `noop`).
#
#   bench/compare_toolkit.sh SM_TRAIN TOOLKIT_SRC [RUNS]
#
# Prints, with the date and the load average before and after:
#  1. the size sm-train adds to an image (a stripped copy of SM_TRAIN: images
#     install it stripped, `cmake --install ... --strip`; that copy is the one
#     timed and measured below, as an image runs it);
#  2. start: hyperfine, RUNS runs each (300 by default), no shell, of the program
#     started directly, under a 10-line static vfork-exec-wait launcher (the least
#     any launcher adds here), under `tini -s --`, under `sm-train train` and under
#     the toolkit's `train`; the median of each, its overhead over the program started
#     directly, sm-train's overhead against tini's (difference and ratio, which load
#     moves less than the milliseconds) and the toolkit's against sm-train's;
#  3. the median peak RSS (GNU time's %M: the largest process of the job, the
#     launcher itself here) of 30 jobs under sm-train and under the toolkit;
#  4. with BENCH_LAUNCHER=build/.../bench_launcher set: stderr throughput through
#     sm-train against the program writing directly (`bench_launcher SM_TRAIN 1 PAIRS`,
#     PAIRS=5 by default; see docs/launcher.md#benchmarks).
# Both launchers run at their default log level (INFO: each logs the training
# environment) and write output/success, which is checked after every run.
#
# TOOLKIT_SRC is a checkout of aws/sagemaker-training-toolkit's `src/` folder
# (the toolkit is run from it, never copied here); the Python that runs it needs
# what it imports: on Debian, `apt-get install python3-boto3 python3-six python3-numpy
# python3-scipy python3-psutil python3-paramiko python3-retrying python3-gevent
# python3-protobuf python3-werkzeug` and PYTHON=/usr/bin/python3. Two modules it
# imports are not packaged by Debian and are only *used* on paths this job does not
# take (its C extension `gethostname`, for MPI; `inotify_simple`, for an s3://
# intermediate output): when missing, import-only stand-ins are put on its path.
# Needs hyperfine and tini (Debian packages of those names).
set -euo pipefail

sm_train=$(realpath "${1:?usage: $0 SM_TRAIN TOOLKIT_SRC [RUNS]}")
toolkit=$(realpath "${2:?usage: $0 SM_TRAIN TOOLKIT_SRC [RUNS]}")
runs=${3:-300}
python=${PYTHON:-python3}
tini=$(command -v tini) || { echo "$0: needs tini (apt-get install tini)" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "$0: needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
base=$work/opt/ml
mkdir -p "$base/input/config" "$base/code" "$base/model" "$base/output"
echo '{"current_host":"algo-1","hosts":["algo-1"]}' >"$base/input/config/resourceconfig.json"
echo '{"train":{}}' >"$base/input/config/inputdataconfig.json"
echo '{"sagemaker_program":"\"noop\"","epochs":"10","lr":"1e-05"}' >"$base/input/config/hyperparameters.json"
cp /bin/true "$base/code/noop"
noop=$base/code/noop

stubs=$work/stubs
mkdir -p "$stubs"
for module in gethostname inotify_simple; do
    "$python" -c "import $module" 2>/dev/null || echo "# import-only stand-in (bench/compare_toolkit.sh)" >"$stubs/$module.py"
done
if ! "$python" -c "import inotify_simple" 2>/dev/null; then
    printf 'class INotify:\n    pass\nclass flags:\n    CLOSE_WRITE = 8\n    CREATE = 256\n    ISDIR = 1073741824\n' \
        >"$stubs/inotify_simple.py"
fi

export SAGEMAKER_BASE_DIR=$base SM_STUDIO_LOCAL_MODE=true AWS_DEFAULT_REGION=us-east-1
toolkit_train=(env PYTHONPATH="$toolkit:$stubs" "$python" -c
    'import sys; from sagemaker_training.cli.train import main; sys.argv = ["train"]; main()')

# What an image runs, the stripped binary, is what is timed and measured.
strip -o "$work/sm-train" "$sm_train"
sm_train=$work/sm-train

# Each launcher once, checked, before anything is timed.
for launcher in "$sm_train train" toolkit; do
    rm -f "$base/output/success" "$base/output/failure"
    if [[ $launcher == toolkit ]]; then "${toolkit_train[@]}" >/dev/null 2>&1 || true; else $launcher >/dev/null 2>&1 || true; fi
    [ -f "$base/output/success" ] || { echo "$0: $launcher: the job did not succeed" >&2; exit 1; }
done

printf 'date %s, load average %s, %s, %d CPUs\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" \
    "$(cut -d' ' -f1-3 /proc/loadavg)" "$(uname -m)" "$(nproc)"

# 1. Size.
printf 'size of sm-train, stripped: %s bytes (%.1f MB)\n' "$(stat -c %s "$sm_train")" \
    "$(echo "$(stat -c %s "$sm_train") / 1000000" | bc -l)"

# The least any launcher adds here: a static program that starts the program
# with vfork (no page tables copied: what posix_spawn and sm-train's spawn do;
# fork() costs about 0.8 ms more here), execs it and waits for it (no signals,
# no files, no log), built now with the machine's C compiler. Its overhead
# bounds every launcher's, and so the ratio any launcher can reach against
# the toolkit on this machine.
floor_launcher=$work/vfork-exec-wait
cc -static -O2 -o "$floor_launcher" "$(dirname "$0")/fresh_pages.c"  # with 0 pages: no memory of its own

# 2. Start, side by side in one hyperfine run. The toolkit's command goes through
# hyperfine's own word splitting (-N: no shell), hence the quoting.
cd "$base/code"
hyperfine -N --warmup 10 --runs "$runs" --style basic --export-json "$work/start.json" \
    -n direct "$noop" \
    -n vfork-exec-wait "$floor_launcher 0 $noop" \
    -n tini "$tini -s -- $noop" \
    -n sm-train "$sm_train train" \
    -n toolkit "env PYTHONPATH=$toolkit:$stubs $python -c 'import sys; from sagemaker_training.cli.train import main; sys.argv = [\"train\"]; main()'" \
    >"$work/hyperfine.log"
cd - >/dev/null
[ -f "$base/output/success" ] || { echo "$0: the last timed job did not succeed" >&2; exit 1; }
"$python" - "$work/start.json" "$runs" <<'EOF'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
ms = {name: results[name]["median"] * 1000 for name in results}
over = {name: ms[name] - ms["direct"] for name in ms}
print(f"start, median of {sys.argv[2]} runs each (hyperfine -N, one run, side by side):")
for name in ("direct", "vfork-exec-wait", "tini", "sm-train", "toolkit"):
    r = results[name]
    line = f"  {name:16} {ms[name]:9.2f} ms (mean {r['mean'] * 1000:.2f} ± {r['stddev'] * 1000:.2f})"
    if name != "direct":
        line += f", overhead {over[name]:8.2f} ms"
    print(line)
print(f"  sm-train's overhead - tini's: {over['sm-train'] - over['tini']:+.2f} ms"
      f" ({over['sm-train'] / over['tini']:.2f}x tini's)")
print(f"  toolkit's overhead / sm-train's: {over['toolkit'] / over['sm-train']:.0f}x"
      f"; whole job: {ms['toolkit'] / ms['sm-train']:.0f}x")
print(f"  the most any launcher can reach here (toolkit's overhead / vfork-exec-wait's):"
      f" {over['toolkit'] / over['vfork-exec-wait']:.0f}x")
EOF

# 3. Peak RSS.
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
peak_rss() {
    local rss=()
    for ((i = 0; i < 30; i++)); do
        rm -f "$base/output/success" "$base/output/failure"
        (cd "$base/code" && /usr/bin/time -f %M -o "$work/rss" "$@" >/dev/null 2>&1)
        [ -f "$base/output/success" ] || { echo "$0: $1: the job did not succeed" >&2; exit 1; }
        rss+=("$(cat "$work/rss")")
    done
    printf '%.1f MiB' "$(echo "$(printf '%s\n' "${rss[@]}" | median) / 1024" | bc -l)"
}
printf 'peak RSS of the launcher, median of 30 jobs: sm-train %s, toolkit %s\n' \
    "$(peak_rss "$sm_train" train)" "$(peak_rss "${toolkit_train[@]}")"

# 4. stderr throughput.
if [[ -n ${BENCH_LAUNCHER:-} ]]; then
    # Its own tree and program: none of this one's variables.
    env -u SAGEMAKER_BASE_DIR -u SM_STUDIO_LOCAL_MODE "$BENCH_LAUNCHER" "$sm_train" 1 "${PAIRS:-5}" | grep -E '^(stderr|  direct|  through sm-train  |  through a splice)'
fi
printf 'load average at the end %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
