// SPDX-License-Identifier: Apache-2.0
#include "launcher/lifecycle/train.hpp"

#include "launcher/lifecycle/code_dir.hpp"
#include "launcher/lifecycle/console.hpp"
#include "launcher/lifecycle/deadline_warning.hpp"
#include "launcher/lifecycle/diagnostics.hpp"
#include "launcher/lifecycle/dns_wait.hpp"
#include "launcher/lifecycle/entry_point.hpp"
#include "launcher/lifecycle/env_limits.hpp"
#include "launcher/lifecycle/failure_exchange.hpp"
#include "launcher/lifecycle/framework_module.hpp"
#include "launcher/lifecycle/hang_evidence.hpp"
#include "launcher/lifecycle/intermediate_output.hpp"
#include "launcher/lifecycle/invocation_log.hpp"
#include "launcher/lifecycle/job_phase.hpp"
#include "launcher/lifecycle/logging.hpp"
#include "launcher/lifecycle/own_failure.hpp"
#include "launcher/lifecycle/program_env.hpp"
#include "launcher/lifecycle/rank_evidence.hpp"
#include "launcher/lifecycle/report.hpp"
#include "launcher/lifecycle/root_cause.hpp"
#include "launcher/lifecycle/runner.hpp"
#include "launcher/lifecycle/sdk_v3_job.hpp"
#include "launcher/lifecycle/settings.hpp"
#include "launcher/lifecycle/stderr_capture.hpp"
#include "launcher/lifecycle/timeline.hpp"
#include "process/output_sink.hpp"
#include "runners/commands.hpp"
#include "runners/distributed.hpp"
#include "runners/host_ports.hpp"
#include "s3/codeartifact.hpp"
#include "s3/progress.hpp"

#include <smtrain/error.hpp>
#include <smtrain/training_env.hpp>

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <set>

