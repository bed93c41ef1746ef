// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The single place where the way to run the program is chosen.
///
/// Errors: none; a job whose flags name no runner runs a plain process.

#include "runners/plan.hpp"

#include <smtrain/training_env.hpp>

namespace smtrain::runners {

/// The framework containers' choice (the PyTorch and TensorFlow containers'
/// training.py; sagemaker-training alone knows only MPI), from the `sagemaker_*`
/// hyperparameters, made only when distribution is enabled for the current
/// instance group and no framework module (SAGEMAKER_TRAINING_MODULE) runs, first match wins:
/// parameter_server_enabled() (framework_env.hpp) -> TensorFlow parameter server,
/// sagemaker_mpi_enabled -> MPI, sagemaker_pytorch_ddp_enabled -> smddprun,
/// sagemaker_torch_distributed_enabled -> torchrun,
/// sagemaker_distributed_dataparallel_enabled -> smddprun,
/// sagemaker_pytorch_xla_multi_worker_enabled -> XLA, else a plain process.
RunnerKind choose_runner(const TrainingEnv& env);

}  // namespace smtrain::runners
