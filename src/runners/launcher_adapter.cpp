// SPDX-License-Identifier: Apache-2.0
// The distributed runners behind the launcher's Runner interface: the launcher
// chooses the kind (runner.cpp), this file plans and runs it with the
// launcher's supervisor.
#include "commands.hpp"
#include "distributed.hpp"

#include "runner.hpp"
#include "spawn.hpp"
#include "stop.hpp"

#include <smtrain/error.hpp>

#include <cerrno>

namespace smtrain::launcher {

namespace {

runners::RunnerKind our_kind(RunnerKind kind) {
    switch (kind) {
        case RunnerKind::Mpi:
            return runners::RunnerKind::Mpi;
        case RunnerKind::TorchDistributed:
            return runners::RunnerKind::TorchDistributed;
        case RunnerKind::SMDataParallel:
            return runners::RunnerKind::SmDataParallel;
        case RunnerKind::PyTorchXla:
            return runners::RunnerKind::PyTorchXla;
        case RunnerKind::TfParameterServer:
            return runners::RunnerKind::TfParameterServer;
        case RunnerKind::Process:
            break;
    }
    throw Error("a plain process is not a distributed runner", ExitCode::Internal);
}

runners::EntryKind our_entry_kind(EntryPointKind kind) {
    switch (kind) {
        case EntryPointKind::PythonPackage:
            return runners::EntryKind::PythonPackage;
        case EntryPointKind::PythonProgram:
            return runners::EntryKind::PythonProgram;
        case EntryPointKind::Command:
            return runners::EntryKind::Command;
    }
    return runners::EntryKind::Command;
}

/// The real system, except that the stop signals come from the job's
/// StopRequest: the listener thread takes them while no supervisor runs, so
/// the MPI waits (workers, master, status file) end as soon as a stop arrives.
class StopAwareSystem final : public runners::System {
public:
    StopAwareSystem(runners::System& real, const StopRequest* stop) : real_(real), stop_(stop) {}
    pid_t start_daemon(const std::vector<std::string>& argv) override { return real_.start_daemon(argv); }
    void stop_daemon(pid_t pid) override { real_.stop_daemon(pid); }
    int run_short(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) override {
        return real_.run_short(argv, timeout);
    }
    bool can_connect(const std::string& host, int port, std::chrono::milliseconds timeout) override {
        return real_.can_connect(host, port, timeout);
    }
    std::vector<pid_t> find_processes(const std::vector<std::string>& names) override {
        return real_.find_processes(names);
    }
    bool process_alive(pid_t pid) override { return real_.process_alive(pid); }
    bool file_exists(const std::filesystem::path& path) override { return real_.file_exists(path); }
    void append_file(const std::filesystem::path& path, std::string_view text) override {
        real_.append_file(path, text);
    }
    int take_stop_signal() override {
        if (!stop_) return real_.take_stop_signal();
        return stop_->requested() ? stop_->signal() : 0;
    }
    std::chrono::steady_clock::time_point now() override { return real_.now(); }
    void sleep_for(std::chrono::milliseconds duration) override {
        if (stop_) {
            stop_->sleep_for(duration);
        } else {
            real_.sleep_for(duration);
        }
    }

private:
    runners::System& real_;
    const StopRequest* stop_;
};

class DistributedRunner final : public Runner {
public:
    explicit DistributedRunner(RunnerKind kind) : kind_(kind) {}

    RunnerKind kind() const override { return kind_; }

    Command command(const RunContext& context) const override {
        const runners::Plan plan = make_plan(context);
        if (!is_master(plan) && is_mpi(plan)) {
            // A worker runs no program of its own: the master's mpirun starts the ranks here.
            const auto settings = runners::mpi_cluster_settings(context.program_env);
            return Command{settings.sshd, {settings.sshd, "-D"}, false};
        }
        const runners::Launch launch = this->launch(plan);
        return Command{resolve(launch.argv.front(), context.program_env), launch.argv, false};
    }

