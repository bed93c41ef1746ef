// SPDX-License-Identifier: Apache-2.0
// The distributed runners behind the lifecycle's Runner interface, a thin
// adapter: the runners layer plans the job and says what this host launches
// (runners::host_launch); this file shows it and runs it with sm-train's
// supervisor and the job's stop request.
#include "launcher/lifecycle/runner.hpp"

#include "launcher/lifecycle/job_phase.hpp"
#include "process/spawn.hpp"
#include "process/stop.hpp"
#include "process/system.hpp"
#include "runners/distributed.hpp"
#include "runners/host_launch.hpp"

#include <smtrain/error.hpp>

#include <cerrno>
#include <csignal>
#include <mutex>
#include <optional>

namespace smtrain::launcher {

using process::Command;
using runners::RunnerKind;

namespace {

bool is_distributed(RunnerKind kind) { return kind != RunnerKind::Process; }

/// The program the runner's executor supervises now, and the signals the
/// runners send it (runners::ProgramStopper). A signal sent before it has
/// started (a parameter server that died at once) reaches it as it starts.
/// ended() comes after supervise() has reaped it: in between, a signal could
/// only reach a process group that no longer exists.
class ProgramInRun {
public:
    void started(pid_t pid) {
        const std::lock_guard lock(mutex_);
        pid_ = pid;
        if (pending_) deliver(pending_);
    }
    void ended() {
        const std::lock_guard lock(mutex_);
        pid_ = 0;
    }
    void send(int signo) {
        const std::lock_guard lock(mutex_);
        if (pid_ > 0)
            deliver(signo);
        else
            pending_ = signo;
    }

private:
    void deliver(int signo) {
        // Its whole group, as the supervisor's own stop; the program alone if it left it.
        if (kill(-pid_, signo) != 0) kill(pid_, signo);
    }

    std::mutex mutex_;
    pid_t pid_ = 0;
    int pending_ = 0;
};

class DistributedRunner final : public Runner {
public:
    explicit DistributedRunner(RunnerKind kind) : kind_(kind) {}

    RunnerKind kind() const override { return kind_; }

    Command command(const RunContext& context) const override {
        const runners::HostLaunch& host = host_for(context);
        // An MPI worker runs no program of its own (the master's mpirun starts
        // the ranks here): what it shows is its sshd, at the path it is given.
        if (host.launch.argv.empty())
            return Command{host.daemons.front().front(), host.daemons.front(), false};
        return Command{resolve(host.launch.argv.front(), context.program_env), host.launch.argv, false};
    }

    EnvVars extra_env(const RunContext& context) const override {
        EnvVars extra;
        for (const auto& [name, value] : host_for(context).launch.env) extra.emplace_back(name, value);
        return extra;
    }

    RunOutcome run(const RunContext& context) override {
        const runners::Plan& plan = plan_for(context);
        RunOutcome outcome;
        // The MPI and parameter-server waits end when the job's stop is requested.
        const auto system = process::make_posix_system(context.supervisor.stop);
        runners::DistributedContext ours{*system, {}, context.mpi, {}, {}};
        for (const auto& [name, value] : context.program_env)
            ours.program_environment.emplace_back(name, value);
        // The program that runs now, for a daemon's death to end it (end_program).
        ProgramInRun running;
        ours.end_program = [&running](int signo) { running.send(signo); };
        ours.execute = [&](const runners::Launch& launch, const process::LineRewriter& filter) {
            Environ env = context.program_env;
            for (const auto& [name, value] : launch.env) env[name] = value;
            process::SpawnSpec spec;
            spec.program = resolve(launch.argv.front(), env);
            spec.argv = launch.argv;
            spec.env = process::to_envp(env);
            spec.cwd = context.code_dir;
            spec.child_mask = &context.signals.original_mask();
            process::SupervisorOptions supervisor = context.supervisor;
            if (filter) {
                process::LineRewriter relayed = filter;
                // Each rank's own lines, read from the tags as the log shows them.
                if (context.rank_lines) {
                    relayed = [filter, lines = context.rank_lines](std::string_view line) {
                        std::string shown = filter(line);
                        lines->observe(shown);
                        return shown;
                    };
                }
                supervisor.stdout_rewriter = relayed;
                supervisor.stderr_rewriter = relayed;
                outcome.rewriter = filter;
            }
            outcome.command = Command{spec.program, launch.argv, false}.to_string();
            supervisor.on_started = [&running, then = supervisor.on_started](pid_t pid) {
                running.started(pid);
                if (then) then(pid);
            };
            if (supervisor.stop) enter(*supervisor.stop, JobPhase::Training);
            try {
                outcome.result = process::supervise(std::move(spec), context.signals, supervisor);
            } catch (...) {
                running.ended();
                throw;
            }
            running.ended();
            return outcome.result.exit_code;
        };
        const int status = runners::run_distributed(plan, ours);
        if (outcome.command.empty()) outcome.command = command(context).to_string();  // an MPI worker
        outcome.result.exit_code = status;
        return outcome;
    }

private:
    /// The plan of this job, made once: the lifecycle asks for the command
    /// (invocation log, --dry-run), the extra variables and the run, all with
    /// the one RunContext of the job.
    const runners::Plan& plan_for(const RunContext& context) const {
        if (!plan_) plan_ = context.plan ? *context.plan : make_plan(context);
        return *plan_;
    }

    runners::Plan make_plan(const RunContext& context) const {
        runners::Program program;
        program.kind = context.kind;
        program.python = context.python.string();
        program.entry_point = context.entry_point;
        program.args = context.args;
        // The program's environment is the toolkit's os.environ at this point
        // (sm-train's plus the SM_* variables): AWS credentials and
        // SM_HP_MP_PARAMETERS are looked up there.
        return runners::make_plan(context.env, kind_, std::move(program), context.program_env,
                                  runners::find_gethostname_shim());
    }

    /// What this host launches, decided once by the runners for the same plan.
    const runners::HostLaunch& host_for(const RunContext& context) const {
        if (!host_) host_ = runners::host_launch(plan_for(context), context.mpi.sshd);
        return *host_;
    }

    // mpirun, torchrun, ... are looked up on the program's PATH, as the toolkit's shell did.
    static std::filesystem::path resolve(const std::string& name, const Environ& env) {
        const auto path = process::find_in_path(name, env);
        if (path.empty()) throw process::SpawnError(name, "execve", ENOENT);
        return path;
    }

    RunnerKind kind_;
    mutable std::optional<runners::Plan> plan_;
    mutable std::optional<runners::HostLaunch> host_;
};

}  // namespace

std::unique_ptr<Runner> make_distributed_runner(RunnerKind kind) {
    if (!is_distributed(kind)) throw Error("a plain process is not a distributed runner", ExitCode::Internal);
    return std::make_unique<DistributedRunner>(kind);
}

}  // namespace smtrain::launcher
