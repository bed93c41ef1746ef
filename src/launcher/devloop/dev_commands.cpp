// SPDX-License-Identifier: Apache-2.0
#include "launcher/devloop/dev_commands.hpp"

#include "launcher/devloop/init_command.hpp"
#include "launcher/devloop/local_command.hpp"

#include <CLI/CLI.hpp>

namespace smtrain::launcher {

struct DevCommands::State {
    CLI::App* init = nullptr;
    CLI::App* local = nullptr;
    InitOptions init_options;
    LocalOptions local_options;
};

namespace {

void add_init_flags(CLI::App& init, InitOptions& options) {
    init.add_option("DIR", options.dir, "The tree's directory (SAGEMAKER_BASE_DIR)")->required();
    init.add_flag("--force", options.force, "Replace DIR when it is not empty");
    add_tree_flags(init, options.tree);
}

void add_local_flags(CLI::App& local, LocalOptions& options) {
    local.add_flag("--keep", options.keep, "Keep the tree after a success too (always after a failure)");
    local.add_option("--output", options.output, "Copy model/ and output/ into DIR")->type_name("DIR");
    local
        .add_option("--interrupt-after", options.interrupt_after,
                    "Interrupt the job as a spot interruption does (SIGTERM, SIGKILL after "
                    "SMTRAIN_STOP_WINDOW_S) after DURATION (30s, 500ms, 2m), then run it again with "
                    "its checkpoints, and compare the model with an uninterrupted run's")
        ->type_name("DURATION");
    local
        .add_option("--interruptions", options.interruptions,
                    "With --interrupt-after: interrupt K times (default 1)")
        ->type_name("K")
        ->check(CLI::PositiveNumber);
    local.add_option("args", options.args, "After --: --name value hyperparameters");
    add_tree_flags(local, options.tree);
}

}  // namespace

DevCommands::DevCommands(CLI::App& app) : state_(std::make_unique<State>()) {
    State& s = *state_;
    // The subcommands are named now (`sm-train --help` lists them); their
    // flags, about a third of sm-train's own instructions at the start of a job
    // (CLI11 builds each option's names, validators and help), are added only
    // once the command line names the subcommand: CLI11 calls the preparse
    // callback before it reads the subcommand's first argument.
    s.init =
        app.add_subcommand("init", "Write a job's /opt/ml tree into DIR, as SageMaker and the SDK would");
    s.init->preparse_callback([&s](std::size_t) { add_init_flags(*s.init, s.init_options); });
    s.local = app.add_subcommand(
        "local",
        "Run the job now in a throwaway tree (init's flags; after --: more hyperparameters, --name value)");
    s.local->preparse_callback([&s](std::size_t) { add_local_flags(*s.local, s.local_options); });
}

DevCommands::~DevCommands() = default;

std::string_view DevCommands::chosen() const {
    if (*state_->init) return "init";
    return *state_->local ? "local" : "";
}

std::optional<int> DevCommands::run(const Lifecycle& lifecycle, const Environ& environ) const {
    const State& s = *state_;
    if (*s.init) return run_init(s.init_options);
    if (*s.local) return run_local(s.local_options, lifecycle, environ);
    return std::nullopt;
}

}  // namespace smtrain::launcher