    Environ extra_env(const RunContext& context) const override {
        const runners::Plan plan = make_plan(context);
        if (is_mpi(plan)) return {};
        Environ extra;
        for (const auto& [name, value] : launch(plan).env) extra[name] = value;
        return extra;
    }

    RunOutcome run(const RunContext& context) override {
        const runners::Plan plan = make_plan(context);
        RunOutcome outcome;
        StopAwareSystem system(runners::posix_system(), context.supervisor.stop);
        runners::RunContext ours{system, {}, runners::mpi_cluster_settings(context.program_env), {}};
        for (const auto& [name, value] : context.program_env)
            ours.program_environment.emplace_back(name, value);
        ours.execute = [&](const runners::Launch& launch, const runners::LineFilter& filter) {
            Environ env = context.program_env;
            for (const auto& [name, value] : launch.env) env[name] = value;
            SpawnSpec spec;
            spec.program = resolve(launch.argv.front(), env);
            spec.argv = launch.argv;
            spec.env = to_envp(env);
            spec.cwd = context.code_dir;
            spec.child_mask = &context.signals.original_mask();
            SupervisorOptions supervisor = context.supervisor;
            if (filter) {
                supervisor.stdout_rewriter = filter;
                supervisor.stderr_rewriter = filter;
            }
            outcome.command = Command{spec.program, launch.argv, false}.to_string();
            if (supervisor.stop) supervisor.stop->enter(Phase::Supervise);
            outcome.result = supervise(std::move(spec), context.signals, supervisor);
            return outcome.result.exit_code;
        };
        const int status = runners::run_distributed(plan, ours);
        if (outcome.command.empty()) outcome.command = command(context).to_string();  // an MPI worker
        outcome.result.exit_code = status;
        return outcome;
    }

private:
    runners::Plan make_plan(const RunContext& context) const {
        runners::Program program;
        program.kind = our_entry_kind(context.kind);
        program.python = context.python.string();
        program.entry_point = context.entry_point;
        program.args = context.args;
        // The program's environment is the toolkit's os.environ at this point
        // (sm-train's plus the SM_* variables): AWS credentials and
        // SM_HP_MP_PARAMETERS are looked up there.
        return runners::make_plan(context.env, our_kind(kind_), std::move(program), context.program_env,
                                  runners::find_gethostname_shim());
    }

    static bool is_mpi(const runners::Plan& plan) {
        return plan.kind == runners::RunnerKind::Mpi || plan.kind == runners::RunnerKind::SmDataParallel;
    }
    static bool is_master(const runners::Plan& plan) {
        return plan.cluster.current_host == plan.cluster.master;
    }

    runners::Launch launch(const runners::Plan& plan) const {
        switch (plan.kind) {
            case runners::RunnerKind::Mpi:
                return runners::mpi_master_command(plan);
            case runners::RunnerKind::SmDataParallel:
                return runners::smddp_master_command(plan);
            case runners::RunnerKind::TorchDistributed:
                return runners::torchrun_command(plan);
            case runners::RunnerKind::PyTorchXla:
                return runners::xla_command(plan);
            case runners::RunnerKind::TfParameterServer:  // the worker: the program itself
                return runners::Launch{runners::program_argv(plan.program), {}};
            case runners::RunnerKind::Process:
                break;
        }
        throw Error("a plain process is not a distributed runner", ExitCode::Internal);
    }

    // mpirun, torchrun, ... are looked up on the program's PATH, as the toolkit's shell did.
    static std::filesystem::path resolve(const std::string& name, const Environ& env) {
        const auto path = find_in_path(name, lookup(env, "PATH").value_or("/usr/local/bin:/usr/bin:/bin"));
        if (path.empty()) throw SpawnError(name, "execve", ENOENT);
        return path;
    }

    RunnerKind kind_;
};

}  // namespace

std::unique_ptr<Runner> make_distributed_runner(RunnerKind kind, const TrainingEnv&) {
    our_kind(kind);  // refuses Process early
    return std::make_unique<DistributedRunner>(kind);
}

}  // namespace smtrain::launcher
