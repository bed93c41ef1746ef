// SPDX-License-Identifier: Apache-2.0
#include "train.hpp"

#include "../s3/codeartifact.hpp"
#include "code_dir.hpp"
#include "dns_wait.hpp"
#include "entry_point.hpp"
#include "env_limits.hpp"
#include "intermediate_output.hpp"
#include "invocation_log.hpp"
#include "logging.hpp"
#include "program_env.hpp"
#include "report.hpp"
#include "runner.hpp"
#include "timeline.hpp"

#include <smtrain/error.hpp>
#include <smtrain/json.hpp>
#include <smtrain/training_env.hpp>

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <set>

namespace smtrain::launcher {
namespace fs = std::filesystem;

namespace {

std::string env_value(const Environ& env, std::string_view name) {
    auto it = env.find(name);
    return it == env.end() ? std::string() : it->second;
}

bool studio_local_mode(const Environ& env) {
    std::string v = env_value(env, "SM_STUDIO_LOCAL_MODE");
    for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return v == "true";
}

/// Where output/failure goes when the TrainingEnv could not even be loaded.
std::optional<fs::path> output_dir_without_env(const Environ& env) {
    std::string base = env_value(env, "SAGEMAKER_BASE_DIR");
    if (!base.empty()) return fs::path(base) / "output";
    std::error_code ec;
    if (fs::is_directory("/opt/ml", ec)) return fs::path("/opt/ml/output");
    return std::nullopt;
}

LoadOptions load_options(const Environ& environ) {
    LoadOptions options;
    options.environ = environ;
    return options;
}

/// The user program: where it is, what kind, how it is started.
struct Program {
    std::string entry_point;
    EntryPointKind kind = EntryPointKind::Command;
    fs::path python;
    Command command;
    std::optional<InstallStep> install;
};

/// The directory whose contents decide the entry point's kind: the code dir,
/// or (for --dry-run, which copies nothing) the submit dir it would be filled from.
fs::path inspected_dir(const TrainingEnv& env, bool dry_run) {
    const fs::path& code = env.paths().code;
    if (dry_run && is_empty_dir(code)) {
        std::error_code ec;
        if (fs::is_directory(env.module_dir(), ec)) return env.module_dir();
    }
    return code;
}

Program resolve_program(const TrainingEnv& env, const Environ& environ, bool dry_run) {
    if (!env.user_entry_point() || env.user_entry_point()->empty()) {
        throw Error("no program to run: set SAGEMAKER_PROGRAM or the sagemaker_program hyperparameter",
                    ExitCode::NoProgram);
    }
    Program program;
    program.entry_point = *env.user_entry_point();
    const fs::path& code = env.paths().code;
    fs::path dir = inspected_dir(env, dry_run);
    program.kind = entry_point_kind(dir, program.entry_point);
    if (program.kind != EntryPointKind::PythonPackage) {
        // A package may be a module or a directory; anything else must be a file here.
        fs::path file = dir / program.entry_point;
        std::error_code ec;
        auto status = fs::status(file, ec);
        if (!(dry_run && is_empty_dir(dir))) {
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
    if (program.kind != EntryPointKind::Command) program.python = find_python(environ);
    program.command =
        program_command(program.kind, code, program.entry_point, env.to_cmd_args(), program.python);
    program.install = install_step(program.kind, dir, program.python);
    return program;
}

/// The toolkit chmods a command entry point to 0777; adding the execute bits
/// is enough and does not make the code world-writable.
void make_executable(const fs::path& file) {
    struct stat st {};
    if (stat(file.c_str(), &st) == 0 && (st.st_mode & 0111) != 0111) chmod(file.c_str(), st.st_mode | 0111);
}

std::string quoted_command(const Command& command) {
    std::string text;
    for (const auto& arg : command.argv) {
        if (!text.empty()) text += ' ';
        text += shell_quote(arg);
    }
    return text;
}

int print_dry_run(const Program& program, RunnerKind runner_kind, const Command& command, const fs::path& cwd,
                  const EnvVars& vars, bool json, const Environ& environ) {
    if (json) {
        auto argv = [](const Command& c) {
            Value::List list;
            for (const auto& a : c.argv) list.emplace_back(a);
            return Value(std::move(list));
        };
        Value::Dict env;
        for (const auto& [name, value] : vars) env.emplace_back(name, Value(value));
        Value::Dict out;
        out.emplace_back("runner", Value(std::string(to_string(runner_kind))));
        out.emplace_back("entry_point", Value(program.entry_point));
        out.emplace_back("kind", Value(std::string(to_string(program.kind))));
        out.emplace_back("install", program.install ? argv(program.install->command) : Value());
        out.emplace_back("argv", argv(command));
        out.emplace_back("cwd", Value(cwd.string()));
        out.emplace_back("env", Value(std::move(env)));
        std::cout << dump_json(Value(std::move(out)), JsonDumpOptions{.sort_keys = false, .indent = 2})
                  << "\n";
        return 0;
    }
    std::cout << "runner: " << to_string(runner_kind) << "\n"
              << "entry point: " << program.entry_point << " (" << to_string(program.kind) << ")\n"
              << "working directory: " << cwd.string() << "\n";
    if (program.install) {
        std::cout << "install: " << quoted_command(program.install->command);
        if (program.install->reads_requirements && !env_value(environ, "CA_REPOSITORY_ARN").empty()) {
            std::cout << " -i <the pip index of CodeArtifact repository $CA_REPOSITORY_ARN>";
        }
        std::cout << "\n";
    }
    std::cout << "command: " << quoted_command(command) << "\n"
              << "environment:\n"
              << format_variables(vars, EnvFormat::Export);
    return 0;
}

/// With CA_REPOSITORY_ARN set, pip reads requirements.txt from that CodeArtifact
/// repository, as the toolkit's `-i <index>`. Throws smtrain::Error.
void use_codeartifact_index(InstallStep& step, const Environ& environ) {
    const std::string arn = env_value(environ, "CA_REPOSITORY_ARN");
    if (arn.empty() || !step.reads_requirements) return;
    if (const auto repo = s3::CodeArtifactRepository::parse(arn)) {
        spdlog::info(
            "configuring pip to use codeartifact (domain: {}, domain owner: {}, repository: {}, region: {})",
            repo->domain, repo->account, repo->repository, repo->region);
    }
    std::map<std::string, std::string> vars(environ.begin(), environ.end());
    const s3::PipIndex index = s3::codeartifact_pip_index(arn, s3::map_env(std::move(vars)));
    step.command.argv.insert(step.command.argv.end(), {"-i", index.url});
    step.secret = index.token;
}

/// Runs an install step (pip) under supervision; a failure is reported as the
/// toolkit does, but with any CodeArtifact token masked. Returns the step's exit code.
int run_install(const InstallStep& step, const RunContext& context, const fs::path& output_dir,
                IntermediateOutput& intermediate) {
    std::string shown = step.command.to_string();
    mask_all(shown, step.secret);
    spdlog::info("Installing with: {}", shown);
    SpawnSpec spec;
    spec.program = step.command.program;
    spec.argv = step.command.argv;
    spec.env = to_envp(context.program_env);
    spec.cwd = context.code_dir;
    auto phase = Timeline::job().phase("requirements install");
    RunResult result = supervise(std::move(spec), context.signals, context.supervisor);
    phase.end();
    Timeline::job().process_ended(result.term_signal, result.forwarded_stop_signal,
                                  result.killed_after_grace);
    if (result.exit_code == 0) return 0;
    intermediate.finish(result.stop_signal_at);  // the report comes after the last uploads
    ProcessFailure failure;
    failure.error_class = step.error_class;
    failure.exit_code = result.exit_code;
    failure.error_message = result.stderr_capture.error_message();
    if (result.exit_code == 137) failure.extra_info = std::string(kSigkillExtraInfo);
    failure.command = shown;
    write_failure_file(output_dir, failure.to_string());
    spdlog::error("Reporting training FAILURE");
    spdlog::error("Encountered exit_code {}", result.exit_code);
    return result.exit_code;
}

/// Linux refuses one environment string over 128 KiB and argv + envp over ARG_MAX;
/// a large cluster or hyperparameter set gets there. Values sm-train exported go to
/// files instead (see env_limits.hpp); an argv that cannot fit throws here, before
/// anything runs.
void move_oversized_variables_to_files(const Command& command, const EnvVars& exported, Environ& program_env,
                                       const Environ& environ) {
    std::set<std::string, std::less<>> movable;
    for (const auto& [name, value] : exported) {
        if (name != "PYTHONPATH") movable.insert(name);
    }
    std::string tmp = env_value(environ, "TMPDIR");
    for (const auto& moved : fit_exec_limits(command.program, command.argv, program_env, movable,
                                             tmp.empty() ? fs::path("/tmp") : fs::path(tmp))) {
        spdlog::warn(
            "{} is {} bytes, over Linux's limit for {}: the program gets {}{}={} instead, a file holding "
            "the value",
            moved.name, moved.bytes,
            moved.over_string_limit ? "one environment string (MAX_ARG_STRLEN, 128 KiB)"
                                    : "the whole environment (ARG_MAX)",
            moved.name, kFileSuffix, moved.file.string());
    }
}

int report_program_result(const RunOutcome& outcome, const fs::path& output_dir,
                          IntermediateOutput& intermediate) {
    const RunResult& result = outcome.result;
    Timeline::job().process_ended(result.term_signal, result.forwarded_stop_signal,
                                  result.killed_after_grace);
    // The last uploads first: the platform may read the report as "done".
    const s3::SyncSummary sync = intermediate.finish(result.stop_signal_at);
    auto phase = Timeline::job().phase("report");
    if (result.exit_code == 0 && !sync.ok()) {
        // The program succeeded but part of its intermediate output is lost:
        // not a success (the toolkit logged it and reported success).
        const std::string line = "sm-train: " + IntermediateOutput::failure_line(sync);
        std::fputs((line + "\n").c_str(), stderr);
        write_failure_file(output_dir, line);
        spdlog::error("Reporting training FAILURE");
        return static_cast<int>(ExitCode::Failure);
    }
    if (result.exit_code == 0) {
        write_success_file(output_dir);
        spdlog::info("Reporting training SUCCESS");
        return 0;
    }
    ProcessFailure failure;
    failure.exit_code = result.exit_code;
    failure.error_message = result.stderr_capture.error_message();
    if (result.exit_code == 137) failure.extra_info = std::string(kSigkillExtraInfo);
    failure.command = outcome.command;
    if (!write_failure_file(output_dir, failure.to_string())) {
        spdlog::info("{} exists: keeping it", (output_dir / "failure").string());
    }
    spdlog::error("Reporting training FAILURE");
    spdlog::error("Encountered exit_code {}", result.exit_code);
    return result.exit_code;
}

}  // namespace

void report_own_failure(const std::string& what, const Environ& environ) {
    std::string line = "sm-train: " + what;
    // One line, whatever a lower layer put in its message.
    for (char& c : line) {
        if (c == '\n' || c == '\r') c = ' ';
    }
    std::fputs((line + "\n").c_str(), stderr);
    std::fflush(stderr);
    std::optional<fs::path> output = output_dir_without_env(environ);
    if (!output) return;
    try {
        write_failure_file(*output, line);
    } catch (const std::exception& e) {
        std::fputs(("sm-train: " + std::string(e.what()) + "\n").c_str(), stderr);
    }
}

int run_train(const TrainOptions& options, const SignalBlock& signals, const Environ& environ) {
    configure_logging(20);
    TrainingEnv env = TrainingEnv::load(load_options(environ));
    configure_logging(env.log_level());
    const fs::path output_dir = env.paths().output;
    const fs::path& code_dir = env.paths().code;

    SupervisorOptions supervisor;
    supervisor.grace_period = seconds_variable(environ, "SMTRAIN_GRACE_PERIOD_S", supervisor.grace_period);

    Program program;
    if (env.framework_module()) {
        // Framework images: the framework's own entry function runs the job.
        program.entry_point = *env.framework_module();
        program.kind = EntryPointKind::PythonProgram;
        program.python = find_python(environ);
        program.command = framework_command(*env.framework_module(), program.python);
    } else {
        if (!options.dry_run) {
            // SageMaker creates these; a local tree may not have them, and a
            // program writing its own output/failure must find the directory.
            for (const fs::path& dir : {output_dir, env.paths().model}) {
                std::error_code ec;
                fs::create_directories(dir, ec);
            }
            prepare_code_dir(env.module_dir(), code_dir, environ);
        }
        program = resolve_program(env, environ, options.dry_run);
    }

    RunnerKind runner_kind = env.framework_module() ? RunnerKind::Process : choose_runner(env);
    std::unique_ptr<Runner> runner = make_runner(runner_kind, env);
    EnvVars vars = exported_variables(env, environ, code_dir);
    RunContext context{env,
                       signals,
                       program.kind,
                       program.entry_point,
                       env.to_cmd_args(),
                       code_dir,
                       program.python,
                       program.command,
                       program_environment(environ, vars),
                       supervisor};
    for (auto& [name, value] : runner->extra_env(context)) context.program_env[name] = value;
    Command command = runner->command(context);

    if (options.dry_run)
        return print_dry_run(program, runner_kind, command, code_dir, vars, options.json, environ);
    move_oversized_variables_to_files(command, vars, context.program_env, environ);

    context.supervisor.on_grace_expired = [&](const StderrCapture& capture) {
        ProcessFailure failure;
        failure.exit_code = 137;
        failure.error_message = capture.error_message();
        failure.extra_info = fmt::format(
            "Stopped: the program was still running {:g} s after {}; sm-train killed its process group with "
            "SIGKILL",
            static_cast<double>(context.supervisor.grace_period.count()) / 1000.0, signal_name(SIGTERM));
        failure.command = command.to_string();
        write_failure_file(output_dir, failure.to_string());
        spdlog::error("Grace period over: killing the program's process group");
    };

    if (program.kind == EntryPointKind::Command && !env.framework_module())
        make_executable(code_dir / program.entry_point);

    // Before anything of the user's runs, as the toolkit's start_sync. An error
    // thrown from here on still finishes the sync (bounded) before it is reported.
    IntermediateOutput intermediate(env, environ, signals);

    if (program.install) {
        InstallStep step = *program.install;
        use_codeartifact_index(step, environ);
        int code = run_install(step, context, output_dir, intermediate);
        if (code != 0) return code;
    }

    if (studio_local_mode(environ)) {
        spdlog::info("SM_STUDIO_LOCAL_MODE is true: not waiting for host names to resolve");
    } else {
        wait_for_hosts(env.hosts(), dns_wait_options(environ), signals);
    }

    // Pretty-printing and masking the whole Training Env is most of sm-train's
    // own CPU time at start: skip it when the log level hides it.
    if (spdlog::should_log(spdlog::level::info)) {
        spdlog::info("{}", invocation_message(env.training_env(), vars, command.to_string()));
    }

    RunOutcome outcome;
    try {
        auto phase = Timeline::job().phase("program");
        outcome = runner->run(context);
    } catch (const SpawnError& e) {
        // The program exists but cannot be started: report it as the program's failure.
        intermediate.finish();
        ProcessFailure failure;
        failure.exit_code = static_cast<int>(e.exit_code());
        failure.error_message = e.what();
        failure.command = command.to_string();
        write_failure_file(output_dir, failure.to_string());
        std::fputs(("sm-train: " + std::string(e.what()) + "\n").c_str(), stderr);
        spdlog::error("Reporting training FAILURE");
        return failure.exit_code;
    }
    return report_program_result(outcome, output_dir, intermediate);
}

int run_env(EnvFormat format, const Environ& environ) {
    TrainingEnv env = TrainingEnv::load(load_options(environ));
    std::cout << format_variables(exported_variables(env, environ, env.paths().code), format);
    std::cout.flush();
    return 0;
}

}  // namespace smtrain::launcher
