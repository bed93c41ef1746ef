# SPDX-License-Identifier: Apache-2.0
"""A PyTorch training program that survives spot interruptions and MaxRuntime.

- At start it loads the latest checkpoint from $SM_CHECKPOINT_DIR (SageMaker
  restores that directory from CheckpointConfig.S3Uri when a spot job starts
  again; `sm-train local --interrupt-after` does the same on a laptop).
- It saves a checkpoint every --checkpoint_every steps, and at once on the
  deadline warning (SMTRAIN_DEADLINE_SIGNAL=USR1) and on SIGTERM (the platform's
  stop: SIGKILL follows 120 s later), then exits on SIGTERM.
- Every save is atomic (temp file, fsync, rename, fsync of the directory), so a
  SIGKILL mid-save leaves the previous checkpoint intact.
- Resuming gives exactly the model of an uninterrupted run: the data of step k
  depends only on k, and the optimizer's state is saved with the model.

docs/checkpoints.md explains it; tests/launcher/checkpoints/interrupt_resume.sh runs it.
"""
import argparse
import os
import signal
import sys
import time

import torch


def atomic_save(obj, path):
    directory = os.path.dirname(path)
    tmp = os.path.join(directory, f".{os.path.basename(path)}.tmp-{os.getpid()}")
    with open(tmp, "wb") as f:
        torch.save(obj, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def latest_checkpoint(directory):
    names = sorted(n for n in os.listdir(directory) if n.startswith("step-") and n.endswith(".pt"))
    return os.path.join(directory, names[-1]) if names else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--checkpoint_every", type=int, default=10)
    parser.add_argument("--step_seconds", type=float, default=0.05)
    args = parser.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(1)  # the same sums in the same order, run after run
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    true_weights = torch.arange(8, dtype=torch.float32) / 8

    requests = {"save": False, "stop": False}
    signal.signal(signal.SIGUSR1, lambda *_: requests.update(save=True))           # deadline warning
    signal.signal(signal.SIGTERM, lambda *_: requests.update(save=True, stop=True))  # stop / spot

    checkpoints = os.environ.get("SM_CHECKPOINT_DIR")
    step = 0
    if checkpoints and (path := latest_checkpoint(checkpoints)):
        state = torch.load(path)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        step = state["step"]
        print(f"resuming after step {step} from {path}", flush=True)

    def save():
        if checkpoints:
            atomic_save({"step": step, "model": model.state_dict(), "optimizer": optimizer.state_dict()},
                        os.path.join(checkpoints, f"step-{step:08d}.pt"))
            print(f"checkpoint after step {step}", flush=True)

    while step < args.steps:
        generator = torch.Generator().manual_seed(step)  # step k's data depends on k alone
        x = torch.randn(32, 8, generator=generator)
        y = (x @ true_weights).unsqueeze(1)
        loss = torch.nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        step += 1
        time.sleep(args.step_seconds)
        if step % args.checkpoint_every == 0 or requests["save"]:
            save()
            requests["save"] = False
        if requests["stop"]:
            print(f"SIGTERM: stopped after step {step}, loss {loss.item():.6f}", flush=True)
            sys.exit(0)

    # Text, not torch.save: the bytes then depend on the values alone.
    with open(os.path.join(os.environ.get("SM_MODEL_DIR", "."), "weights.txt"), "w") as f:
        for name, tensor in model.state_dict().items():
            f.write(f"{name} {tensor.flatten().tolist()}\n")
    print(f"done after step {step}, loss {loss.item():.6f}", flush=True)


if __name__ == "__main__":
    main()
