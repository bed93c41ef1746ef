// SPDX-License-Identifier: Apache-2.0
#include "runner.hpp"

#include "stop.hpp"

namespace smtrain::launcher {
namespace {

/// The toolkit's ProcessRunner: the program itself, supervised.
class ProcessRunner final : public Runner {
public:
    RunnerKind kind() const override { return RunnerKind::Process; }
    Command command(const RunContext& context) const override { return context.program; }
    RunOutcome run(const RunContext& context) override {
        SpawnSpec spec;
        spec.program = context.program.program;
        spec.argv = context.program.argv;
        spec.env = to_envp(context.program_env);
        spec.cwd = context.code_dir;
        spec.sh_fallback_on_enoexec = context.program.sh_fallback_on_enoexec;
        RunOutcome outcome;
        outcome.command = context.program.to_string();
        if (context.supervisor.stop) context.supervisor.stop->enter(Phase::Supervise);
        outcome.result = supervise(std::move(spec), context.signals, context.supervisor);
        return outcome;
    }
};

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
        case RunnerKind::SMDataParallel:
            return "smddprun";
        case RunnerKind::PyTorchXla:
            return "xla";
        case RunnerKind::TfParameterServer:
            return "tf-ps";
    }
    return "process";
}

RunnerKind choose_runner(const TrainingEnv& env) {
    // Heterogeneous clusters: hosts outside the distribution instance groups
    // run the program on their own, as the toolkit decides.
    if (!env.distribution_enabled()) return RunnerKind::Process;
    // The TensorFlow container's parameter-server branch comes before its MPI check.
    if (enabled(env, "sagemaker_parameter_server_enabled") && env.hosts().size() > 1)
        return RunnerKind::TfParameterServer;
    // The PyTorch container's order (the TensorFlow one checks MPI, then smddp: the same).
    if (enabled(env, "sagemaker_mpi_enabled")) return RunnerKind::Mpi;
    if (enabled(env, "sagemaker_pytorch_ddp_enabled")) return RunnerKind::SMDataParallel;
    if (enabled(env, "sagemaker_torch_distributed_enabled")) return RunnerKind::TorchDistributed;
    if (enabled(env, "sagemaker_distributed_dataparallel_enabled")) return RunnerKind::SMDataParallel;
    if (enabled(env, "sagemaker_pytorch_xla_multi_worker_enabled")) return RunnerKind::PyTorchXla;
    return RunnerKind::Process;
}

std::unique_ptr<Runner> make_runner(RunnerKind kind, const TrainingEnv& env) {
    if (kind == RunnerKind::Process) return std::make_unique<ProcessRunner>();
    return make_distributed_runner(kind, env);
}

std::vector<std::string> to_envp(const Environ& env) {
    std::vector<std::string> envp;
    envp.reserve(env.size());
    for (const auto& [name, value] : env) envp.push_back(name + "=" + value);
    return envp;
}

}  // namespace smtrain::launcher
