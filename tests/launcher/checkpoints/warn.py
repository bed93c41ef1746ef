# SPDX-License-Identifier: Apache-2.0
# Waits for the deadline warning (issue 22) and writes, per rank, how late it
# came: the time the handler ran minus SM_DEADLINE - SMTRAIN_DEADLINE_WARNING_S.
# Writes "none" when no warning came by 5 s after the deadline.
import os, signal, time

rank = os.environ.get("RANK") or os.environ.get("OMPI_COMM_WORLD_RANK") or "0"
got = []
signal.signal(signal.SIGUSR1, lambda signo, frame: got.append(time.time()))
expected = int(os.environ["SM_DEADLINE"]) - float(os.environ["SMTRAIN_DEADLINE_WARNING_S"])
while not got and time.time() < int(os.environ["SM_DEADLINE"]) + 5:
    time.sleep(0.01)
with open(os.path.join(os.environ["SM_MODEL_DIR"], "warned-" + rank), "w") as f:
    f.write("%.4f\n" % (got[0] - expected) if got else "none\n")
