// SPDX-License-Identifier: Apache-2.0
#include "cli.hpp"

#include "supervisor.hpp"
#include "timeline.hpp"
#include "train.hpp"

#include <smtrain/error.hpp>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <map>

#ifndef SMTRAIN_VERSION
#define SMTRAIN_VERSION "0.0.0"
#endif

namespace smtrain::launcher {

int run_cli(int argc, char** argv, const SignalBlock& signals) {
    CLI::App app{
        "sm-train: runs a SageMaker training job's program as the SageMaker training toolkit does, "
        "and supervises it as PID 1.\nSageMaker starts training containers as `docker run IMAGE train`.",
        "sm-train"};
    app.set_version_flag("--version", std::string("sm-train ") + SMTRAIN_VERSION);
    TrainOptions train;
    app.add_flag("--dry-run", train.dry_run,
                 "Print the command, working directory and SM_* environment; run nothing");
    app.add_flag("--json", train.json, "With --dry-run: print JSON");
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

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : static_cast<int>(ExitCode::Usage);
    }
    if (train.json && !train.dry_run) {
        std::fputs("sm-train: --json needs --dry-run\n", stderr);
        return static_cast<int>(ExitCode::Usage);
    }

    Environ environ = current_environ();
    if (*serve_cmd) {
        std::fputs(
            "sm-train: serve is not supported: sm-train runs training jobs only (SageMaker passes `serve` "
            "to inference containers)\n",
            stderr);
        return static_cast<int>(ExitCode::Usage);
    }
    if (*env_cmd) {
        try {
            return run_env(format, environ);
        } catch (const Error& e) {
            std::fprintf(stderr, "sm-train: %s\n", e.what());
            return static_cast<int>(e.exit_code());
        }
    }

    try {
        if (!train.dry_run && !become_subreaper()) {
            std::fputs(
                "sm-train: warning: cannot become a child subreaper; orphans of the program will not be "
                "reaped by sm-train\n",
                stderr);
        }
        const int code = run_train(train, signals, environ);
        return train.dry_run ? code : log_job_timeline(code, environ);
    } catch (const Error& e) {
        if (train.dry_run) {
            std::fprintf(stderr, "sm-train: %s\n", e.what());
        } else {
            report_own_failure(e.what(), environ);
        }
        int code = static_cast<int>(e.exit_code());
        code = code == 0 ? static_cast<int>(ExitCode::Failure) : code;
        return train.dry_run ? code : log_job_timeline(code, environ);
    } catch (const std::exception& e) {
        std::string what = std::string("internal error: ") + e.what();
        if (!train.dry_run) report_own_failure(what, environ);
        const int code = static_cast<int>(ExitCode::Internal);
        return train.dry_run ? code : log_job_timeline(code, environ);
    }
}

}  // namespace smtrain::launcher
