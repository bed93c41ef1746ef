#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A real two-host MPI job on one machine: hosts algo-1 and algo-2 are two
# network namespaces (netns_hosts.sh), where /etc/environment, the ssh/sshd
# configs and PAM's sshd file are private too. Each host runs sm-train with
# its own fake /opt/ml tree and `sagemaker_mpi_enabled`; the program is
# examples/mpi (allreduce). Checks the allreduce result, the host
# names the ranks saw through libsmtrain-gethostname.so, and that both
# sm-train processes exit 0. Nothing outside the namespaces is touched.
#
# With MODE sshd-dies-on-master, algo-1's /run is read-only, so that its
# (real) sshd dies at start for want of /run/sshd: both hosts must end within
# seconds, algo-1 with sshd's own words, algo-2 with a reason naming algo-1's sshd.
#
# With MODE sshd-dies-on-HOST-while-running (HOST algo-1 or algo-2), the job's
# rank on HOST, once mpirun has started it, breaks HOST's (real) sshd: it adds
# an unknown option to that host's sshd_config and sends sshd SIGHUP, so that
# sshd re-executes itself and exits 255 with its configuration error on stderr.
# The ranks would then sleep 5 minutes: both hosts must end within seconds,
# HOST with sshd's own words, the other with a reason naming HOST's sshd.
#
# usage: mpi_two_hosts.sh SM_TRAIN ALLREDUCE_PROGRAM WORK_PARENT [MODE]
set -uo pipefail
MODE=${4:-run}

SM_TRAIN=$(realpath "$1")
PROGRAM=$(realpath "$2")
WORK=$(realpath "$(mktemp -d "$3/mpi-two-hosts.XXXXXX")")
source "$(dirname "$0")/netns_hosts.sh"
fail() { netns_hosts_fail "$@"; }

# Every rank first imports sm_code_probe from outside the code dir (so only
# PYTHONPATH can find it), then runs the allreduce. The module is only in
# algo-1's code dir: algo-2's /etc/environment names algo-2's code dir, so a
# rank on algo-2 finds the module only through mpirun's `-x PYTHONPATH`.
make_tree() {
    netns_make_tree "$1" "$2" eth0 \
        '{"sagemaker_mpi_enabled": "true", "sagemaker_program": "\"rank.sh\"", "note": "\"a b\""}'
    cp "$PROGRAM" "$WORK/$1/opt/ml/code/allreduce"
    cat > "$WORK/$1/opt/ml/code/rank.sh" <<'SCRIPT'
#!/bin/sh
(cd / && python3 -c 'import sm_code_probe') || exit 1
exec ./allreduce "$@"
SCRIPT
    if [ "$1" = algo-1 ]; then
        cat > "$WORK/$1/opt/ml/code/sm_code_probe.py" <<'PY'
import os, socket
with open(os.path.join(os.environ["SM_MODEL_DIR"], "imported-" + socket.gethostname()), "w") as f:
    f.write(os.environ.get("PYTHONPATH", "") + "\n")
PY
    fi
}

check_result() {
    local expected=$1 model=$WORK/algo-1/opt/ml/model/allreduce.txt
    [ -f "$model" ] || fail "no $model"
    local got
    got=$(cat "$model")
    [ "$got" = "$expected" ] || fail "allreduce.txt is <$got>, expected <$expected>"
    echo "allreduce.txt: $(tr '\n' ' ' < "$model")"
}

one_host() {
    echo "SKIP-NOTE: network namespaces are not allowed here; running the 1-host real case instead"
    make_tree algo-1 '["algo-1"]'
    # One host: mpirun starts the rank itself; the real sshd is not needed, so a
    # harmless stand-in keeps the machine's own sshd configuration out of it.
    SAGEMAKER_BASE_DIR=$WORK/algo-1/opt/ml SMTRAIN_SSHD=/bin/true SM_STUDIO_LOCAL_MODE=true \
        timeout 100 "$SM_TRAIN" train > "$WORK/algo-1.log" 2>&1 || fail "sm-train exited $?"
    check_result $'sum=1\nsize=1\nhosts=algo-1'
    exit 0
}

if ! netns_hosts_up; then
    [ "$MODE" = run ] || { echo "SKIP: network namespaces are not allowed here"; exit 77; }
    one_host
fi

# Keys and configs, all in the work dir.
source "$(dirname "${BASH_SOURCE[0]}")/ssh_fixture.sh"
write_ssh_fixture "$WORK"

# The rank of sshd-dies-on-HOST-while-running: on HOST, it finds the sshd that
# HOST's sm-train started (a child of its nearest sm-train ancestor: sm-train
# runs mpirun on the master and sshd runs the MPI daemon on a worker) and breaks it.
make_sshd_breaking_tree() {
    netns_make_tree "$1" '["algo-1", "algo-2"]' eth0 \
        "{\"sagemaker_mpi_enabled\": \"true\", \"sagemaker_program\": \"\\\"rank.sh\\\"\", \"break_sshd_on\": \"\\\"$2\\\"\"}"
    printf '#!/bin/sh\nexec python3 "$(dirname "$0")/break_sshd.py"\n' > "$WORK/$1/opt/ml/code/rank.sh"
    chmod +x "$WORK/$1/opt/ml/code/rank.sh"
    cat > "$WORK/$1/opt/ml/code/break_sshd.py" <<'PY'
import os, signal, socket, sys, time

def field(pid, name):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(name + ":"):
                    return line.split()[1]
    except OSError:  # gone meanwhile
        return None

if socket.gethostname() == os.environ["SM_HP_BREAK_SSHD_ON"]:
    pid = os.getpid()
    while pid > 1 and field(pid, "Name") != "sm-train":
        pid = int(field(pid, "PPid"))
    sshd = [int(p) for p in os.listdir("/proc") if p.isdigit() and field(int(p), "PPid") == str(pid)
            and field(int(p), "Name") == "sshd"]
    with open("/etc/ssh/sshd_config", "a") as f:
        f.write("NoSuchOption yes\n")
    # One write: mpirun tags each write of a rank's stdout on its own.
    sys.stdout.write("rank on %s breaks sshd %s of sm-train %d\n" % (socket.gethostname(), sshd, pid))
    sys.stdout.flush()
    for p in sshd:
        os.kill(p, signal.SIGHUP)
time.sleep(300)
PY
}

