// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The intermediate output sync (`sagemaker_s3_output`) in sm-train's run: the
/// toolkit's `intermediate_output.start_sync` before the program starts, and
/// its last pass before the success/failure report, with a bounded wait so the
/// report is on disk before SageMaker's SIGKILL.

#include "process/stop.hpp"
#include "s3/intermediate_sync.hpp"

#include <smtrain/environ.hpp>
#include <smtrain/training_env.hpp>

#include <chrono>
#include <memory>
#include <optional>

namespace smtrain::launcher {

/// How long the final wait for uploads may last.
struct SyncWaitBounds {
    /// After the program ends: SMTRAIN_SYNC_WAIT_S (default 600 s).
    std::chrono::milliseconds after_end = std::chrono::seconds(600);
    /// After the first stop signal (SIGTERM, SIGINT, SIGHUP, SIGQUIT), the wait
    /// ends at the latest this long after it: SMTRAIN_SYNC_STOP_WAIT_S (default
    /// 115 s, 5 s before SageMaker's own SIGKILL at 120 s).
    std::chrono::milliseconds after_stop = std::chrono::seconds(115);
};

class IntermediateOutput {
public:
    using Clock = std::chrono::steady_clock;

    /// Starts the sync when `sagemaker_s3_output` asks for it, following the
    /// toolkit's rules (see s3::IntermediateSync::start), with the region
    /// (AWS_REGION, then SAGEMAKER_REGION as the program sees it), S3_ENDPOINT_URL
    /// and TRAINING_JOB_NAME from `variables`, and up to `s3_max_concurrency`
    /// uploads in flight. Throws smtrain::Error when it cannot start (bad URL
    /// scheme, no libcurl, no inotify). finish() ends its wait early once
    /// `stop` is requested (see SyncWaitBounds::after_stop).
    IntermediateOutput(const TrainingEnv& env, const Environ& variables, const SyncWaitBounds& bounds,
                       unsigned s3_max_concurrency, const process::StopRequest& stop);
    IntermediateOutput(const IntermediateOutput&) = delete;
    IntermediateOutput& operator=(const IntermediateOutput&) = delete;
    /// Finishes (bounded, failures logged) when finish() was not called: an
    /// sm-train error after the start still uploads what was written.
    ~IntermediateOutput();

    bool active() const { return sync_ != nullptr; }

    /// The last pass and the bounded wait for the uploads: at most
    /// `bounds.after_end`, and at most `bounds.after_stop` after the job's first
    /// stop signal, whenever it came (before or during the wait). Logs the
    /// outcome and every file not uploaded. Empty summary when not active or
    /// finished; later calls do nothing.
    s3::SyncSummary finish();

    /// One line for output/failure: "intermediate output sync: N file(s) not
    /// uploaded: <file>: <error>; ..." with at most the first three files.
    static std::string failure_line(const s3::SyncSummary& summary);

private:
    SyncWaitBounds bounds_;
    const process::StopRequest& stop_;
    std::unique_ptr<s3::IntermediateSync> sync_;
};

}  // namespace smtrain::launcher
