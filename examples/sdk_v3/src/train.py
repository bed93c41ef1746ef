# SPDX-License-Identifier: Apache-2.0
"""A training script written for the SageMaker Python SDK v3 (ModelTrainer).

It reads what the v3 drivers give a program (`--key value` arguments, SM_HPS,
SM_HOST_COUNT, SM_CURRENT_HOST_RANK, SM_MASTER_ADDR, torchrun's RANK and
WORLD_SIZE), and runs the same under sm-train: in command mode, on the tuner
path, or locally with run_locally.sh. No torch needed to run it; under
torchrun each process reports its rank.
"""
import argparse
import json
import os
import signal
import sys
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--layers", type=json.loads, default=[8])  # a list arrives as JSON: [64, 32]
    parser.add_argument("--sleep", type=float, default=0.0)
    args = parser.parse_args()

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))

    rank = int(os.environ.get("RANK", "0"))
    world = int(os.environ.get("WORLD_SIZE", "1"))
    host_rank = int(os.environ["SM_CURRENT_HOST_RANK"])
    print(f"host {host_rank + 1}/{os.environ['SM_HOST_COUNT']} (master {os.environ['SM_MASTER_ADDR']}), "
          f"process {rank}/{world}: epochs={args.epochs} lr={args.lr} layers={args.layers}")
    print("hyperparameters:", json.loads(os.environ["SM_HPS"]))

    deadline = time.monotonic() + args.sleep
    while time.monotonic() < deadline and not stopping:
        time.sleep(0.1)
    if stopping:
        print("SIGTERM: saving a checkpoint and stopping", flush=True)
        sys.exit(143)
    if args.lr <= 0:
        raise ValueError(f"lr must be positive, got {args.lr}")

    if rank == 0:
        model_dir = os.environ["SM_MODEL_DIR"]
        with open(os.path.join(model_dir, f"model-{os.environ['SM_CURRENT_HOST']}.json"), "w") as f:
            json.dump({"epochs": args.epochs, "lr": args.lr, "layers": args.layers}, f)


if __name__ == "__main__":
    main()
