#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Issue 21's second run, as a new user would: `sm-train local --hosts 2
# --distribution mpi --processes-per-host 2`, ranks 0-1 on algo-1 and 2-3 on
# algo-2. The hosts of `sm-train local` share the machine's /etc/ssh and root's
# ~/.ssh, as the containers of a job share their image's, so this script runs
# in a private mount namespace where those are temp dirs: host keys made by
# `ssh-keygen -A`, Debian's sshd settings, a key pair for root with
# authorized_keys and `StrictHostKeyChecking no` (as SageMaker's images have),
# and a tmpfs on /run, so that /run/sshd does not exist: sm-train must make it.
# /etc/environment (the MPI worker writes it), PAM's sshd file (no login
# accounting, as the images set it) and /tmp (the master's status file) are
# private too, so WORK_PARENT must not be under /tmp.
#
# CASE is one of
#   ok     every rank prints its line after a barrier; both hosts write output/success.
#          Twice, as a user runs a job again: the hosts share /tmp, where the
#          first job's status file must not end the second's worker at once.
#   raise  rank 3 (algo-2) raises ValueError while the others wait in MPI's
#          barrier (mpi4py; `-m mpi4py` makes it call MPI_Abort): the master's
#          ErrorMessage starts with rank 3 on algo-2 and its error; the worker's
#          output/failure with the same, as the master's root cause.
#   exit3  rank 2 (algo-2) prints its error and exits 3 while the others wait in
#          the barrier and are then killed: the same, with code 3.
#   hang   rank 1 (algo-1) sleeps forever while the others wait in the barrier;
#          the hang watchdog (SMTRAIN_HANG_PROGRESS_S) ends the job within its
#          deadline plus the grace, the stacks of all 4 stuck ranks (algo-2's
#          asked by its sm-train at the master's request) in the log and the
#          reason (`Hang: ...`) in output/failure on both hosts.
#   one_host  `sm-train local --distribution mpi --processes-per-host 2` without
#          --hosts: mpirun starts the host's ranks itself only under this
#          machine's name, so sm-train runs the one host as algo-1 in namespaces
#          of its own (it ended with "ORTE was unable to reliably start", exit
#          255, on a machine of another name); the ok case's program.
#
# usage: mpi_local_two_hosts.sh SM_TRAIN WORK_PARENT CASE
set -uo pipefail
source "$(dirname "$0")/two_hosts.sh"