namespace smtrain::launcher {

using process::Command;
using runners::choose_runner;
using runners::EntryKind;
using runners::RunnerKind;
namespace fs = std::filesystem;

namespace {

std::string env_value(const Environ& env, std::string_view name) {
    auto it = env.find(name);
    return it == env.end() ? std::string() : it->second;
}

/// Where output/failure goes when the TrainingEnv could not even be loaded.
std::optional<fs::path> output_dir_without_env(const Environ& env) {
    std::string base = env_value(env, "SAGEMAKER_BASE_DIR");
    if (!base.empty()) return fs::path(base) / "output";
    std::error_code ec;
    if (fs::is_directory("/opt/ml", ec)) return fs::path("/opt/ml/output");
    return std::nullopt;
}

/// The user program: where it is, what kind, how it is started.
struct JobProgram {
    std::string entry_point;  ///< the module's name for a PythonModule
    std::vector<std::string> args;
    EntryKind kind = EntryKind::Command;
    fs::path python;
    Command command;
    std::optional<InstallStep> install;
};

/// Where the program's code is when the job is planned.
enum class CodeState {
    InPlace,     ///< fetched: the code dir holds it (a job, after its code step)
    NotFetched,  ///< --dry-run fetches nothing: an empty code dir is read as the submit dir that would fill
                 ///< it
};

/// The directory whose contents decide the entry point's kind: the code dir,
/// or, before the code is fetched, the submit dir it would be filled from.
fs::path inspected_dir(const TrainingEnv& env, CodeState code_state) {
    const fs::path& code = env.paths().code;
    if (code_state == CodeState::NotFetched && is_empty_dir(code)) {
        std::error_code ec;
        if (fs::is_directory(env.module_dir(), ec)) return env.module_dir();
    }
    return code;
}

/// `forced_python` is Settings::python (SMTRAIN_PYTHON), empty for a search of
/// PATH; `style` is Settings::arguments (SMTRAIN_ARGS).
JobProgram resolve_program(const TrainingEnv& env, const Environ& environ, const std::string& forced_python,
                           const ArgumentStyle& style, CodeState code_state) {
    ProgramWords words = program_words(env, style);
    if (!words.entry_point || words.entry_point->empty()) {
        throw Error("no program to run: set SAGEMAKER_PROGRAM or the sagemaker_program hyperparameter",
                    ExitCode::NoProgram);
    }
    JobProgram program;
    program.entry_point = *words.entry_point;
    program.args = std::move(words.args);
    const fs::path& code = env.paths().code;
    fs::path dir = inspected_dir(env, code_state);
    if (auto module = runners::module_entry(program.entry_point)) {
        program.kind = EntryKind::PythonModule;
        program.entry_point = *module;
    } else {
        program.kind = entry_point_kind(dir, program.entry_point);
    }
    if (program.kind != EntryKind::PythonPackage && program.kind != EntryKind::PythonModule) {
        // A package may be a module or a directory; anything else must be a file here.
        fs::path file = dir / program.entry_point;
        std::error_code ec;
        auto status = fs::status(file, ec);
        // Code not fetched yet and nowhere to read it from: the plan shows the
        // command without checking the file.
        if (code_state == CodeState::InPlace || !is_empty_dir(dir)) {
            // EACCES on the code dir is not "not found": say what is wrong.
            if (ec && ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory) {
                throw Error("cannot access program " + program.entry_point + " in " + dir.string() + ": " +
                                ec.message(),
                            ExitCode::NoProgram);
            }
            if (!fs::exists(status)) {
                throw Error("program " + program.entry_point + " not found in " + dir.string(),
                            ExitCode::NoProgram);
            }
            if (fs::is_directory(status)) {
                throw Error("program " + program.entry_point + " in " + dir.string() + " is a directory",
                            ExitCode::NoProgram);
            }
        }
    }
    if (program.kind != EntryKind::Command) program.python = find_python(forced_python, environ);
    program.command = program_command(program.kind, code, program.entry_point, program.args, program.python);
    program.install = install_step(program.kind, dir, program.python);
    return program;
}

/// The toolkit chmods a command entry point to 0777; adding the execute bits
/// is enough and does not make the code world-writable.
void make_executable(const fs::path& file) {
    struct stat st {};
    if (stat(file.c_str(), &st) == 0 && (st.st_mode & 0111) != 0111) chmod(file.c_str(), st.st_mode | 0111);
}

/// With CA_REPOSITORY_ARN set, pip reads requirements.txt from that CodeArtifact
/// repository, as the toolkit's `-i <index>`. Throws smtrain::Error.
void use_codeartifact_index(InstallStep& step, const Settings& settings, const Environ& environ) {
    const std::string& arn = settings.codeartifact_repository_arn;
    if (arn.empty() || !step.reads_requirements) return;
    if (const auto repo = s3::CodeArtifactRepository::parse(arn)) {
        spdlog::info(
            "configuring pip to use codeartifact (domain: {}, domain owner: {}, repository: {}, region: {})",
            repo->domain, repo->account, repo->repository, repo->region);
    }
    const s3::PipIndex index = s3::codeartifact_pip_index(arn, environ);
    step.command.argv.insert(step.command.argv.end(), {"-i", index.url});
    step.secret = index.token;
}

/// Linux refuses one environment string over 128 KiB and argv + envp over ARG_MAX;
/// a large cluster or hyperparameter set gets there. Values sm-train exported go to
/// files instead (see env_limits.hpp); an argv that cannot fit throws here, before
/// anything runs.
void move_oversized_variables_to_files(const Command& command, const EnvVars& exported, Environ& program_env,
                                       const Settings& settings) {
    const ExecLimits limits = ExecLimits::of_this_process();
    // Almost every job: nothing to move, and no set of the exported names to build.
    if (fits_exec_limits(command.program, command.argv, program_env, limits)) return;
    std::set<std::string, std::less<>> movable;
    for (const auto& [name, value] : exported) {
        if (name != "PYTHONPATH") movable.insert(name);
    }
    for (const auto& moved :
         fit_exec_limits(command.program, command.argv, program_env, movable, settings.temp_dir, limits)) {
        spdlog::warn(
            "{} is {} bytes, over Linux's limit for {}: the program gets {}{}={} instead, a file holding "
            "the value",
            moved.name, moved.bytes,
            moved.over_string_limit ? "one environment string (MAX_ARG_STRLEN, 128 KiB)"
                                    : "the whole environment (ARG_MAX)",
            moved.name, kFileSuffix, moved.file.string());
    }
}

/// The outcome of a supervised process (the program, or an install step):
/// success, or the toolkit's report with what the capture kept.
Outcome process_outcome(const process::RunResult& result, const StderrCapture& capture,
                        const std::string& command, const std::string& error_class,
                        std::chrono::milliseconds grace_period) {
    if (result.exit_code == 0) return Outcome::succeeded();
    ProcessFailure failure;
    failure.error_class = error_class;
    failure.exit_code = result.exit_code;
    failure.error_message = capture.error_message();
    if (result.killed_after_grace) {
        failure.extra_info = fmt::format(
            "Stopped: the program was still running {:g} s after {}; sm-train killed its process group with "
            "SIGKILL",
            static_cast<double>(grace_period.count()) / 1000.0,
            process::signal_name(result.forwarded_stop_signal ? result.forwarded_stop_signal : SIGTERM));
    } else if (result.exit_code == 137) {
        failure.extra_info = std::string(kSigkillExtraInfo);
    }
    failure.command = command;
    return Outcome::process(std::move(failure));
}

/// Whether the memory cgroup's OOM-kill count rose since `before` (false when
/// that is unknown: then the count now is not read).
bool oom_kill_rose(const std::optional<std::uint64_t>& before) {
    if (!before) return false;
    const auto after = oom_kill_count();
    return after && *after > *before;
}

/// The failing process's root cause, with its class, in front of the toolkit's
/// message (issue 21): the first 1024 characters are all SageMaker shows. A
/// launcher's (torchrun, mpirun) merged output gets the rank that failed first
/// and its own error line; a plain program's message is already its own, so it
/// only gets its class, when known (an unknown one keeps the toolkit's text).
/// A plain program of a job of several hosts gets its root cause too: the line
/// that names its host, which every host's report then starts with.
/// A job that was stopped keeps the toolkit's message: nothing of its own failed.
/// `oom_kills_before`: the cgroup's OOM-kill count before the process started
/// (nullopt: not asked); the count after is read only for a failure.
/// `local_workers`: torchrun's workers on this host (0: unknown).
std::optional<RootCause> put_root_cause_first(Outcome& outcome, const process::RunResult& result,
                                              const StderrCapture& capture, RunnerKind kind,
                                              const std::string& host,
                                              const std::optional<std::uint64_t>& oom_kills_before,
                                              const process::LineRewriter& rewriter = {},
                                              bool several_hosts = false, int local_workers = 0) {
    if (!outcome.process_failure || result.forwarded_stop_signal != 0 || result.killed_after_grace)
        return std::nullopt;
    ProcessFailure& failure = *outcome.process_failure;
    // The capture holds the lines as the launcher wrote them; the log shows them
    // rewritten (MPI's `[1,3]` tags name their host): read them as the log does.
    std::string tail = capture.tail();
    if (rewriter) {
        std::string rewritten;
        std::size_t start = 0;
        while (start < tail.size()) {
            std::size_t end = tail.find('\n', start);
            if (end == std::string::npos) end = tail.size();
            rewritten += rewriter(std::string_view(tail).substr(start, end - start)) + "\n";
            start = end + 1;
        }
        tail = std::move(rewritten);
    }
    auto then_toolkit = [&](std::string first) {
        return failure.error_message.empty() ? first : first + "\n" + failure.error_message;
    };
    if (failure.error_class != "ExecuteUserScriptError") {
        // pip (InstallRequirementsError, InstallModuleError): its last error line says which package.
        const std::string line = decisive_line(tail);
        failure.error_message = then_toolkit(std::string(class_name(FailureClass::PipInstall)) +
                                             (line.empty() ? "" : ": ") + line);
        return std::nullopt;
    }
    auto cause = find_root_cause(kind, tail, host, result.exit_code, result.term_signal, local_workers);
    if (!cause) return std::nullopt;
    cause->failure_class =
        classify(cause->error, cause->exit_code, cause->signal, oom_kill_rose(oom_kills_before));
    spdlog::error("Root cause: {}", cause->to_string());
    if (kind != RunnerKind::Process || several_hosts) {
        failure.error_message = then_toolkit(cause->to_string());
    } else if (cause->failure_class != FailureClass::Unknown) {
        failure.error_message =
            failure.error_message.empty()
                ? cause->to_string()
                : std::string(class_name(cause->failure_class)) + ": " + failure.error_message;
    }
    return cause;
}

std::vector<std::string> other_hosts(const TrainingEnv& env) {
    std::vector<std::string> peers;
    for (const auto& h : env.hosts()) {
        if (h != env.current_host()) peers.push_back(h);
    }
    return peers;
}

/// torchrun or the plain process runner on several hosts: each failed host's
/// own first failure may be the consequence of another host's (a barrier whose
/// peer died, or whose peer's hung ranks the watchdog stopped). The hosts tell
/// each other theirs, bounded in time (docs/reliability.md). Returns another
/// host's first failure when it is the job's, to be put before this host's own
/// line `own`. `ended_at_ms` (the plain process runner's: when its program
/// ended) lets an earlier failure elsewhere go before this host's own.
/// An MPI or smddprun master (`runner`) only announces its own, until every
/// worker has read it: its mpirun saw every rank.
std::string first_failure_of_the_job(runners::CauseKind kind, const std::string& own, const TrainingEnv& env,
                                     const process::StopRequest& stop, std::vector<HeardCause> notices,
                                     std::optional<std::int64_t> ended_at_ms, RunnerKind runner) {
    constexpr std::chrono::seconds kExchangeWindow{10};
    const std::vector<std::string> peers = other_hosts(env);
    if (peers.empty() || stop.requested()) return {};
    const auto system = process::make_posix_system(&stop);
    if (kind == runners::CauseKind::Hang) {
        spdlog::info("Telling {} other host(s) of the hang", peers.size());
        tell_of_hang(*system, peers, runners::kHangNoticePort, env.current_host(), own);
    }
    if (runner == RunnerKind::Mpi || runner == RunnerKind::SmDataParallel) {
        // mpirun saw every rank: its root cause is the job's. The workers,
        // told by the status file that mpirun failed, only read it (each once)
        // and have none of their own to answer with.
        spdlog::info("Telling {} MPI worker(s) the root cause (until each has read it, at most {} s)",
                     peers.size(), kExchangeWindow.count());
        system->announce_to_readers(runners::kFailureExchangePort, runners::announcement(kind, own),
                                    kExchangeWindow, peers.size());
        return {};
    }
    spdlog::info("Exchanging the root cause with {} other host(s) (at most {} s)", peers.size(),
                 kExchangeWindow.count());
    auto heard = exchange_causes(*system, runners::announcement(kind, own, ended_at_ms), peers,
                                 runners::kFailureExchangePort, kExchangeWindow);
    for (auto& notice : notices) heard.push_back(std::move(notice));
    for (const auto& h : heard) spdlog::info("{} reports: {}", h.host, h.cause);
    std::string first = first_failure_elsewhere(kind, heard, ended_at_ms);
    if (!first.empty()) spdlog::error("First failure of the job: {}", first);
    return first;
}

/// `first` (another host's), then "on <host>: " and this host's own message.
std::string after_first_failure(const std::string& first, const std::string& host, const std::string& own) {
    return first + "\non " + host + ": " + own;
}

/// The hang reason of a job of several hosts names the host where it was seen,
/// after the setting that fired: `Hang: no progress for 900 s
/// (SMTRAIN_HANG_PROGRESS_S) on algo-2; ...`, so that every host's report can
/// carry it as it is.
void name_the_host(process::Hang& hang, const TrainingEnv& env) {
    if (env.hosts().size() < 2) return;
    const std::size_t at = std::min(hang.reason.find("; "), hang.reason.size());
    hang.reason.insert(at, " on " + env.current_host());
}

/// What every step shares: the job's signals, stop request, settings and tree.
struct Job {
    const Lifecycle& lifecycle;
    const Environ& environ;  ///< sm-train's environment (base dir made absolute)
    Settings settings;
    std::optional<fs::path> output_dir;  ///< known before the TrainingEnv is: for errors while loading
    std::optional<TrainingEnv> env;
    std::optional<IntermediateOutput> intermediate;
    std::optional<TimelineFormat> timeline;  ///< Settings::timeline, once the Settings are read

