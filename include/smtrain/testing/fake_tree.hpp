// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// `smtrain::testing::FakeTree`: a SageMaker /opt/ml tree in a temporary
/// directory, for unit tests of a training program (target `smtrain::testing`).
///
/// The files are written as the SageMaker service and the Python SDK write them
/// (each hyperparameter JSON-encoded, `"epochs": "3"`), after every builder call,
/// so the tree on disk always matches what was asked for:
/// \code
///   #include <smtrain/testing/fake_tree.hpp>
///
///   smtrain::testing::FakeTree tree;
///   tree.hyperparameter("epochs", 3)
///       .hyperparameter("optimizer", "adam")
///       .channel_file("train", "data.csv", "x,y\n1,0\n")
///       .hosts(2)
///       .current_host("algo-2");
///   smtrain::TrainingEnv env = tree.load();           // as TrainingEnv::load() in the job
///   auto from_env = smtrain::TrainingEnv::from_environment(tree.environ());  // as under a launcher
/// \endcode
/// The directory goes, with everything in it, when the FakeTree does. No test
/// framework is needed: use it with GoogleTest, Catch2, doctest or plain asserts.

#include <smtrain/environ.hpp>
#include <smtrain/machine.hpp>
#include <smtrain/paths.hpp>
#include <smtrain/training_env.hpp>
#include <smtrain/value.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtrain::testing {

class FakeTree {
public:
    /// A one-host job: host algo-1, instance type "local", interface eth0, no
    /// hyperparameters, no channels, in a fresh directory under $TMPDIR (or /tmp).
    /// Throws Error(ExitCode::CannotWrite) when the directory cannot be made.
    FakeTree();
    /// Removes the directory and everything in it (errors ignored).
    ~FakeTree();
    FakeTree(FakeTree&&) noexcept;
    FakeTree& operator=(FakeTree&&) noexcept;
    FakeTree(const FakeTree&) = delete;
    FakeTree& operator=(const FakeTree&) = delete;

    // Every builder below rewrites the config files and returns *this. Those that
    // describe the cluster or distribution throw Error(ExitCode::Usage) with one line
    // when the job they describe is inconsistent (current host not among the hosts,
    // a host count that does not match the instance groups, an unknown distribution);
    // file writes throw Error(ExitCode::CannotWrite).

    // ---- hyperparameters -------------------------------------------------
    /// A hyperparameter as an estimator's hyperparameters={...} gives it: written
    /// json.dumps-encoded (3 -> "3", true -> "true", "a b" -> "\"a b\"").
    FakeTree& hyperparameter(const std::string& name, const Value& value);
    /// A hyperparameter exactly as hyperparameters.json is to hold it, for the
    /// encodings of other clients ("True" from a plain Estimator's str()).
    FakeTree& raw_hyperparameter(const std::string& name, std::string text);

    // ---- SageMaker parameters -------------------------------------------
    /// sagemaker_program (the entry point); script mode also writes
    /// sagemaker_container_log_level 20 with it.
    FakeTree& program(const std::string& entry_point);
    /// sagemaker_submit_directory: a local directory or tarball, or an s3:// URL.
    FakeTree& submit_directory(const std::string& where);
    /// sagemaker_job_name, and TRAINING_JOB_NAME (which the service sets) for load() and environ().
    FakeTree& job_name(const std::string& name);
    FakeTree& region(const std::string& region);  ///< sagemaker_region
    /// The hyperparameters an estimator's distribution= writes: "torch_distributed",
    /// "mpi", "smdistributed", "pytorchddp", "pytorchxla", "parameter_server",
    /// "multi_worker_mirrored_strategy".
    FakeTree& distribution(const std::string& name);
    FakeTree& processes_per_host(int count);                   ///< mpi's processes_per_host
    FakeTree& custom_mpi_options(const std::string& options);  ///< mpi's and smdistributed's
    /// Heterogeneous clusters: the instance groups that take part in distribution.
    FakeTree& distribution_instance_groups(std::vector<std::string> groups);

    // ---- channels and code ----------------------------------------------
    /// Declares a channel (input/data/<name>, an inputdataconfig.json entry).
    FakeTree& channel(const std::string& name, const std::string& content_type = "");
    /// Writes input/data/<channel>/<relative> (parents created); declares the channel when new.
    FakeTree& channel_file(const std::string& channel, const std::filesystem::path& relative,
                           std::string_view content);
    /// Fills a channel from a file or directory (copied, or linked with `link`).
    /// Error(ExitCode::Usage) when `source` does not exist.
    FakeTree& channel_from(const std::string& channel, const std::filesystem::path& source,
                           bool link = false);
    /// Writes code/<relative> (the program's files); `executable`: mode 0755.
    FakeTree& code_file(const std::filesystem::path& relative, std::string_view content,
                        bool executable = false);

    // ---- cluster ----------------------------------------------------------
    /// algo-1 .. algo-<count>.
    FakeTree& hosts(int count);
    FakeTree& hosts(std::vector<std::string> names);
    /// Default: the first host.
    FakeTree& current_host(const std::string& name);
    /// The instance type of the one group of a homogeneous cluster (default "local").
    FakeTree& instance_type(const std::string& type);
    /// Adds an instance group of `count` hosts (heterogeneous when there are several).
    /// Without hosts(), the hosts are algo-1 .. algo-N over the groups in order; to name
    /// them, call hosts(names) after the groups (each call must leave a consistent job).
    FakeTree& instance_group(const std::string& name, const std::string& instance_type, int count);
    FakeTree& network_interface(const std::string& name);  ///< default eth0
    /// Machine facts for load() and environ() (default: one CPU, no GPU), so that
    /// SM_NUM_CPUS and the like do not depend on the machine the test runs on.
    FakeTree& machine(const MachineFacts& facts);

    // ---- results ------------------------------------------------------------
    /// The tree's root, what SAGEMAKER_BASE_DIR is set to.
    const std::filesystem::path& base() const;
    const Paths& paths() const;
    /// TrainingEnv::load() on this tree (SAGEMAKER_BASE_DIR set to base(), nothing
    /// else from the process environment). Throws what load() throws.
    TrainingEnv load() const;
    /// The variables a launcher exports to the program: the SM_* variables,
    /// SM_TRAINING_ENV included, and the toolkit's SAGEMAKER_JOB_NAME, CURRENT_HOST
    /// and SAGEMAKER_REGION. For TrainingEnv::from_environment.
    Environ environ() const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace smtrain::testing
