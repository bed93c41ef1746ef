// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// sm-train's own settings: every SMTRAIN_* variable (and the few others that
/// steer sm-train rather than the program), read once, at the start of the job.
///
/// The steps of the job receive a Settings; none of them looks a variable up.
///
/// Errors: Settings::from_environment throws ConfigError naming the variable
/// and the bad value (exit 65); nothing else throws.

#include "dns_wait.hpp"
#include "intermediate_output.hpp"

#include <smtrain/environ.hpp>

#include <chrono>
#include <filesystem>
#include <string>

namespace smtrain::launcher {

struct Settings {
    /// SMTRAIN_GRACE_PERIOD_S (default 110): how long a program (or pip) may take
    /// to exit after a forwarded stop signal before its process group is killed.
    std::chrono::milliseconds grace_period = std::chrono::seconds(110);
    /// SMTRAIN_DNS_WAIT_TIMEOUT_S, SMTRAIN_DNS_WAIT_MAX_DELAY_S.
    DnsWaitOptions dns_wait;
    /// SMTRAIN_SYNC_WAIT_S, SMTRAIN_SYNC_STOP_WAIT_S.
    SyncWaitBounds sync_wait;
    /// SM_STUDIO_LOCAL_MODE=true (any case): no wait for host names.
    bool studio_local_mode = false;
    /// CA_REPOSITORY_ARN: pip reads requirements.txt from this CodeArtifact repository.
    std::string codeartifact_repository_arn;
    /// TMPDIR (default /tmp): where oversized variables are moved to files.
    std::filesystem::path temp_dir = "/tmp";

    /// Reads every setting from `environ`. Throws ConfigError naming the variable.
    static Settings from_environment(const Environ& environ);
};

/// `environ` with a relative SAGEMAKER_BASE_DIR made absolute against the
/// current directory, once, before anything changes directory (the program
/// runs in the code dir, where the relative path means something else).
Environ with_absolute_base_dir(Environ environ);

}  // namespace smtrain::launcher
