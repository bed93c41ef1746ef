// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// `JobRuntime`: where the job keeps checkpoints and TensorBoard logs, when it
/// must end, and whether this run resumes an earlier one.
///
/// SageMaker tells a container these things only through optional files in
/// /opt/ml/input/config (none of which the SageMaker docs promise, so a missing
/// file is never an error):
///  - checkpointconfig.json      `{"LocalPath": "/opt/ml/checkpoints", "S3Uri": "s3://..."}`
///                               when the job has a CheckpointConfig;
///  - tensorboardoutputconfig.json `{"LocalPath": ..., "S3OutputPath": ...}`;
///  - trainingjobconfig.json     the CreateTrainingJob request: `StoppingCondition
///                               {MaxRuntimeInSeconds, MaxWaitTimeInSeconds}`,
///                               `EnableManagedSpotTraining`, `CheckpointConfig`,
///                               `TensorBoardOutputConfig`;
///  - init-config.json           `jobRunInfo {jobRunNumber}` (1 on the first run).
/// A file that is there but malformed is a ConfigError naming the file and the
/// JSON path, as for the other config files.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace smtrain {

struct JobRuntime {
    /// checkpointconfig.json's LocalPath (else trainingjobconfig.json's
    /// CheckpointConfig.LocalPath), else <base>/checkpoints when that directory exists.
    std::optional<std::filesystem::path> checkpoint_dir;
    /// Where SageMaker syncs checkpoint_dir (CheckpointConfig.S3Uri), when a file says.
    std::optional<std::string> checkpoint_s3_uri;
    /// tensorboardoutputconfig.json's LocalPath (default /opt/ml/output/tensorboard
    /// when the file names only the S3 path), and its S3OutputPath.
    std::optional<std::filesystem::path> tensorboard_dir;
    std::optional<std::string> tensorboard_s3_uri;
    /// StoppingCondition.MaxRuntimeInSeconds, or the launcher's SMTRAIN_MAX_RUNTIME_S.
    std::optional<std::chrono::seconds> max_runtime;
    /// When the platform stops the job: SM_DEADLINE when the launcher set it, else
    /// the time of loading + max_runtime. sm-train cannot see when the platform's
    /// clock started, so this is a bound from above: warn with a margin.
    std::optional<std::chrono::system_clock::time_point> deadline;
    /// EnableManagedSpotTraining, when trainingjobconfig.json says.
    std::optional<bool> managed_spot;
    /// init-config.json's jobRunInfo.jobRunNumber: 1 on the first run, 2 after
    /// one restart (spot interruption), ...; nullopt when the platform does not say.
    std::optional<std::int64_t> attempt;
    /// Whether checkpoint_dir held anything when the job was loaded: a restarted
    /// spot job finds the checkpoints SageMaker restored there.
    bool resuming = false;
};

}  // namespace smtrain
