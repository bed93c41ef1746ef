# SPDX-License-Identifier: Apache-2.0
"""SDK v3 command mode: ModelTrainer runs src/train.py with torchrun, under sm-train.

Needs: pip install "sagemaker>=3", AWS credentials, an execution role, and an
image in ECR with sm-train on PATH, bash, python3, pip and torch (see
docs/sdk-v3.md, "What the image needs"). Usage:

    python command_mode.py <image-uri> <role-arn>
"""
import sys

from sagemaker.train import ModelTrainer
from sagemaker.train.configs import Compute, SourceCode
from sagemaker.train.distributed import Torchrun

image, role = sys.argv[1], sys.argv[2]
trainer = ModelTrainer(
    training_image=image,
    role=role,
    source_code=SourceCode(
        source_dir="src",
        entry_script="train.py",
        requirements="requirements.txt",
        # exec: sm-train replaces sm_train.sh's bash and is PID 1 (docs/sdk-v3.md).
        command="exec sm-train",
    ),
    distributed=Torchrun(process_count_per_node=2),
    compute=Compute(instance_type="ml.m5.xlarge", instance_count=2),
    hyperparameters={"epochs": 3, "lr": 0.01, "layers": [64, 32]},
)
trainer.train()