if [ "${1:-}" != --inside ]; then
    CASE=$3
    [ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network and mount namespaces)"; exit 77; }
    for tool in mpirun ssh ssh-keygen ip unshare; do
        command -v "$tool" > /dev/null || { echo "SKIP: $tool is not on PATH"; exit 77; }
    done
    [ -x /usr/sbin/sshd ] || { echo "SKIP: no /usr/sbin/sshd (Debian: openssh-server)"; exit 77; }
    /usr/bin/python3 -c 'import mpi4py' 2> /dev/null ||
        { echo "SKIP: /usr/bin/python3 has no mpi4py (Debian: python3-mpi4py)"; exit 77; }
    unshare -m --propagation private true 2> /dev/null ||
        { echo "SKIP: mount namespaces are not allowed here"; exit 77; }
    two_hosts_setup "$1" "$2" mpi-local-two-hosts
    case $WORK in /tmp/*) echo "WORK_PARENT must not be under /tmp (the test's /tmp is private)"; exit 2 ;; esac
    unshare -m --propagation private "$0" --inside "$SM_TRAIN" "$WORK" "$CASE"
    exit $?
fi

SM_TRAIN=$2
WORK=$3
CASE=$4

# The image: /etc/ssh, root's home, /etc/environment, PAM's sshd file, an empty /run.
mkdir -p "$WORK/etc-ssh" "$WORK/root/.ssh" "$WORK/src" "$WORK/tmp"
chmod 1777 "$WORK/tmp"
chmod 700 "$WORK/root" "$WORK/root/.ssh"
: > "$WORK/environment"
printf 'auth required pam_permit.so\naccount required pam_permit.so\nsession required pam_env.so readenv=1 envfile=/etc/environment\n' \
    > "$WORK/pam_sshd"
cp /etc/ssh/sshd_config "$WORK/etc-ssh/sshd_config"
mount --bind "$WORK/etc-ssh" /etc/ssh || { echo "SKIP: cannot bind-mount over /etc/ssh"; exit 77; }
mount --bind "$WORK/root" /root || { echo "SKIP: cannot bind-mount over /root"; exit 77; }
mount --bind "$WORK/environment" /etc/environment || { echo "SKIP: cannot bind-mount over /etc/environment"; exit 77; }
mount --bind "$WORK/pam_sshd" /etc/pam.d/sshd || { echo "SKIP: cannot bind-mount over /etc/pam.d/sshd"; exit 77; }
mount -t tmpfs -o mode=755 tmpfs /run || { echo "SKIP: cannot mount a tmpfs on /run"; exit 77; }
mount --bind "$WORK/tmp" /tmp || { echo "SKIP: cannot bind-mount over /tmp"; exit 77; }
ssh-keygen -A > /dev/null || fail "ssh-keygen -A"
ssh-keygen -q -t rsa -N '' -f /root/.ssh/id_rsa || fail "ssh-keygen"
cp /root/.ssh/id_rsa.pub /root/.ssh/authorized_keys
printf 'Host *\n  StrictHostKeyChecking no\n' > /root/.ssh/config
[ ! -e /run/sshd ] || fail "/run/sshd exists before the job"

cat > "$WORK/src/train.py" <<'PY'
import os, socket, sys, time
from mpi4py import MPI

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
case = os.environ["MPI_CASE"]
print(f"rank {rank} of {comm.Get_size()} on {socket.gethostname()}: started", flush=True)
if case == "raise" and rank == 3:
    time.sleep(1)
    raise ValueError("rank three broke: bad shard 17")
if case == "exit3" and rank == 2:
    time.sleep(1)
    print("OSError: [Errno 5] Input/output error: '/opt/ml/input/data/train/part-17'", file=sys.stderr, flush=True)
    os._exit(3)


def load_shard_17():
    print("rank 1: loading shard 17", flush=True)
    time.sleep(100000)


def wait_in_barrier():
    comm.Barrier()


if case == "hang" and rank == 1:
    load_shard_17()
wait_in_barrier()
print(f"rank {rank}: passed the barrier", flush=True)
PY

hang_settings=()
[ "$CASE" = hang ] && hang_settings=(SMTRAIN_HANG_START_S=120 SMTRAIN_HANG_PROGRESS_S=15 SMTRAIN_GRACE_PERIOD_S=5)
hosts_flag=(--hosts 2)
program_case=$CASE
if [ "$CASE" = one_host ]; then
    hosts_flag=()
    program_case=ok
    # What the test is about: this machine is not algo-1.
    [ "$(hostname)" != algo-1 ] || fail "this machine is named algo-1: the case would test nothing"
fi
# run_job OUTPUT LOG: the user's command; sets status and elapsed.
run_job() {
    local started
    started=$(date +%s.%N)
    status=0
    env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TMPDIR="$WORK" \
        MPI_CASE="$program_case" "${hang_settings[@]}" timeout 150 \
        "$SM_TRAIN" local "${hosts_flag[@]}" --distribution mpi --processes-per-host 2 \
        --entry-point train.py --source-dir "$WORK/src" --output "$1" > "$2" 2>&1 || status=$?
    elapsed=$(echo "$(date +%s.%N) - $started" | bc)
    echo "=== sm-train local: exit $status after ${elapsed} s"
}

if [ "$CASE" = ok ]; then
    run_job "$WORK/first" "$WORK/first.log"
    [ "$status" = 0 ] || { fail "the first job exited $status"; tail -40 "$WORK/first.log"; }
fi
run_job "$WORK/out" "$WORK/local.log"
[ -d /run/sshd ] || fail "sm-train did not make /run/sshd"

for host in algo-1 algo-2; do
    for file in success failure; do
        [ -f "$WORK/out/$host/output/$file" ] || continue
        echo "=== $host output/$file:"
        cat "$WORK/out/$host/output/$file"
        echo
    done
done

# expect_first LINE: line 3 of the master's output/failure (the ErrorMessage's
# first), and the first line of the worker's, which reports the master's root cause.
expect_first() {
    local line
    line=$(sed -n 3p "$WORK/out/algo-1/output/failure" 2> /dev/null)
    [ "$line" = "ErrorMessage \"$1" ] || fail "algo-1: <$line>, expected <ErrorMessage \"$1>"
    line=$(head -1 "$WORK/out/algo-2/output/failure" 2> /dev/null)
    [ "$line" = "sm-train: algo-1 ended its job: $1" ] ||
        fail "algo-2: <$line>, expected <sm-train: algo-1 ended its job: $1>"
    [ -f "$WORK/out/algo-2/output/success" ] && fail "algo-2: output/success"
}

case $CASE in
one_host)
    [ "$status" = 0 ] || { fail "sm-train local exited $status"; grep -v '^SM_' "$WORK/local.log" | tail -30; }
    [ -f "$WORK/out/output/success" ] || fail "no output/success"
    [ -f "$WORK/out/output/failure" ] && fail "output/failure"
    for rank in 0 1; do
        grep -q "rank $rank of 2 on algo-1: started" "$WORK/local.log" || fail "rank $rank did not start on algo-1"
        grep -q "rank $rank: passed the barrier" "$WORK/local.log" || fail "rank $rank did not print"
    done
    ;;
ok)
    [ "$status" = 0 ] || fail "sm-train local exited $status"
    for host in algo-1 algo-2; do
        [ -f "$WORK/out/$host/output/success" ] || fail "$host: no output/success"
        [ -f "$WORK/out/$host/output/failure" ] && fail "$host: output/failure"
    done
    for rank in 0 1 2 3; do
        grep -q "rank $rank: passed the barrier" "$WORK/local.log" || fail "rank $rank did not print"
    done
    grep -q 'rank 2 of 4 on algo-2: started' "$WORK/local.log" || fail "rank 2 did not run on algo-2"
    ;;
raise)
    [ "$status" = 1 ] || fail "sm-train local exited $status, expected 1"
    expect_first "rank 3 on algo-2 exited with code 1: ValueError: rank three broke: bad shard 17"
    # From mpirun's end to the master's: the worker reads the master's root
    # cause within its second of polling, and the master ends once it has (it
    # waited the exchange's 10 s window for an answer no MPI worker sends).
    mpirun_end=$(grep -m1 'Begin writing status file from leader node' "$WORK/local.log" | cut -c1-23 | tr , .)
    master_end=$(grep -m1 'INFO     Where the time went' "$WORK/local.log" | cut -c1-23 | tr , .)
    if [ -n "$mpirun_end" ] && [ -n "$master_end" ]; then
        lag=$(echo "$(date -d "$master_end" +%s.%N) - $(date -d "$mpirun_end" +%s.%N)" | bc)
        echo "the master ended $lag s after mpirun"
        [ "$(echo "$lag < 5" | bc)" = 1 ] || fail "the master ended $lag s after mpirun (its workers send no cause)"
    else
        fail "no mpirun end or master end in the log"
    fi
    ;;
exit3)
    [ "$status" = 3 ] || fail "sm-train local exited $status, expected 3"
    expect_first "rank 2 on algo-2 exited with code 3: OSError: [Errno 5] Input/output error: '/opt/ml/input/data/train/part-17'"
    ;;
hang)
    [ "$status" = 124 ] || fail "sm-train local exited $status, expected 124"
    # 15 s of silence after rank 0's first line, the evidence (at most 5 s),
    # the grace (5 s), and the start of two hosts.
    [ "$(echo "$elapsed < 60" | bc)" = 1 ] || fail "the job took $elapsed s"
    head -1 "$WORK/out/algo-1/output/failure" 2> /dev/null |
        grep -q '^Hang: no progress for 15 s (SMTRAIN_HANG_PROGRESS_S) on algo-1; ' || fail "algo-1: the reason is not the hang"
    head -1 "$WORK/out/algo-2/output/failure" 2> /dev/null |
        grep -q '^sm-train: algo-1 ended its job: Hang: no progress for 15 s (SMTRAIN_HANG_PROGRESS_S) on algo-1; ' ||
        fail "algo-2: the reason is not algo-1's hang"
    grep -q '"rank 1: loading shard 17"' "$WORK/out/algo-1/output/failure" || fail "the stuck rank's last line is not named"
    # The job's last line as the log shows it: mpirun's tag rewritten, no raw
    # fragment tag (`started[1,2]<stdout>:`) left at its end.
    grep -Eq '; last line [0-9.]+ s before: "\[1,mpirank:[0-9]+,algo-[12]\]<std(out|err)>:[^"[]*"' \
        "$WORK/out/algo-1/output/failure" || fail "the reason's last line is not shown as the log shows it"
    # faulthandler's dumps (SIGABRT from the watchdog) of every stuck rank, each
    # in the function it hangs in: rank 1 in its sleep, the others in MPI's
    # barrier. Ranks 2 and 3 are orted's children on algo-2, which the master
    # asks for them (docs/reliability.md, "Hang watchdog").
    for stuck in "0 algo-1 wait_in_barrier" "1 algo-1 load_shard_17" "2 algo-2 wait_in_barrier" \
        "3 algo-2 wait_in_barrier"; do
        read -r rank host function <<< "$stuck"
        grep -Eq "^\[1,mpirank:$rank,$host\]<stderr>:  File \"train.py\", line [0-9]+ in $function\$" "$WORK/local.log" ||
            fail "no stack of rank $rank on $host (in $function) in the log"
    done
    grep -c '<stderr>:  File "train.py", line [0-9]* in \(wait_in_barrier\|load_shard_17\)$' "$WORK/local.log" |
        sed 's/^/stacks of stuck ranks in the log: /'
    grep -q '; the Python stacks of 2 process(es) here and of 2 on 1 other host(s) are in the log' \
        "$WORK/out/algo-1/output/failure" || fail "algo-1: the reason does not count algo-2's stacks"
    # The diagnostics file counts the same stacks as the reason: 2 here, 2 on algo-2.
    python3 - "$WORK/out/algo-1/output/data/sm-train-diagnostics.json" <<'PY' ||
import json, sys
hang = json.load(open(sys.argv[1]))["hang"]
print("algo-1's diagnostics: hang", {k: v for k, v in hang.items() if k != "reason"})
assert (hang["stacks_requested"], hang["stacks_requested_here"], hang["stacks_requested_elsewhere"],
        hang["hosts_elsewhere"]) == (4, 2, 2, 1), hang
PY
        fail "algo-1: the diagnostics file does not count the stacks as the reason does"
    ;;
*)
    echo "unknown CASE $CASE"
    exit 2
    ;;
esac

two_hosts_finish "sm-train local --hosts 2 --distribution mpi, case $CASE: OK" "$WORK/local.log" "$WORK"/*/algo-2.log
