# SPDX-License-Identifier: Apache-2.0
# A training program that checkpoints every step and resumes (issue 22), in the
# shape docs/checkpoints.md recommends: read the latest checkpoint from
# SM_CHECKPOINT_DIR at start, write one per step atomically (temp file, fsync,
# rename, fsync of the dir), stop cleanly on SIGTERM.
#   --steps N          steps to train (0.2 s each)
#   --ignore_sigterm 1 ignore SIGTERM: only the SIGKILL at the end of the stop window ends it
#   --no_checkpoints 1 never read or write checkpoints (a program that does not resume)
import argparse, os, signal, sys, time

p = argparse.ArgumentParser()
p.add_argument("--steps", type=int, default=15)
p.add_argument("--ignore_sigterm", type=int, default=0)
p.add_argument("--no_checkpoints", type=int, default=0)
args = p.parse_args()

stopping = False
def on_term(signo, frame):
    global stopping
    stopping = True
signal.signal(signal.SIGTERM, signal.SIG_IGN if args.ignore_sigterm else on_term)

ckpt_dir = None if args.no_checkpoints else os.environ.get("SM_CHECKPOINT_DIR")

def save(step, state):
    path = os.path.join(ckpt_dir, "step-%06d" % step)
    tmp = os.path.join(ckpt_dir, ".tmp-%d" % os.getpid())
    with open(tmp, "w") as f:
        f.write("%d %d\n" % (step, state))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fd = os.open(ckpt_dir, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)

step, state = 0, 7
if ckpt_dir:
    done = sorted(n for n in os.listdir(ckpt_dir) if n.startswith("step-"))
    if done:
        step, state = map(int, open(os.path.join(ckpt_dir, done[-1])).read().split())
        print("resuming after step %d (SM_RESUMING=%s, SM_RUN_ATTEMPT=%s)"
              % (step, os.environ.get("SM_RESUMING"), os.environ.get("SM_RUN_ATTEMPT")), flush=True)
while step < args.steps:
    if stopping:
        print("SIGTERM: stopping after step %d" % step, flush=True)
        sys.exit(0)
    time.sleep(0.2)
    step += 1
    state = (state * 31 + step) % 1000003
    if ckpt_dir:
        save(step, state)
with open(os.path.join(os.environ["SM_MODEL_DIR"], "model.txt"), "w") as f:
    f.write("%d\n" % state)
print("done: state %d" % state, flush=True)