start_host() {
    local host=$1
    [ -d "$WORK/$host" ] || make_tree "$host" '["algo-1", "algo-2"]'
    : > "$WORK/$host/environment"
    # Each host's own sshd_config: a test breaks one.
    cp "$WORK/sshd_config" "$WORK/$host/sshd_config"
    netns_host_start "$host" "$WORK/$host.log" \
        "$WORK/$host/environment:/etc/environment" "$WORK/$host/sshd_config:/etc/ssh/sshd_config" \
        "$WORK/ssh_config:/etc/ssh/ssh_config" "$WORK/pam_sshd:/etc/pam.d/sshd" -- \
        env SAGEMAKER_BASE_DIR="$WORK/$host/opt/ml" timeout 100 "$SM_TRAIN" train
}

if [ "$MODE" = sshd-dies-on-master ]; then
    export NETNS_READONLY_RUN=algo-1
    started=$(date +%s)
    start_host algo-2
    start_host algo-1
    netns_hosts_wait && fail "both sm-train exited 0 without a master sshd"
    took=$(($(date +%s) - started))
    echo "both hosts ended after $took s"
    [ "$took" -lt 60 ] || fail "the hosts took $took s to end"
    sshd_words="sshd on algo-1 exited with code 255 during the job's start: Missing privilege separation directory: /run/sshd"
    for host in algo-1 algo-2; do
        echo "$host output/failure: $(cat "$WORK/$host/opt/ml/output/failure")"
    done
    [ "$(cat "$WORK/algo-1/opt/ml/output/failure")" = "sm-train: $sshd_words" ] ||
        fail "algo-1's failure does not give sshd's words"
    [ "$(cat "$WORK/algo-2/opt/ml/output/failure")" = "sm-train: algo-1 ended its job at the start: $sshd_words" ] ||
        fail "algo-2's failure does not name algo-1's sshd"
    echo "two-host MPI run, master sshd dies at start: OK"
    exit 0
fi

case $MODE in sshd-dies-on-algo-[12]-while-running)
    broken=${MODE#sshd-dies-on-}
    broken=${broken%-while-running}
    other=algo-$((3 - ${broken#algo-}))
    for host in algo-1 algo-2; do make_sshd_breaking_tree "$host" "$broken"; done
    started=$(date +%s)
    start_host algo-2
    start_host algo-1
    netns_hosts_wait && fail "both sm-train exited 0 with a dead sshd"
    took=$(($(date +%s) - started))
    echo "both hosts ended after $took s"
    grep -q "rank on $broken breaks sshd \[[0-9]" "$WORK/$broken.log" "$WORK/algo-1.log" ||
        fail "the rank on $broken found no sshd to break"
    # The ranks sleep 5 minutes (sm-train itself is stopped after 100 s).
    [ "$took" -lt 80 ] || fail "the hosts took $took s to end"
    for host in algo-1 algo-2; do
        echo "$host output/failure: $(cat "$WORK/$host/opt/ml/output/failure")"
    done
    sshd_words="sshd on $broken exited with code 255 while the MPI job ran: /etc/ssh/sshd_config: line 12: Bad configuration option: NoSuchOption | /etc/ssh/sshd_config: terminating, 1 bad configuration options"
    [ "$(cat "$WORK/$broken/opt/ml/output/failure")" = "sm-train: $sshd_words" ] ||
        fail "$broken's failure does not give sshd's words"
    [ "$(cat "$WORK/$other/opt/ml/output/failure")" = "sm-train: $broken ended its job: $sshd_words" ] ||
        fail "$other's failure does not name $broken's sshd"
    echo "two-host MPI run, the sshd of $broken dies while the job runs: OK"
    exit 0
esac

start_host algo-2
start_host algo-1
netns_hosts_wait || fail "an sm-train did not exit 0"
[ -f "$WORK/algo-1/opt/ml/output/success" ] || fail "no success file on algo-1"
[ -f "$WORK/algo-2/opt/ml/output/success" ] || fail "no success file on algo-2"
grep -qxF 'SM_HPS="{"note":"a b"}"' "$WORK/algo-2/environment" ||
    fail "algo-2's /etc/environment lacks a quoted SM_HPS"
grep -q 'mpirank:1,algo-2\]<stdout>' "$WORK/algo-1.log" || fail "no rewritten MPI tag in the master's output"
check_result $'sum=3\nsize=2\nhosts=algo-1,algo-2'
[ -f "$WORK/algo-1/opt/ml/model/imported-algo-2" ] ||
    fail "the rank on algo-2 could not import sm_code_probe from the code dir (no -x PYTHONPATH?)"
echo "rank on algo-2 imported sm_code_probe with PYTHONPATH=$(cat "$WORK/algo-1/opt/ml/model/imported-algo-2")"
echo "two-host MPI run: OK"
