// SPDX-License-Identifier: Apache-2.0
#pragma once
// Internal: JobRuntime from the platform's optional config files, from the
// SM_* variables a launcher exported, and as those variables.

#include <smtrain/environ.hpp>
#include <smtrain/job_runtime.hpp>
#include <smtrain/paths.hpp>
#include <smtrain/training_env.hpp>

#include <chrono>
#include <optional>

namespace smtrain::detail {

/// Reads checkpointconfig.json, tensorboardoutputconfig.json, trainingjobconfig.json
/// and init-config.json where present. `max_runtime` (a launcher setting) wins over
/// the StoppingCondition; SM_DEADLINE in `env` (set by a launcher above us) wins
/// over now + max_runtime. Throws ConfigError naming the file and JSON path.
JobRuntime read_job_runtime(const Paths& paths, const Environ& env,
                            std::optional<std::chrono::seconds> max_runtime);

/// What the SM_CHECKPOINT_DIR, ... variables say. Throws ConfigError naming the variable.
JobRuntime job_runtime_from_environment(const Environ& env);

/// SM_CHECKPOINT_DIR, SM_CHECKPOINT_S3_URI, SM_TENSORBOARD_DIR, SM_TENSORBOARD_S3_URI,
/// SM_MAX_RUNTIME_SECONDS, SM_DEADLINE, SM_MANAGED_SPOT, SM_RUN_ATTEMPT, SM_RESUMING:
/// each only when known.
void append_job_runtime_vars(const JobRuntime& runtime, EnvVars& vars);

}  // namespace smtrain::detail
