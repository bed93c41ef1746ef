// SPDX-License-Identifier: Apache-2.0
#include "dev_commands.hpp"

#include "console.hpp"
#include "own_failure.hpp"

#include "init_command.hpp"
#include "local_command.hpp"

#include <smtrain/error.hpp>

#include <cstdio>

namespace smtrain::launcher {

struct DevCommands::State {
    CLI::App* init = nullptr;
    CLI::App* local = nullptr;
    InitOptions init_options;
    LocalOptions local_options;
};

DevCommands::DevCommands(CLI::App& app) : state_(std::make_unique<State>()) {
    State& s = *state_;
    s.init =
        app.add_subcommand("init", "Write a job's /opt/ml tree into DIR, as SageMaker and the SDK would");
    s.init->add_option("DIR", s.init_options.dir, "The tree's directory (SAGEMAKER_BASE_DIR)")->required();
    s.init->add_flag("--force", s.init_options.force, "Replace DIR when it is not empty");
    add_tree_flags(*s.init, s.init_options.tree);

    s.local = app.add_subcommand(
        "local",
        "Run the job now in a throwaway tree (init's flags; after --: more hyperparameters, --name value)");
    s.local->add_flag("--keep", s.local_options.keep,
                      "Keep the tree after a success too (always after a failure)");
    s.local->add_option("--output", s.local_options.output, "Copy model/ and output/ into DIR")
        ->type_name("DIR");
    s.local
        ->add_option("--interrupt-after", s.local_options.interrupt_after,
                     "Interrupt the job as a spot interruption does (SIGTERM, SIGKILL after "
                     "SMTRAIN_STOP_WINDOW_S) after DURATION (30s, 500ms, 2m), then run it again with "
                     "its checkpoints, and compare the model with an uninterrupted run's")
        ->type_name("DURATION");
    s.local
        ->add_option("--interruptions", s.local_options.interruptions,
                     "With --interrupt-after: interrupt K times (default 1)")
        ->type_name("K")
        ->check(CLI::PositiveNumber);
    s.local->add_option("args", s.local_options.args, "After --: --name value hyperparameters");
    add_tree_flags(*s.local, s.local_options.tree);
}

DevCommands::~DevCommands() = default;

std::optional<int> DevCommands::run(const Lifecycle& lifecycle, const Environ& environ) const {
    const State& s = *state_;
    if (!*s.init && !*s.local) return std::nullopt;
    try {
        if (*s.init) return run_init(s.init_options);
        return run_local(s.local_options, lifecycle, environ);
    } catch (const std::exception& e) {
        const OwnFailure failure = OwnFailure::of(e);
        say(std::string("sm-train ") + (*s.init ? "init" : "local") + ": " + failure.message);
        return failure.exit_code;
    }
}

}  // namespace smtrain::launcher
