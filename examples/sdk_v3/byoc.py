# SPDX-License-Identifier: Apache-2.0
"""SDK v3 without source_code: the image's ENTRYPOINT (sm-train) runs the
program the image names (ENV SAGEMAKER_PROGRAM=train.py, code in /opt/ml/code).

Usage: python byoc.py <image-uri> <role-arn> [local]
With `local`, the SDK runs the image with docker compose on this machine
(hosts algo-1 and algo-2, no `train` argument: sm-train takes none as train).
"""
import sys

from sagemaker.train.configs import Compute
from sagemaker.train.model_trainer import Mode, ModelTrainer

image, role = sys.argv[1], sys.argv[2]
local = len(sys.argv) > 3 and sys.argv[3] == "local"
trainer = ModelTrainer(
    training_image=image,
    role=role,
    compute=Compute(instance_type="local_cpu" if local else "ml.m5.xlarge", instance_count=2),
    hyperparameters={"epochs": 3, "lr": 0.01},
    training_mode=Mode.LOCAL_CONTAINER if local else Mode.SAGEMAKER_TRAINING_JOB,
)
trainer.train()
