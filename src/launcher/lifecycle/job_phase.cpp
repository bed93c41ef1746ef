// SPDX-License-Identifier: Apache-2.0
#include "launcher/lifecycle/job_phase.hpp"

#include "process/stop.hpp"

namespace smtrain::launcher {
namespace {

struct Words {
    std::string_view name;
    const char* during;
};

// The stop reasons are the toolkit-era wording users and tests already match
// ("stopped by SIGTERM during code download"); the names are what the timeline
// and the progress lines print.
constexpr Words words(JobPhase phase) {
    switch (phase) {
        case JobPhase::Load:
            return {"load", "loading the configuration"};
        case JobPhase::CodeDownload:
            return {"code download", "code download"};
        case JobPhase::CodeExtraction:
            return {"code extraction", "code extraction"};
        case JobPhase::CodeCopy:
            return {"code copy", "the copy of the code"};
        case JobPhase::Install:
            return {"requirements install", "install"};
        case JobPhase::HostWait:
            return {"wait for hosts", "the wait for hosts"};
        case JobPhase::Launch:
            return {"launch", "the launch of the program (waiting for the other hosts)"};
        case JobPhase::Training:
            return {"program", "training"};
        case JobPhase::FinalSync:
            return {"final sync", "the final intermediate output sync"};
        case JobPhase::Report:
            return {"report", "the report"};
    }
    return {"job", "the job"};
}

}  // namespace

std::string_view name_of(JobPhase phase) { return words(phase).name; }

const char* during(JobPhase phase) { return words(phase).during; }

void enter(process::StopRequest& stop, JobPhase phase) { stop.enter(during(phase)); }

}  // namespace smtrain::launcher
