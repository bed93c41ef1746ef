# SPDX-License-Identifier: Apache-2.0
"""The seed workflow: a SageMaker script-mode training program.

sm-train runs it as `python train.py --hp1 ... --hp2 ... --hp3 ...`, with the
SM_* variables set, exactly as the SageMaker training toolkit would. The
arguments are the seed's: `--hp1` a string, `--hp2` an integer, `--hp3` a
float, `--dataset` the `dataset` channel (SM_CHANNEL_DATASET must be set: the
job needs that channel).
"""
import argparse
import json
import os


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hp1", type=str, default="test_param")
    parser.add_argument("--hp2", type=int, default=50)
    parser.add_argument("--hp3", type=float, default=0.1)
    parser.add_argument("--dataset", type=str, default=os.environ["SM_CHANNEL_DATASET"])
    parser.add_argument("--model-dir", type=str, default=os.environ.get("SM_MODEL_DIR", "model"))
    args = parser.parse_args()

    print(f"hp1={args.hp1!r} hp2={args.hp2!r} hp3={args.hp3!r}")
    print(f"dataset={args.dataset}")
    files = sorted(os.listdir(args.dataset)) if args.dataset and os.path.isdir(args.dataset) else []
    rows = 0
    for name in files:
        with open(os.path.join(args.dataset, name)) as f:
            rows += sum(1 for line in f if line.strip())
    print(f"files={files} rows={rows}")

    os.makedirs(args.model_dir, exist_ok=True)
    with open(os.path.join(args.model_dir, "model.json"), "w") as f:
        json.dump({"hp1": args.hp1, "hp2": args.hp2, "hp3": args.hp3, "rows": rows}, f)
    print(f"model written to {os.path.join(args.model_dir, 'model.json')}")


if __name__ == "__main__":
    main()
