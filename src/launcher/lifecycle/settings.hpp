// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// sm-train's own settings: every SMTRAIN_* variable (and the few others that
/// steer sm-train rather than the program), read once, at the start of the job.
///
/// The steps of the job receive a Settings, and the layers below get plain
/// values from it; none of them looks an SMTRAIN_* variable up. (The S3 layer
/// reads AWS_* and S3_ENDPOINT_URL itself: that is the AWS SDKs' contract.)
///
/// Errors: Settings::from_environment throws ConfigError naming the variable
/// and the bad value (exit 65); nothing else throws.

#include "launcher/lifecycle/deadline_warning.hpp"
#include "launcher/lifecycle/dns_wait.hpp"
#include "launcher/lifecycle/intermediate_output.hpp"
#include "launcher/lifecycle/timeline.hpp"
#include "process/watchdog.hpp"
#include "runners/mpi_cluster.hpp"

#include <smtrain/environ.hpp>
#include <smtrain/program_args.hpp>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace smtrain::launcher {

struct Settings {
    /// SMTRAIN_GRACE_PERIOD_S (default 110): how long a program (or pip) may take
    /// to exit after a forwarded stop signal before its process group is killed.
    std::chrono::milliseconds grace_period = std::chrono::seconds(110);
    /// SMTRAIN_DNS_WAIT_TIMEOUT_S (default 900), SMTRAIN_DNS_WAIT_MAX_DELAY_S (default 30).
    DnsWaitOptions dns_wait;
    /// SMTRAIN_SYNC_WAIT_S (default 600), SMTRAIN_SYNC_STOP_WAIT_S (default 115).
    SyncWaitBounds sync_wait;
    /// SMTRAIN_PYTHON (default empty: `python3`, then `python` on PATH): the
    /// interpreter of Python entry points, a path or a name looked up on PATH.
    /// Any text is a valid setting: whether it names an executable is found
    /// out when an interpreter is needed (find_python, exit 127).
    std::string python;
    /// SMTRAIN_SSHD (default /usr/sbin/sshd) in mpi.sshd, for images that keep
    /// sshd elsewhere; an absolute path (sshd refuses to start from a relative
    /// one). The rest of `mpi` keeps its defaults.
    runners::MpiClusterSettings mpi;
    /// SMTRAIN_S3_MAX_CONCURRENCY (default 10, aws-cli's max_concurrent_requests):
    /// S3 requests in flight together, a whole number from 1 to 1000.
    unsigned s3_max_concurrency = 10;
    /// SMTRAIN_TIMELINE (default text; also when empty): the end-of-job block
    /// as text, as JSON, or off.
    TimelineFormat timeline = TimelineFormat::Text;
    /// SMTRAIN_ARGS (default argparse, the toolkit's `--key value`): how
    /// hyperparameters become the program's arguments (program_args.hpp).
    ArgumentStyle arguments;
    /// SMTRAIN_DIAGNOSTICS: a failed program leaves output/data/sm-train-diagnostics.json (diagnostics.hpp).
    bool diagnostics = true;
    /// SM_STUDIO_LOCAL_MODE=true (any case): no wait for host names.
    bool studio_local_mode = false;
    /// CA_REPOSITORY_ARN: pip reads requirements.txt from this CodeArtifact repository.
    std::string codeartifact_repository_arn;
    /// TMPDIR (default /tmp): where oversized variables are moved to files.
    std::filesystem::path temp_dir = "/tmp";
    /// SMTRAIN_SDK_V3_VARIABLES (default false): a v2-style job's program also
    /// gets the SDK v3's variable names it lacks (SM_ENTRY_SCRIPT, SM_SOURCE_DIR,
    /// SM_HP_MODEL_LR for `model.lr`, ...; sdk_v3_job.hpp).
    bool sdk_v3_variables = false;

    // Deadlines and interruptions (docs/checkpoints.md).
    /// SMTRAIN_DEADLINE_SIGNAL (default empty: no warning) and SMTRAIN_DEADLINE_WARNING_S
    /// (default 600): the signal sent to the program that long before the deadline.
    DeadlineWarningSettings deadline_warning;
    /// SMTRAIN_MAX_RUNTIME_S (default empty: trainingjobconfig.json's MaxRuntimeInSeconds).
    std::optional<std::chrono::seconds> max_runtime;
    /// SMTRAIN_STOP_WINDOW_S (default 120, SageMaker's): `local --interrupt-after`'s
    /// time from its SIGTERM to its SIGKILL.
    std::chrono::milliseconds stop_window = std::chrono::seconds(120);

    /// The hang watchdog (docs/reliability.md, "Hang watchdog"), off by default:
    /// SMTRAIN_HANG_START_S, SMTRAIN_HANG_PROGRESS_S (default empty: off),
    /// SMTRAIN_HANG_PATTERN, SMTRAIN_HANG_HEARTBEAT_FILE (default empty).
    process::WatchdogSettings hang_watchdog;

    /// Reads every setting from `environ`. Throws ConfigError naming the variable.
    static Settings from_environment(const Environ& environ);
};

/// SMTRAIN_TIMELINE alone, for the end-of-job block of a job whose Settings
/// could not be read (Settings::from_environment threw): the block is logged
/// on every ending, that one's too, in the format asked for. A bad
/// SMTRAIN_TIMELINE gives Text (the job's failure already names it). Never throws.
TimelineFormat timeline_format_without_settings(const Environ& environ) noexcept;

/// `environ` with a relative SAGEMAKER_BASE_DIR made absolute against the
/// current directory, once, before anything changes directory (the program
/// runs in the code dir, where the relative path means something else).
Environ with_absolute_base_dir(Environ environ);

}  // namespace smtrain::launcher
