// SPDX-License-Identifier: Apache-2.0
#include "launcher/lifecycle/intermediate_output.hpp"

#include "launcher/lifecycle/timeline.hpp"

#include "process/signals.hpp"

#include <smtrain/error.hpp>

#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

namespace smtrain::launcher {
namespace {

/// The variables the S3 client reads, as the toolkit's start_sync sees them:
/// its Environment() has just set SAGEMAKER_REGION to the sagemaker_region
/// hyperparameter (or the default region), which the region lookup then
/// takes after AWS_REGION. That is also the SAGEMAKER_REGION the program gets.
Environ client_environment(const TrainingEnv& env, const Environ& variables) {
    Environ vars = variables;
    if (env.region().empty()) {
        vars.erase("SAGEMAKER_REGION");
    } else {
        vars["SAGEMAKER_REGION"] = env.region();
    }
    return vars;
}

}  // namespace

IntermediateOutput::IntermediateOutput(const TrainingEnv& env, const Environ& variables,
                                       const SyncWaitBounds& bounds, unsigned s3_max_concurrency,
                                       const process::StopRequest& stop)
    : bounds_(bounds), stop_(stop) {
    const std::optional<std::string> url = env.sagemaker_s3_output();
    if (!url || url->empty()) return;
    s3::IntermediateSyncOptions options;
    options.intermediate_dir = env.paths().output_intermediate;
    options.s3_output_url = *url;
    options.job_name = lookup(variables, "TRAINING_JOB_NAME").value_or("");
    options.client = s3::ClientConfig::from_environment(client_environment(env, variables));
    options.client.max_concurrency = s3_max_concurrency;
    auto sync = std::make_unique<s3::IntermediateSync>();
    if (!sync->start(options)) {
        spdlog::debug("Intermediate output sync not started ({} exists, or sagemaker_s3_output is file://)",
                      options.intermediate_dir.string());
        return;
    }
    sync->on_progress([](const std::string& line) { spdlog::info("{}", line); });
    spdlog::info("Syncing {} to {} (region {}{})", options.intermediate_dir.string(), *url,
                 options.client.region,
                 options.client.endpoint_url.empty() ? "" : ", endpoint " + options.client.endpoint_url);
    sync_ = std::move(sync);
}

IntermediateOutput::~IntermediateOutput() {
    try {
        finish();
    } catch (...) {
        // finish() reports through its summary and the log; nothing to add here.
    }
}

s3::SyncSummary IntermediateOutput::finish() {
    if (!sync_) return {};
    auto phase = Timeline::job().phase(JobPhase::FinalSync);
    const Clock::time_point end_deadline = Clock::now() + bounds_.after_end;
    const bool stopped_before = stop_.requested();
    bool warned = false;
    auto deadline = [&] {
        const std::optional<Clock::time_point> stop = stop_.at();
        if (stop && !stopped_before && !warned) {
            warned = true;
            spdlog::warn("{} during the final intermediate output sync: waiting at most {:g} s more",
                         process::signal_name(stop_.signal()),
                         static_cast<double>(bounds_.after_stop.count()) / 1000.0);
        }
        return stop ? std::min(end_deadline, *stop + bounds_.after_stop) : end_deadline;
    };
    spdlog::info("Finishing the intermediate output sync");
    s3::SyncSummary summary = sync_->finish(deadline);
    sync_.reset();
    if (summary.ok()) {
        spdlog::info("Intermediate output sync: {} file(s) uploaded", summary.uploaded);
    } else {
        spdlog::error("Intermediate output sync: {} file(s) uploaded, {} not uploaded", summary.uploaded,
                      summary.failures.size());
        for (const s3::SyncFailure& failure : summary.failures) {
            spdlog::error("Not uploaded: {}: {}", failure.file, failure.error);
        }
    }
    return summary;
}

std::string IntermediateOutput::failure_line(const s3::SyncSummary& summary) {
    constexpr std::size_t kShown = 3;  // SageMaker keeps only the first 1024 characters anyway
    std::string line =
        "intermediate output sync: " + std::to_string(summary.failures.size()) + " file(s) not uploaded: ";
    for (std::size_t i = 0; i < summary.failures.size() && i < kShown; ++i) {
        if (i) line += "; ";
        line += summary.failures[i].file + ": " + summary.failures[i].error;
    }
    if (summary.failures.size() > kShown) {
        line += "; and " + std::to_string(summary.failures.size() - kShown) + " more (see the log)";
    }
    for (char& c : line) {
        if (c == '\n' || c == '\r') c = ' ';
    }
    return line;
}

}  // namespace smtrain::launcher