    process::StopRequest& stop() const { return lifecycle.stop; }

    /// Supervisor options for a process of the job: its grace period, its
    /// stderr into `capture` (kept alive by the caller while it runs), and the
    /// failure report written before the SIGKILL when that runs out.
    process::SupervisorOptions supervisor_options(const std::string& command, const std::string& error_class,
                                                  StderrCapture& capture) const {
        process::SupervisorOptions supervisor;
        supervisor.grace_period = settings.grace_period;
        supervisor.stop = &lifecycle.stop;
        supervisor.listener = lifecycle.listener;
        const fs::path out = env->paths().output;
        const auto grace = settings.grace_period;
        supervisor.stderr_observer = &capture;
        supervisor.on_hang_stop = [&capture](process::Hang& hang) { hang.stderr_at_stop = capture.tail(); };
        supervisor.on_grace_expired = [out, command, error_class, grace, &capture] {
            process::RunResult so_far;
            so_far.exit_code = 137;
            so_far.killed_after_grace = true;
            report_early(process_outcome(so_far, capture, command, error_class, grace), out);
            spdlog::error("Grace period over: killing the program's process group");
        };
        return supervisor;
    }
};

// ---- the steps of the job, in order ------------------------------------------------------

/// Load: the TrainingEnv from the /opt/ml tree and the environment.
void load(Job& job) {
    LoadOptions options;
    options.environ = job.environ;
    options.max_runtime = job.settings.max_runtime;
    job.env.emplace(TrainingEnv::load(options));
    configure_logging(job.env->log_level());
    job.output_dir = job.env->paths().output;
}

/// Fetch code: the output and model dirs made, the code dir filled from
/// sagemaker_submit_directory (an SDK v3 job's on its tuner path), and a v3
/// job's entry script found there. A framework image's module brings its own.
void fetch_code(Job& job, const SdkV3Job* v3) {
    const TrainingEnv& env = *job.env;
    if (v3 == nullptr && env.framework_module()) return;
    // SageMaker creates these; a local tree may not have them, and a
    // program writing its own output/failure must find the directory.
    for (const fs::path& dir : {env.paths().output, env.paths().model}) {
        std::error_code ec;
        fs::create_directories(dir, ec);
    }
    if (v3 == nullptr || v3->from_submit_directory) {
        prepare_code_dir(env.module_dir(), env.paths().code, job.environ, job.settings.s3_max_concurrency,
                         job.stop());
    }
    std::error_code ec;
    if (v3 != nullptr && !fs::is_regular_file(v3->code_dir / v3->entry_script, ec)) {
        throw Error("program " + v3->entry_script + " not found in " + v3->code_dir.string(),
                    ExitCode::NoProgram);
    }
}

/// The program in the code (`code_state`: fetched, or read where it would come from).
JobProgram plan_program(const Job& job, CodeState code_state) {
    const TrainingEnv& env = *job.env;
    if (env.framework_module()) {
        // Framework images: the framework's own entry function runs the job.
        JobProgram program;
        program.entry_point = *env.framework_module();
        program.kind = EntryKind::PythonProgram;
        program.python = find_python(job.settings.python, job.environ);
        program.args = env.to_cmd_args();
        program.command =
            framework_command(*env.framework_module(), program.python, env.paths().output / "failure");
        return program;
    }
    return resolve_program(env, job.environ, job.settings.python, job.settings.arguments, code_state);
}

/// The program of a job of the SageMaker SDK v3 (sdk_v3_job.hpp), as the SDK's
/// driver starts it; the driver's own variables go to `driver_env`.
JobProgram plan_v3_program(const Job& job, const SdkV3Job& v3, const Environ& program_env,
                           EnvVars& driver_env) {
    JobProgram program;
    program.entry_point = v3.entry_script;
    program.args = v3.args;
    const bool python = v3.entry_script.ends_with(".py");
    program.kind = python ? EntryKind::PythonProgram : EntryKind::Command;
    program.python = find_python(job.settings.python, job.environ);
    if (v3.job.driver != runners::v3::Driver::Mpi) {
        program.command = sdk_v3_command(v3, *job.env, program_env, program.python, driver_env);
    }
    program.install = sdk_v3_install(v3, program.python);
    return program;
}

/// A step's process (pip, the program, mpirun) exists but cannot be started:
/// that step's failure, in the toolkit's format, with the exit code a shell
/// would give (127 not found, 126 not executable). Never sm-train's own.
Outcome cannot_start(const process::SpawnError& e, const std::string& error_class, const std::string& shown) {
    say("sm-train: " + std::string(e.what()));
    ProcessFailure failure;
    failure.error_class = error_class;
    failure.exit_code = static_cast<int>(e.exit_code());
    failure.error_message = e.what();
    failure.command = shown;
    return Outcome::process(std::move(failure));
}

/// Install: pip, supervised as the program is (signals forwarded, grace period).
Outcome install(Job& job, const JobProgram& program, const Environ& program_env) {
    enter(job.stop(), JobPhase::Install);
    if (!program.install) return Outcome::succeeded();
    InstallStep step = *program.install;
    use_codeartifact_index(step, job.settings, job.environ);
    use_warm_pool_pip_cache(step, job.environ);
    std::string shown = step.command.to_string();
    mask_all(shown, step.secret);
    spdlog::info("Installing with: {}", shown);
    process::SpawnSpec spec;
    spec.program = step.command.program;
    spec.argv = step.command.argv;
    Environ env = program_env;
    for (const auto& [name, value] : step.env) env.insert_or_assign(name, value);
    spec.env = process::to_envp(env);
    spec.cwd = job.env->paths().code;
    try {
        StderrCapture capture;
        const process::RunResult result = [&] {
            // A line every 10 s (progress.hpp).
            const s3::ProgressTicker progress(std::string(name_of(JobPhase::Install)));
            auto phase = Timeline::job().phase(JobPhase::Install);
            return process::supervise(std::move(spec), job.lifecycle.signals,
                                      job.supervisor_options(shown, step.error_class, capture));
        }();
        Timeline::job().process_ended(result.term_signal, result.forwarded_stop_signal,
                                      result.killed_after_grace);
        Outcome outcome =
            process_outcome(result, capture, shown, step.error_class, job.settings.grace_period);
        put_root_cause_first(outcome, result, capture, RunnerKind::Process, job.env->current_host(),
                             std::nullopt);
        return outcome;
    } catch (const process::SpawnError& e) {
        return cannot_start(e, step.error_class, shown);
    }
}

/// Wait for hosts: every host of the cluster resolves (SageMaker's DNS entries come late).
void wait_for_hosts(Job& job) {
    enter(job.stop(), JobPhase::HostWait);
    if (job.settings.studio_local_mode) {
        spdlog::info("SM_STUDIO_LOCAL_MODE is true: not waiting for host names to resolve");
        return;
    }
    wait_for_hosts(job.env->hosts(), job.settings.dns_wait, job.stop());
}

/// What launch() prepared and supervise() runs.
struct JobLaunch {
    RunnerKind runner_kind = RunnerKind::Process;
    std::unique_ptr<Runner> runner;
    EnvVars vars;         ///< what sm-train exports, the driver's included (the invocation log's)
    EnvVars runner_vars;  ///< what the runner sets for the program besides (Runner::extra_env)
    Command command;

