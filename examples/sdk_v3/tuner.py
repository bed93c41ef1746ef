# SPDX-License-Identifier: Apache-2.0
"""SDK v3 HyperparameterTuner over a ModelTrainer: each trial runs the image's
ENTRYPOINT (sm-train), which launches torchrun as distributed.json asks.

Needs what command_mode.py needs, with sm-train as the image's ENTRYPOINT.
Usage: python tuner.py <image-uri> <role-arn>
"""
import sys

from sagemaker.core.parameter import ContinuousParameter
from sagemaker.train import ModelTrainer
from sagemaker.train.configs import Compute, SourceCode
from sagemaker.train.distributed import Torchrun
from sagemaker.train.tuner import HyperparameterTuner

image, role = sys.argv[1], sys.argv[2]
trainer = ModelTrainer(
    training_image=image,
    role=role,
    source_code=SourceCode(source_dir="src", entry_script="train.py", requirements="requirements.txt"),
    distributed=Torchrun(process_count_per_node=2),
    compute=Compute(instance_type="ml.m5.xlarge", instance_count=1),
    hyperparameters={"epochs": 3},
)
tuner = HyperparameterTuner(
    model_trainer=trainer,
    objective_metric_name="loss",
    metric_definitions=[{"Name": "loss", "Regex": "loss=([0-9.]+)"}],
    hyperparameter_ranges={"lr": ContinuousParameter(0.001, 0.1)},
    objective_type="Minimize",
    max_jobs=2,
    max_parallel_jobs=2,
)
tuner.tune()
