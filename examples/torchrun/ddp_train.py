# SPDX-License-Identifier: Apache-2.0
"""A few steps of PyTorch DDP, started by sm-train through torchrun.

Hyperparameters (from hyperparameters.json, as --name value): --steps, --lr.
Run it with `sagemaker_torch_distributed_enabled` set; sm-train then runs
`torchrun --nnodes N --nproc_per_node P ddp_train.py --lr ... --steps ...`.
Rank 0 writes the model and a summary to SM_MODEL_DIR.
"""
import argparse
import json
import os

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--lr", type=float, default=0.1)
    args, _ = parser.parse_known_args()

    use_cuda = torch.cuda.is_available()
    dist.init_process_group("nccl" if use_cuda else "gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device("cuda", local_rank) if use_cuda else torch.device("cpu")
    if use_cuda:
        torch.cuda.set_device(device)

    torch.manual_seed(0)
    # Learn y = 3x + 2 from noisy samples; each rank draws its own batch.
    model = torch.nn.Linear(1, 1).to(device)
    ddp = DistributedDataParallel(model, device_ids=[local_rank] if use_cuda else None)
    optimizer = torch.optim.SGD(ddp.parameters(), lr=args.lr)
    generator = torch.Generator().manual_seed(1000 + rank)
    losses = []
    for step in range(args.steps):
        x = torch.rand(64, 1, generator=generator).to(device)
        y = 3 * x + 2 + 0.01 * torch.randn(64, 1, generator=generator).to(device)
        loss = torch.nn.functional.mse_loss(ddp(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if rank == 0:
            print(f"step {step} loss {loss.item():.5f}", flush=True)

    if rank == 0:
        summary = {
            "world_size": world,
            "device": str(device),
            "gpu_name": torch.cuda.get_device_name(device) if use_cuda else None,
            "sm_num_gpus": os.environ.get("SM_NUM_GPUS"),
            "sm_current_host": os.environ.get("SM_CURRENT_HOST"),
            "nccl_socket_ifname": os.environ.get("NCCL_SOCKET_IFNAME"),
            "first_loss": losses[0],
            "last_loss": losses[-1],
            "weight": model.weight.item(),
            "bias": model.bias.item(),
        }
        model_dir = os.environ.get("SM_MODEL_DIR", ".")
        torch.save(model.state_dict(), os.path.join(model_dir, "model.pt"))
        with open(os.path.join(model_dir, "summary.json"), "w") as f:
            json.dump(summary, f, indent=2)
        print(json.dumps(summary), flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
