#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A module entry point under a real mpirun: host algo-1 (a network namespace,
# netns_hosts.sh, so that mpirun finds the name local), two ranks, the job's
# sagemaker_program `-m pkg.rank`. sm-train must run `mpirun ... python -m
# mpi4py -m pkg.rank --lr 0.5`; each rank (mpi4py's MPI.COMM_WORLD) writes
# what Python made of it, and the checks read those files. Skipped (77)
# without mpirun, mpi4py (Debian: python3-mpi4py) or network namespaces.
#
# usage: mpi_module.sh SM_TRAIN WORK_PARENT
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SM_TRAIN=$(realpath "$1")
WORK=$(realpath "$(mktemp -d "$2/mpi-module.XXXXXX")")
source "$HERE/netns_hosts.sh"
fail() { netns_hosts_fail "$@"; }

command -v mpirun > /dev/null || { echo "SKIP: mpirun is not on PATH (Debian: openmpi-bin)"; exit 77; }
/usr/bin/python3 -c 'import mpi4py' 2> /dev/null ||
    { echo "SKIP: /usr/bin/python3 cannot import mpi4py (Debian: python3-mpi4py)"; exit 77; }
netns_hosts_up || { echo "SKIP: network namespaces are not allowed here"; exit 77; }

netns_make_tree algo-1 '["algo-1"]' eth0 '{"sagemaker_mpi_enabled": "true",
    "sagemaker_mpi_num_of_processes_per_host": "2", "sagemaker_program": "\"-m pkg.rank\"", "lr": "0.5"}'
code=$WORK/algo-1/opt/ml/code
mkdir -p "$code/pkg"
: > "$code/pkg/__init__.py"
cat > "$code/pkg/rank.py" <<'PY'
import json, os, sys
from mpi4py import MPI
world = MPI.COMM_WORLD
out = {"name": __name__, "spec": __spec__.name, "args": sys.argv[1:], "size": world.Get_size(),
       "sum": world.allreduce(world.Get_rank() + 1)}
with open(os.path.join(os.environ["SM_MODEL_DIR"], "rank-%d.json" % world.Get_rank()), "w") as f:
    json.dump(out, f)
PY

# One host: no sshd to start (SMTRAIN_SSHD=/bin/true stands in for it).
netns_host_start algo-1 "$WORK/algo-1.log" -- \
    env SAGEMAKER_BASE_DIR="$WORK/algo-1/opt/ml" SMTRAIN_SSHD=/bin/true SMTRAIN_PYTHON=/usr/bin/python3 \
    timeout 100 "$SM_TRAIN" train
netns_hosts_wait || fail "sm-train did not exit 0"
[ -f "$WORK/algo-1/opt/ml/output/success" ] || fail "no output/success"
grep -qF -- "/usr/bin/python3 -m mpi4py -m pkg.rank --lr 0.5" "$WORK/algo-1.log" ||
    fail "the log does not show the module under mpi4py"
for rank in 0 1; do
    /usr/bin/python3 - "$WORK/algo-1/opt/ml/model/rank-$rank.json" <<'PY' || fail "rank $rank saw other values"
import json, sys
seen = json.load(open(sys.argv[1]))
print("rank:", json.dumps(seen, sort_keys=True))
assert seen == {"name": "__main__", "spec": "pkg.rank", "args": ["--lr", "0.5"], "size": 2, "sum": 3}, seen
PY
done
echo "module entry point under mpirun: OK"
