// SPDX-License-Identifier: Apache-2.0
#include "launcher/lifecycle/runner.hpp"

#include "launcher/lifecycle/job_phase.hpp"
#include "process/stop.hpp"

namespace smtrain::launcher {

using process::Command;
using runners::RunnerKind;
namespace {

/// The toolkit's ProcessRunner: the program itself, supervised.
class ProcessRunner final : public Runner {
public:
    RunnerKind kind() const override { return RunnerKind::Process; }
    Command command(const RunContext& context) const override { return context.program; }
    RunOutcome run(const RunContext& context) override {
        process::SpawnSpec spec;
        spec.program = context.program.program;
        spec.argv = context.program.argv;
        spec.env = process::to_envp(context.program_env);
        spec.cwd = context.code_dir;
        spec.sh_fallback_on_enoexec = context.program.sh_fallback_on_enoexec;
        RunOutcome outcome;
        outcome.command = context.program.to_string();
        if (context.supervisor.stop) enter(*context.supervisor.stop, JobPhase::Training);
        outcome.result = process::supervise(std::move(spec), context.signals, context.supervisor);
        return outcome;
    }
};

}  // namespace

std::unique_ptr<Runner> make_runner(RunnerKind kind) {
    if (kind == RunnerKind::Process) return std::make_unique<ProcessRunner>();
    return make_distributed_runner(kind);
}

}  // namespace smtrain::launcher
