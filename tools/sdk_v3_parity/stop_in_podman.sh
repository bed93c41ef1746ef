#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `podman stop` of an SDK v3 job started exactly as ModelTrainer starts it
# (`--entrypoint /bin/bash` with the SDK's DEFAULT_CONTAINER_ARGUMENTS), twice:
# under the SDK's own sm_train.sh and basic driver, and with
# SourceCode(command="exec sm-train"). The program installs a SIGTERM handler
# that writes model/sigterm; the script says, for each, whether the handler
# ran, how long the stop took, podman's exit status and output/failure.
#
#   sudo tools/sdk_v3_parity/stop_in_podman.sh <sdk checkout> <sm-train>
#
# The container's root is this machine's /usr and /etc, bound read-only (no
# image to build: bash, python3 and pip3 come from the machine); the tree is
# mounted at /opt/ml, sm-train at /opt/smtrain. Everything podman writes stays
# in a temp dir inside a private mount namespace (tests/containers/podman_env.sh).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
sdk=${1:?usage: $0 <sdk checkout> <sm-train>}
sm_train=$(realpath "${2:?usage: $0 <sdk checkout> <sm-train>}")
if [[ ${SMTRAIN_STOP_NS:-} != 1 ]]; then
    SMTRAIN_STOP_NS=1 exec unshare --mount --propagation private "$0" "$@"
fi
source "$here/../../tests/containers/podman_env.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/smtrain-v3-stop.XXXXXX")
root=$work/rootfs
cleanup() {
    podman_env_teardown
    umount "$root/usr" "$root/etc" 2>/dev/null || true
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT
podman_env_setup "$work/podman"
mkdir -p "$root"/{usr,etc,tmp,proc,sys,dev,opt/ml,opt/smtrain,root,run,var}
for l in bin lib lib64 sbin; do ln -s "usr/$l" "$root/$l"; done
mount --bind -o ro /usr "$root/usr"
mount --bind -o ro /etc "$root/etc"

program='import os, signal, sys, time
def on_term(*_):
    open("/opt/ml/model/sigterm", "w").write("the handler ran")
    sys.exit(0)
signal.signal(signal.SIGTERM, on_term)
open("/opt/ml/model/started", "w").write(str(os.getpid()))
while True:
    time.sleep(0.1)
'
for who in sdk sm-train; do
    command=()
    [[ $who == sm-train ]] && command=(--command "exec /opt/smtrain/$(basename "$sm_train")")
    tree=$(python3 "$here/parity_v3.py" --sdk-src "$sdk" --sm-train "$sm_train" --write-tree "$work/$who" \
        --program "$program" "${command[@]}")
    name=smtrain-v3-stop-$who-$$
    podman run -d --name "$name" --network host --rootfs \
        -e TRAINING_JOB_NAME=v3-stop -e PIP_NO_INDEX=1 -e SM_STUDIO_LOCAL_MODE=true \
        -v "$tree/input:/opt/ml/input" -v "$tree/model:/opt/ml/model" -v "$tree/output:/opt/ml/output" \
        -v "$(dirname "$sm_train"):/opt/smtrain:ro" \
        --entrypoint /bin/bash "$root" \
        -c "chmod +x /opt/ml/input/data/sm_drivers/sm_train.sh && /opt/ml/input/data/sm_drivers/sm_train.sh" \
        >/dev/null
    for _ in $(seq 300); do [[ -e $tree/model/started ]] && break; sleep 0.1; done
    [[ -e $tree/model/started ]] || { podman logs "$name" | tail -20; echo "$who: the program never started"; exit 1; }
    pid1=$(podman exec "$name" cat /proc/1/cmdline | tr '\0' ' ')
    start=$(date +%s.%N)
    podman stop -t 10 "$name" >/dev/null
    took=$(echo "$(date +%s.%N) - $start" | bc)
    status=$(podman inspect "$name" --format '{{.State.ExitCode}}')
    handler=no; [[ -e $tree/model/sigterm ]] && handler=yes
    failure=$(cat "$tree/output/failure" 2>/dev/null | head -c 300 | tr '\n' ' ' || true)
    printf '%-8s PID 1: %s\n         SIGTERM handler ran: %s; podman stop took %.1f s; exit status %s\n         output/failure: %s\n' \
        "$who" "$pid1" "$handler" "$took" "$status" "${failure:-<none>}"
    podman rm -f "$name" >/dev/null
done