    /// Every variable the program gets on top of sm-train's own environment:
    /// `vars`, then the runner's, which take a name's place as they do in the
    /// program's environment. What --dry-run shows.
    EnvVars program_variables() const {
        EnvVars all = vars;
        merge_variables(all, runner_vars);
        return all;
    }
};

/// The runner chosen and the command and environment of this host made: before
/// the install step, which runs in that environment, and --dry-run, which prints it.
JobLaunch plan_launch(const Job& job, RunContext& context, const SdkV3Job* v3) {
    JobLaunch launch;
    if (v3 != nullptr) {
        const bool mpi = v3->job.driver == runners::v3::Driver::Mpi;
        launch.runner_kind = mpi ? RunnerKind::Mpi : RunnerKind::Process;
        if (mpi) {
            context.plan =
                runners::v3::mpi_plan(v3->job, *job.env, context.program_env, context.python.string(),
                                      v3->args, v3->variables, runners::find_gethostname_shim());
        }
    } else {
        launch.runner_kind = choose_runner(*job.env);
    }
    launch.runner = make_runner(launch.runner_kind);
    launch.runner_vars = launch.runner->extra_env(context);
    for (const auto& [name, value] : launch.runner_vars) context.program_env[name] = value;
    launch.command = launch.runner->command(context);
    return launch;
}

/// Each rank's own evidence gathered while the program runs (rank_evidence.hpp):
/// MPI's tagged lines, and the processes the watchdog asked for their stacks.
struct RunEvidence {
    RankLines lines;
    std::vector<AskedRank> asked;
    /// The other hosts asked for their ranks' stacks (an MPI master's workers) that took the request.
    std::vector<std::string> stacks_asked_of;
};

/// What is known of each rank after the run: MPI's tagged lines, the exit and
/// error of the rank a launcher named (the root cause) or of every worker
/// torchrun's summary lists (with its own last lines where torchrun's stderr
/// tells them apart), and the stacks of torchrun's ranks told apart by
/// the order they were asked in. Empty for a plain program.
std::vector<RankReport> rank_reports(RunnerKind kind, const RunEvidence& evidence,
                                     const StderrCapture& capture, const std::optional<RootCause>& cause,
                                     const std::optional<process::Hang>& hang, const std::string& host,
                                     int local_workers = 0) {
    std::vector<RankReport> ranks = evidence.lines.reports();
    auto exit_of = [](const RootCause& c, std::string source) {
        RankReport r;
        r.rank = *c.rank;
        r.local_rank = c.local_rank;
        r.host = c.host;
        r.exit_code = c.exit_code;
        r.signal = c.signal;
        r.error = c.error;
        r.source = std::move(source);
        return r;
    };
    std::vector<RankReport> more;
    if (kind == RunnerKind::TorchDistributed) {
        for (const TorchrunFailure& f : torchrun_failures(capture.tail(), host, local_workers)) {
            RankReport r = exit_of(f, "torchrun's summary");
            r.last_lines = f.last_lines;
            if (!f.lines_from.empty()) r.source += "; " + f.lines_from;
            more.push_back(std::move(r));
        }
    } else if (cause && cause->rank && cause->candidates.empty()) {
        more.push_back(exit_of(*cause, "mpirun's report"));
    }
    merge_reports(ranks, more);
    if (hang && !evidence.asked.empty()) {
        const std::string text = hang->stderr_at_stop.empty() ? capture.tail() : hang->stderr_at_stop;
        const std::vector<std::string> dumps = stacks_in_order(text, evidence.asked.size());
        std::vector<RankReport> stacks;
        for (std::size_t i = 0; i < dumps.size(); ++i) {
            const AskedRank& asked = evidence.asked[i];
            if (!asked.rank) continue;
            RankReport r;
            r.rank = *asked.rank;
            r.local_rank = asked.local_rank;
            r.host = host;
            r.stacks = dumps[i];
            r.source = "its stacks by the order asked";
            stacks.push_back(std::move(r));
        }
        merge_reports(ranks, stacks);
    }
    return ranks;
}

/// output/data/sm-train-diagnostics.json of a failed program (unless SMTRAIN_DIAGNOSTICS=off).
void write_failure_diagnostics(const Job& job, RunnerKind kind, const RunOutcome& run,
                               const StderrCapture& capture, const Outcome& outcome,
                               const std::optional<RootCause>& cause, const std::string& first_elsewhere,
                               std::vector<RankReport> ranks,
                               const std::optional<process::Hang>& hang = std::nullopt,
                               const HangStacks& hang_stacks = {}) {
    if (!job.settings.diagnostics) return;
    FailureDiagnostics d;
    d.host = job.env->current_host();
    d.runner = kind;
    d.command = run.command;
    d.exit_code = run.result.exit_code;
    d.term_signal = run.result.term_signal;
    d.root_cause = cause;
    d.first_failure_of_job = first_elsewhere;
    d.error_message =
        outcome.process_failure ? outcome.process_failure->error_message : outcome.own_failure.value_or("");
    d.stderr_tail = capture.tail();
    d.hang = hang;
    d.hang_stacks = hang_stacks;
    d.ranks = std::move(ranks);
    const Timeline& timeline = Timeline::job();
    d.timeline = timeline.value(timeline.ending_with(outcome.exit_code), children_peak_rss_kib());
    write_diagnostics(job.env->paths().output, d, job.environ);
}

/// The hang watchdog on (Settings::hang_watchdog): the supervisor watches the
/// program's output, the program gets the variables that leave evidence, and
/// the ranks of this runner are the ones asked for their stacks.
/// `notices` (a job of several hosts): an MPI master also asks the other hosts
/// for their ranks' stacks, which mpirun cannot ask for without ending the job,
/// and waits for their answers before the stop (within the dumps' time).
void arm_hang_watchdog(const Job& job, RunnerKind kind, RunContext& context, RunEvidence& evidence,
                       const HangNotices* notices) {
    const process::WatchdogSettings& watchdog = job.settings.hang_watchdog;
    if (!watchdog.on()) return;
    context.supervisor.watchdog = watchdog;
    const bool asks_elsewhere = notices && (kind == RunnerKind::Mpi || kind == RunnerKind::SmDataParallel);
    std::vector<std::string> peers = asks_elsewhere ? other_hosts(*job.env) : std::vector<std::string>{};
    // Called once, when the watchdog fires: the moment each rank's silence is
    // counted to, and whose stacks will come in which order.
    context.supervisor.dump_stacks = [kind, &evidence, peers = std::move(peers),
                                      host = job.env->current_host()](pid_t program) {
        evidence.lines.hang_seen();
        // mpirun is paused first: none of its ranks' ends, here or elsewhere, tears the job down yet.
        std::vector<pid_t> ranks = ranks_for_stacks(program, kind);
        for (pid_t pid : ranks) evidence.asked.push_back(asked_rank(pid));
        if (!peers.empty()) {
            const auto system = process::make_posix_system(nullptr);
            evidence.stacks_asked_of =
                ask_for_stacks(*system, peers, runners::kHangNoticePort, host, std::chrono::seconds(1));
            spdlog::warn("Hang: asked {} of {} other host(s) for their ranks' stacks",
                         evidence.stacks_asked_of.size(), peers.size());
        }
        return ranks;
    };
    if (asks_elsewhere) {
        context.supervisor.stacks_elsewhere = [&evidence, notices] {
            return all_stacks_written(evidence.stacks_asked_of, notices->stacks_written());
        };
    }
    const auto set = add_hang_evidence_variables(context.program_env, job.env->paths().output);
    std::string names;
    for (const auto& name : set) names += (names.empty() ? "" : ", ") + name;
    auto seconds = [](const auto& d) { return d ? fmt::format("{:g} s", d->count() / 1000.0) : "off"; };
    spdlog::info("Hang watchdog on: start deadline {}, progress deadline {}{}; set for the program: {}",
                 seconds(watchdog.start_deadline), seconds(watchdog.progress_deadline),
                 watchdog.heartbeat_file.empty()
                     ? watchdog.pattern.empty() ? "" : " (lines matching the pattern)"
                     : " (the heartbeat file)",
                 names.empty() ? "nothing (the user set them)" : names);
}

/// The report of a program the watchdog stopped: the reason first (the first
/// 1024 characters are SageMaker's FailureReason), then which ranks printed
/// last (MPI's rank tags) and whose stacks the diagnostics file holds (those
/// that could be told apart), then the last lines of its stderr, where the
/// stacks are.
/// `stacks`: whose stacks were asked for, here and on the other hosts (an MPI
/// master's workers), as the diagnostics file counts them.
Outcome hang_outcome(const process::Hang& hang, const HangStacks& stacks, const StderrCapture& capture,
                     const std::vector<RankReport>& ranks) {
    std::string text = hang.reason + stacks_clause(stacks);
    text += "; sm-train stopped the program";
    if (const std::string last = last_to_print(ranks); !last.empty()) text += "\n" + last;
    std::string dumped;
    for (const RankReport& r : ranks) {
        if (r.stacks.empty()) continue;
        dumped += fmt::format("{}rank {}{}", dumped.empty() ? "" : ", ", r.rank,
                              r.local_rank ? fmt::format(" (local rank {})", *r.local_rank) : "");
    }
    if (!dumped.empty()) text += "\nStacks written (in the diagnostics file, by rank): " + dumped;
    // The last lines, at most 4 KiB of them, whole lines.
    constexpr std::size_t kShown = 4096;
    std::string tail = hang.stderr_at_stop.empty() ? capture.tail() : hang.stderr_at_stop;
    while (!tail.empty() && tail.back() == '\n') tail.pop_back();
    if (tail.size() > kShown) {
        tail.erase(0, tail.size() - kShown);
        const std::size_t nl = tail.find('\n');
        tail.erase(0, nl == std::string::npos ? 0 : nl + 1);
    }
    if (!tail.empty()) text += "\nLast lines of the program's stderr:\n" + tail;
    spdlog::error("{}", hang.reason);
    return Outcome::found(std::move(text), static_cast<int>(ExitCode::Hang));
}

/// Supervise: the program runs to its end.
/// Launch, then supervise: the runner starts the program (after the other hosts,
/// for a distributed one) and it runs to its end.
Outcome launch_and_supervise(Job& job, JobLaunch& launch, RunContext& context) {
    enter(job.stop(), JobPhase::Launch);
    // The phase becomes Training when the runner starts the program (runner.hpp):
    // a distributed runner may first wait for the other hosts.
    // Pretty-printing and masking the whole Training Env is most of sm-train's
    // own CPU time at start: skip it when the log level hides it.
    if (spdlog::should_log(spdlog::level::info)) {
        spdlog::info("{}",
                     invocation_message(job.env->training_env(), launch.vars, launch.command.to_string()));
    }
    const std::string shown = launch.command.to_string();
    // The program's stderr as the report reads it, for as long as the runner runs it.
    StderrCapture capture;
    context.supervisor = job.supervisor_options(shown, "ExecuteUserScriptError", capture);
    // Each rank's lines, when its launcher tags them (mpirun), and the stacks asked for.
    RunEvidence evidence;
    struct Unset {
        RankLines*& lines;
        ~Unset() { lines = nullptr; }  // the plan's context outlives this run's evidence
    } unset{context.rank_lines};
    if (launch.runner_kind == RunnerKind::Mpi || launch.runner_kind == RunnerKind::SmDataParallel)
        context.rank_lines = &evidence.lines;
    const auto oom_kills = oom_kill_count();
    std::optional<DeadlineWarning> warning;
    if (job.env->deadline() && job.settings.deadline_warning.signal != 0) {
        warning.emplace(*job.env->deadline(), job.settings.deadline_warning,
                        warning_target(launch.runner_kind));
        context.supervisor.on_started = [&warning](pid_t pid) { warning->program_started(pid); };
    }
    // The warning's record, whichever way the run ends.
    auto record_warning = [&] {
        if (!warning) return;
        warning->program_ended();
        if (const auto at = warning->sent_at()) Timeline::job().event(warning->description(), *at);
    };
    // torchrun or a plain program on several hosts: the hosts exchange their
    // first failures, and, with the watchdog on, hear each other's hangs while
    // the program runs. MPI, smddprun: mpirun on the master sees every rank, and its root
    // cause reaches the workers (which wait for it after a failed mpirun) the same way.
    const bool exchanges =
        (launch.runner_kind == RunnerKind::TorchDistributed || launch.runner_kind == RunnerKind::Process ||
         launch.runner_kind == RunnerKind::Mpi || launch.runner_kind == RunnerKind::SmDataParallel) &&
        job.env->hosts().size() > 1;
    // The plain programs' own failures are ordered by when they ended.
    auto ended_at = [&]() -> std::optional<std::int64_t> {
        if (launch.runner_kind != RunnerKind::Process) return std::nullopt;
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    };
    std::unique_ptr<process::System> notice_system;
    std::unique_ptr<HangNotices> notices;
    if (exchanges && job.settings.hang_watchdog.on()) {
        notice_system = process::make_posix_system(&job.stop());
        // An MPI worker's ranks are the MPI daemon's children here, out of the
        // master's reach: the master asks this host for their stacks.
        StacksAnswer answer;
        if (launch.runner_kind == RunnerKind::Mpi || launch.runner_kind == RunnerKind::SmDataParallel) {
            answer.host = job.env->current_host();
            answer.ask_ranks = [names = context.mpi.mpi_daemon_names] {
                return dump_stacks_of_local_ranks(names, std::chrono::seconds(4));
            };
        }
        notices = std::make_unique<HangNotices>(*notice_system, runners::kHangNoticePort, std::move(answer));
    }
    arm_hang_watchdog(job, launch.runner_kind, context, evidence, notices.get());
    try {
        RunOutcome run = [&] {
            auto phase = Timeline::job().phase(JobPhase::Training);
            return launch.runner->run(context);
        }();
        record_warning();
        const std::optional<std::int64_t> ended_at_ms = ended_at();
        // The other hosts' hangs heard while the program ran came before its end.
        const std::vector<HeardCause> heard_before = notices ? notices->heard() : std::vector<HeardCause>{};
        const process::RunResult& result = run.result;
        Timeline::job().process_ended(result.term_signal, result.forwarded_stop_signal,
                                      result.killed_after_grace);
        const std::string& host = job.env->current_host();
        const int local_workers = launch.runner_kind == RunnerKind::TorchDistributed
                                      ? torchrun_local_workers(launch.command.argv)
                                      : 0;
        if (result.hang && result.forwarded_stop_signal == 0) {
            process::Hang hang = *result.hang;
            show_the_last_line_as_logged(hang, run.rewriter);
            name_the_host(hang, *job.env);
            const std::vector<RankReport> ranks =
                rank_reports(launch.runner_kind, evidence, capture, std::nullopt, hang, host, local_workers);
            const HangStacks stacks = hang_stacks(
                hang, notices ? notices->stacks_written() : std::vector<runners::StacksWritten>{});
            Outcome outcome = hang_outcome(hang, stacks, capture, ranks);
            std::string first_elsewhere;
            if (exchanges)
                first_elsewhere =
                    first_failure_of_the_job(runners::CauseKind::Hang, hang.reason, *job.env, job.stop(),
                                             heard_before, ended_at_ms, launch.runner_kind);
            if (!first_elsewhere.empty())
                outcome.own_failure = after_first_failure(first_elsewhere, host, *outcome.own_failure);
            write_failure_diagnostics(job, launch.runner_kind, run, capture, outcome, std::nullopt,
                                      first_elsewhere, ranks, hang, stacks);
            return outcome;
        }
        Outcome outcome = process_outcome(run.result, capture, run.command, "ExecuteUserScriptError",
                                          job.settings.grace_period);
        const auto cause = put_root_cause_first(outcome, run.result, capture, launch.runner_kind, host,
                                                oom_kills, run.rewriter, exchanges, local_workers);
        std::string first_elsewhere;
        if (cause && exchanges) {
            first_elsewhere =
                first_failure_of_the_job(kind_of(*cause), cause->to_string(), *job.env, job.stop(),
                                         heard_before, ended_at_ms, launch.runner_kind);
            // This host's own line (the message's first) goes after the job's first failure.
            if (!first_elsewhere.empty()) {
                std::string& message = outcome.process_failure->error_message;
                message = after_first_failure(first_elsewhere, host, message);
            }
        }
        if (outcome.process_failure)
            write_failure_diagnostics(job, launch.runner_kind, run, capture, outcome, cause, first_elsewhere,
                                      rank_reports(launch.runner_kind, evidence, capture, cause, std::nullopt,
                                                   host, local_workers));
        return outcome;
    } catch (const process::SpawnError& e) {
        record_warning();
        return cannot_start(e, "ExecuteUserScriptError", shown);
    }
}

/// Final sync: the last intermediate uploads, bounded, before the report (the
/// platform may read the report as "done"). Called once, on every path.
Outcome final_sync(Job& job, Outcome outcome) {
    if (!job.intermediate) return outcome;
    enter(job.stop(), JobPhase::FinalSync);
    const s3::SyncSummary sync = job.intermediate->finish();
    job.intermediate.reset();
    if (outcome.success() && !sync.ok()) {
        // The program succeeded but part of its intermediate output is lost:
        // not a success (the toolkit logged it and reported success).
        return Outcome::own(IntermediateOutput::failure_line(sync), static_cast<int>(ExitCode::Failure));
    }
    return outcome;
}

/// What this host will run, decided before anything of the job acts: the
/// program, its runner, command, working directory and environment. A job runs
/// it; --dry-run prints it.
struct JobPlan {
    JobProgram program;
    RunContext context;  ///< the program's environment, with the runner's and the driver's variables
    JobLaunch launch;    ///< the runner, its command, the variables sm-train exports
};

/// Plan: read the job's configuration and decide the program, the runner, the
/// command and the environment. Acts on nothing; throws Error for a job that
/// cannot run (no program, a bad configuration). An SDK v3 job has its own
/// program, variables and runner; everything around them is the same.
JobPlan plan_job(const Job& job, const SdkV3Job* v3, CodeState code_state) {
    const TrainingEnv& env = *job.env;
    const fs::path code_dir = v3 ? v3->code_dir : env.paths().code;
    EnvVars vars = v3 ? v3->variables
                      : v2_job_variables(env, job.environ, code_dir, job.settings.arguments,
                                         job.settings.sdk_v3_variables);
    Environ program_env = program_environment(job.environ, vars);
    EnvVars driver_env;
    JobProgram program =
        v3 ? plan_v3_program(job, *v3, program_env, driver_env) : plan_program(job, code_state);
    // The driver's own variables (torchrun's NCCL_*) are the program's too:
    // --dry-run and the invocation message show them with the rest.
    for (const auto& [name, value] : driver_env) program_env.insert_or_assign(name, value);
    merge_variables(vars, driver_env);

    RunContext context{env,
                       job.lifecycle.signals,
                       program.kind,
                       program.entry_point,
                       program.args,
                       code_dir,
                       program.python,
                       program.command,
                       std::move(program_env),
                       {},
                       job.settings.mpi,
                       std::nullopt};
    JobLaunch launch = plan_launch(job, context, v3);
    launch.vars = std::move(vars);
    return JobPlan{std::move(program), std::move(context), std::move(launch)};
}

/// A stop between two steps ends the job before the next one.
Outcome stopped(const Job& job) { return Outcome::own(job.stop().reason(), 128 + job.stop().signal()); }

/// The job's steps, from load to supervise: plan on the fetched code, then act
/// on the plan. A stop between two steps ends the job before the next one; one
/// during a step that is not supervised ends that step (it throws or returns
/// early) and is reported the same way.
Outcome run_steps(Job& job) {
    load(job);
    if (job.stop().requested()) return stopped(job);
    const std::optional<SdkV3Job> v3 = sdk_v3_job(*job.env, job.environ);
    fetch_code(job, v3 ? &*v3 : nullptr);
    if (job.stop().requested()) return stopped(job);
    JobPlan plan = plan_job(job, v3 ? &*v3 : nullptr, CodeState::InPlace);
    if (plan.program.kind == EntryKind::Command)
        make_executable(plan.context.code_dir / plan.program.entry_point);
    move_oversized_variables_to_files(plan.launch.command, plan.launch.vars, plan.context.program_env,
                                      job.settings);

    // Before anything of the user's runs, as the toolkit's start_sync.
    job.intermediate.emplace(*job.env, job.environ, job.settings.sync_wait, job.settings.s3_max_concurrency,
                             job.stop());

    Outcome installed = install(job, plan.program, plan.context.program_env);
    if (!installed.success()) return installed;
    if (job.stop().requested()) return stopped(job);

    wait_for_hosts(job);
    if (job.stop().requested()) return stopped(job);

    return launch_and_supervise(job, plan.launch, plan.context);
}

/// The plan as data for plan_only()'s caller: the JobPlan refers to the Job.
HostPlan host_plan(JobPlan plan, const Settings& settings) {
    return HostPlan{plan.launch.runner_kind,
                    std::move(plan.program.entry_point),
                    plan.program.kind,
                    std::move(plan.program.install),
                    std::move(plan.launch.command),
                    plan.context.code_dir,
                    plan.launch.program_variables(),
                    settings.arguments,
                    !settings.codeartifact_repository_arn.empty()};
}

/// The Settings read, then `steps`: whatever they throw becomes the one Outcome,
/// an own failure, or "stopped by ..." for a step that ended because of a stop.
template <typename Steps>
Outcome outcome_of(Job& job, Steps steps) {
    try {
        job.settings = Settings::from_environment(job.environ);
        job.timeline = job.settings.timeline;
        return steps(job);
    } catch (const std::exception& e) {
        const process::StopRequest& stop = job.stop();
        const OwnFailure failure =
            stop.requested() ? OwnFailure{stop.reason(), 128 + stop.signal()} : OwnFailure::of(e);
        return Outcome::own(failure.message, failure.exit_code);
    }
}

/// The first instant of run_train() and plan_only(): a stop names a step, the
/// log is at INFO until the job's own level is known, the base dir is absolute.
Environ start(const Lifecycle& lifecycle, const Environ& process_environ) {
    enter(lifecycle.stop, JobPhase::Load);
    configure_logging(20);
    return with_absolute_base_dir(process_environ);
}

}  // namespace

int run_train(const TrainOptions& options, const Lifecycle& lifecycle, const Environ& process_environ) {
    const Environ environ = start(lifecycle, process_environ);
    Job job{lifecycle, environ, {}, output_dir_without_env(environ), {}, {}, {}};
    become_reaper_of_orphans();
    Outcome outcome = outcome_of(job, run_steps);
    // An error after the sync started still uploads what was written.
    outcome = final_sync(job, std::move(outcome));
    enter(lifecycle.stop, JobPhase::Report);
    const int exit_code = [&] {
        auto phase = Timeline::job().phase(JobPhase::Report);
        return report(outcome, job.output_dir);
    }();
    if (!options.timeline) return exit_code;
    // The block is logged on every ending, one with a bad setting (say
    // SMTRAIN_GRACE_PERIOD_S=abc) too: then no Settings exist, and
    // SMTRAIN_TIMELINE is read alone so that its format still holds.
    return log_job_timeline(exit_code,
                            job.timeline ? *job.timeline : timeline_format_without_settings(environ));
}

PlannedHost plan_only(const Lifecycle& lifecycle, const Environ& process_environ) {
    const Environ environ = start(lifecycle, process_environ);
    Job planning{lifecycle, environ, {}, output_dir_without_env(environ), {}, {}, {}};
    PlannedHost planned;
    // The same load and plan as run_steps(), on the code where it would come from.
    planned.outcome = outcome_of(planning, [&planned](Job& job) {
        load(job);
        if (job.stop().requested()) return stopped(job);
        const std::optional<SdkV3Job> v3 = sdk_v3_job(*job.env, job.environ);
        JobPlan plan = plan_job(job, v3 ? &*v3 : nullptr, CodeState::NotFetched);
        if (job.stop().requested()) return stopped(job);
        planned.plan = host_plan(std::move(plan), job.settings);
        return Outcome::succeeded();
    });
    return planned;
}

}  // namespace smtrain::launcher
