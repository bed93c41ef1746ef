// SPDX-License-Identifier: Apache-2.0
#include "launcher/cli/cli.hpp"

#include "launcher/cli/dry_run.hpp"
#include "launcher/cli/env_command.hpp"
#include "launcher/devloop/dev_commands.hpp"
#include "launcher/lifecycle/console.hpp"
#include "launcher/lifecycle/own_failure.hpp"
#include "launcher/lifecycle/timeline.hpp"
#include "launcher/lifecycle/train.hpp"
#include "process/output_sink.hpp"

#include <smtrain/error.hpp>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <map>
#include <string_view>

#ifndef SMTRAIN_VERSION
#define SMTRAIN_VERSION "0.0.0"
#endif

namespace smtrain::launcher {

namespace {

/// `sm-train train`, as SageMaker starts every job, or `sm-train` alone (the
/// SDK v3's local mode): a command line with nothing to parse, whose meaning is
/// fixed, the job with no option. Building CLI11's parser for it (every
/// subcommand's and option's names, validators and help, then freeing them)
/// was a fifth of sm-train's own instructions at the start of a job, so the
/// parser is built for the other command lines only (options, the other
/// commands, mistakes).
bool is_plain_train(int argc, char** argv) {
    return argc == 1 || (argc == 2 && std::string_view(argv[1]) == "train");
}

/// The job: run_train reports every failure itself; the timeline block comes last.
int run_job(const Lifecycle& lifecycle) {
    return run_train(TrainOptions{.timeline = true}, lifecycle, current_environ());
}

int run_command(int argc, char** argv, const Lifecycle& lifecycle) {
    if (is_plain_train(argc, argv)) return run_job(lifecycle);
    CLI::App app{
        "sm-train: runs a SageMaker training job's program as the SageMaker training toolkit does, "
        "and supervises it as PID 1.\nSageMaker starts training containers as `docker run IMAGE train`.",
        "sm-train"};
    app.set_version_flag("--version", std::string("sm-train ") + SMTRAIN_VERSION);
    bool dry_run = false;
    bool json = false;
    app.add_flag("--dry-run", dry_run,
                 "Print the command, working directory and SM_* environment; run nothing");
    app.add_flag("--json", json, "With --dry-run: print JSON");
    app.require_subcommand(0, 1);

    CLI::App* train_cmd = app.add_subcommand("train", "Run the training job (the default)");
    train_cmd->fallthrough();  // `sm-train train --dry-run` reads the options above
    CLI::App* serve_cmd = app.add_subcommand("serve", "Refused: sm-train runs training jobs only");
    serve_cmd->allow_extras();
    CLI::App* env_cmd = app.add_subcommand("env", "Print the SM_* variables the program would get");
    EnvFormat format = EnvFormat::Export;
    std::map<std::string, EnvFormat> formats{
        {"export", EnvFormat::Export}, {"json", EnvFormat::Json}, {"dotenv", EnvFormat::Dotenv}};
    env_cmd->add_option("--format", format, "export (for eval), json or dotenv")
        ->transform(CLI::CheckedTransformer(formats, CLI::ignore_case));
    DevCommands dev_commands(app);  // init, local

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : static_cast<int>(ExitCode::Usage);
    }
    if (json && !dry_run) {
        say("sm-train: --json needs --dry-run");
        return static_cast<int>(ExitCode::Usage);
    }

    Environ environ = current_environ();
    if (*serve_cmd) {
        say("sm-train: serve is not supported: sm-train runs training jobs only (SageMaker passes `serve` "
            "to inference containers)");
        return static_cast<int>(ExitCode::Usage);
    }
    // `env`, `init`, `local`: an own failure is one line that names the command,
    // and its exit code. The job reports its own (run_train never throws).
    try {
        if (auto code = dev_commands.run(lifecycle, environ)) return *code;
        if (*env_cmd) return run_env(format, environ);
    } catch (const std::exception& e) {
        const std::string_view command = dev_commands.chosen();
        const OwnFailure failure = OwnFailure::of(e);
        say("sm-train" + (command.empty() ? std::string() : " " + std::string(command)) + ": " +
            failure.message);
        return failure.exit_code;
    }
    // The one check of a dry run: it plans as the job does, then prints instead of acting.
    if (dry_run) return run_dry_run(json ? PlanFormat::Json : PlanFormat::Text, lifecycle, environ);
    return run_job(lifecycle);
}

}  // namespace

int run_cli(int argc, char** argv, const Lifecycle& lifecycle) {
    const int code = run_command(argc, argv, lifecycle);
    // Bounded: a stalled reader of stderr must not keep sm-train from exiting;
    // a slow one still gets the end of the output.
    process::stdout_sink().drain(2000);
    process::stderr_sink().drain(2000);
    return code;
}

}  // namespace smtrain::launcher
