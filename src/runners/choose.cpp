// SPDX-License-Identifier: Apache-2.0
#include "runners/choose.hpp"

#include "runners/framework_env.hpp"

#include <smtrain/value.hpp>

namespace smtrain::runners {
namespace {

bool enabled(const TrainingEnv& env, std::string_view key) {
    const Value* v = env.additional_framework_parameters().find(key);
    return v && v->truthy();
}

}  // namespace

std::string_view to_string(RunnerKind kind) {
    switch (kind) {
        case RunnerKind::Process:
            return "process";
        case RunnerKind::Mpi:
            return "mpi";
        case RunnerKind::TorchDistributed:
            return "torchrun";
        case RunnerKind::SmDataParallel:
            return "smddprun";
        case RunnerKind::PyTorchXla:
            return "xla";
        case RunnerKind::TfParameterServer:
            return "tf-ps";
    }
    return "process";
}

std::string_view to_string(EntryKind kind) {
    switch (kind) {
        case EntryKind::PythonPackage:
            return "python package";
        case EntryKind::PythonProgram:
            return "python program";
        case EntryKind::Command:
            return "command";
        case EntryKind::PythonModule:
            return "python module";
    }
    return "command";
}

RunnerKind choose_runner(const TrainingEnv& env) {
    // Heterogeneous clusters: hosts outside the distribution instance groups
    // run the program on their own, as the toolkit decides.
    if (!env.distribution_enabled()) return RunnerKind::Process;
    // A framework image's own function (SAGEMAKER_TRAINING_MODULE) runs as one
    // process: it chooses its runner itself, as the container's training.py does.
    if (env.framework_module()) return RunnerKind::Process;
    // The TensorFlow container's parameter-server branch comes before its MPI check.
    if (parameter_server_enabled(env)) return RunnerKind::TfParameterServer;
    // The PyTorch container's order (the TensorFlow one checks MPI, then smddp: the same).
    if (enabled(env, "sagemaker_mpi_enabled")) return RunnerKind::Mpi;
    if (enabled(env, "sagemaker_pytorch_ddp_enabled")) return RunnerKind::SmDataParallel;
    if (enabled(env, "sagemaker_torch_distributed_enabled")) return RunnerKind::TorchDistributed;
    if (enabled(env, "sagemaker_distributed_dataparallel_enabled")) return RunnerKind::SmDataParallel;
    if (enabled(env, "sagemaker_pytorch_xla_multi_worker_enabled")) return RunnerKind::PyTorchXla;
    return RunnerKind::Process;
}

}  // namespace smtrain::runners
