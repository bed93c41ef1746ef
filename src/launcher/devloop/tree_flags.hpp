// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The flags of `sm-train init` and `sm-train local` that describe a job, and
/// writing the /opt/ml tree they describe (src/lib/tree_writer.hpp does the files).
///
/// Errors (the lifecycle's convention: a step throws smtrain::Error carrying its
/// ExitCode for a failure of sm-train's own; run_train's steps turn every
/// exception into the one Outcome that report() writes): Error(Usage)
/// naming the flag at fault, Error(CannotWrite) for the tree.

#include "lib/tree_writer.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

// Declared, not included: CLI11's header gives every file that includes it
// its own static validators and iostream set-up, built at every start of
// sm-train (the flags are added only in the .cpp files).
namespace CLI {
class App;
}

namespace smtrain::launcher {

/// The flags as given; tree_spec() reads and checks them.
struct TreeFlags {
    std::vector<std::string> hps;                  ///< --hp NAME=VALUE
    std::string hps_file;                          ///< --hps FILE.json
    std::vector<std::string> channels;             ///< --channel NAME=PATH
    bool link = false;                             ///< --link
    std::string entry_point;                       ///< --entry-point
    std::string source_dir;                        ///< --source-dir DIR or FILE.tar.gz
    std::string instance_type;                     ///< --instance-type
    std::optional<int> host_count;                 ///< --hosts N
    std::vector<std::string> host_names;           ///< --host NAME
    std::string current_host;                      ///< --current-host
    std::vector<std::string> instance_groups;      ///< --instance-group NAME:TYPE:COUNT
    std::string distribution;                      ///< --distribution
    std::optional<int> processes_per_host;         ///< --processes-per-host
    std::string custom_mpi_options;                ///< --custom-mpi-options
    std::vector<std::string> distribution_groups;  ///< --distribution-group
    std::string job_name;                          ///< --job-name
    std::string region;                            ///< --region
    std::string network_interface;                 ///< --network-interface
};

/// Adds the flags above to a subcommand.
void add_tree_flags(CLI::App& command, TreeFlags& flags);

/// A job description and the files to put into its tree.
struct TreePlan {
    detail::TreeSpec spec;
    struct Placement {
        std::filesystem::path source;
        std::filesystem::path relative_dest;  ///< under the tree's base
        bool link = false;
    };
    std::vector<Placement> placements;
};

/// Reads the flags into a plan for a tree that will live at `base` (absolute paths
/// in it, sagemaker_submit_directory, point there). Throws Error(ExitCode::Usage)
/// with one line that starts with the flag at fault ("--channel train=x: x: no such
/// file or directory").
TreePlan tree_plan(const TreeFlags& flags, const std::filesystem::path& base);

/// Writes the plan's tree at `base`: into a temporary directory beside it first,
/// renamed into place when complete, so that a failure leaves nothing behind. An
/// existing `base` (an empty directory, or anything with `replace`) is replaced
/// only then. Throws Error(CannotWrite), or Error(Usage) from a placement.
void write_tree(const TreePlan& plan, const std::filesystem::path& base, bool replace = false);

}  // namespace smtrain::launcher
