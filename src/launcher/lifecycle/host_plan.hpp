// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// What this host would run, as data: the plan run_train's steps make before
/// anything of the job acts, handed out by plan_only() (train.hpp) for a caller
/// to show (`sm-train --dry-run`, src/launcher/cli/dry_run.hpp).
///
/// Errors: none; plain values.

#include "launcher/lifecycle/entry_point.hpp"
#include "process/command.hpp"
#include "runners/plan.hpp"

#include <smtrain/program_args.hpp>
#include <smtrain/training_env.hpp>

#include <filesystem>
#include <optional>
#include <string>

namespace smtrain::launcher {

/// The program, its runner, command, working directory and environment on this
/// host, with the two settings that change how they are shown. A copy: the
/// job's own plan refers to the job and ends with it.
struct HostPlan {
    runners::RunnerKind runner = runners::RunnerKind::Process;
    std::string entry_point;  ///< the module's name for a Python module
    runners::EntryKind kind = runners::EntryKind::Command;
    std::optional<InstallStep> install;  ///< pip's step, when the code asks for one
    process::Command command;            ///< what the runner starts on this host
    std::filesystem::path cwd;           ///< the program's working directory (the code dir)
    /// Every variable the program gets on top of sm-train's own environment:
    /// what sm-train exports, the driver's and the runner's included.
    EnvVars variables;
    ArgumentStyle arguments;  ///< Settings::arguments (SMTRAIN_ARGS)
    /// CA_REPOSITORY_ARN is set: the install step will read requirements.txt
    /// from that CodeArtifact repository, whose index is asked for only then.
    bool codeartifact_index = false;
};

}  // namespace smtrain::launcher
