// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The development loop's subcommands: `sm-train init DIR` writes a job's
/// /opt/ml tree from flags; `sm-train local` writes a throwaway one and runs the
/// job in it (docs/testing.md).
///
/// Errors (the lifecycle's convention: a step throws smtrain::Error carrying its
/// ExitCode for a failure of sm-train's own; run_train's steps turn every
/// exception into the one Outcome that report() writes): Error(Usage) for a bad flag, as each function says.

#include "launcher/lifecycle/train.hpp"

#include <smtrain/environ.hpp>

#include <memory>
#include <optional>
#include <string_view>

// Declared, not included: CLI11's header gives every file that includes it
// its own static validators and iostream set-up, built at every start of
// sm-train (the flags are added only in the .cpp files).
namespace CLI {
class App;
}

namespace smtrain::launcher {

class DevCommands {
public:
    /// Adds `init` and `local` to sm-train's command line.
    explicit DevCommands(CLI::App& app);
    ~DevCommands();
    DevCommands(const DevCommands&) = delete;
    DevCommands& operator=(const DevCommands&) = delete;

    /// After parsing: "init" or "local", the command the command line chose, or "".
    std::string_view chosen() const;

    /// After parsing: the exit code of `init` or `local` when one was chosen,
    /// nullopt otherwise. Throws what they throw (Error(Usage) for a bad flag):
    /// run_cli says it as every command's own failure.
    std::optional<int> run(const Lifecycle& lifecycle, const Environ& environ) const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace smtrain::launcher
