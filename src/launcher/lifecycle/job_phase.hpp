// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The steps of a job and the one vocabulary for them: what a stop says
/// ("stopped by SIGTERM during code extraction"), the timeline's rows and the
/// progress lines (`progress: code extraction: ...`) name each step from the
/// table in job_phase.cpp, and nowhere else. The process layer keeps the stop's
/// label as an opaque string; s3 prints the label it is given.
///
/// Errors: none thrown.

#include <string_view>

namespace smtrain::process {
class StopRequest;
}

namespace smtrain::launcher {

/// In the order a job runs them.
enum class JobPhase {
    Load,            ///< the TrainingEnv from the tree and the environment
    CodeDownload,    ///< an s3:// submit directory (its extraction included: they overlap)
    CodeExtraction,  ///< a local tarball
    CodeCopy,        ///< a local directory
    Install,         ///< requirements.txt (pip), or the framework module
    HostWait,        ///< every host's name resolves
    Launch,          ///< the runner starts the program, after the other hosts for a distributed one
    Training,        ///< the program runs
    FinalSync,       ///< the last intermediate uploads
    Report,          ///< output/success or output/failure
};

/// The step's name: its timeline row and its progress lines ("code extraction").
std::string_view name_of(JobPhase phase);

/// The step as a stop reason says it, after "during" ("the wait for hosts").
/// Static storage: the process layer keeps the pointer.
const char* during(JobPhase phase);

/// Enters `phase`: a stop from now on is "stopped by <signal> during <phase>".
void enter(process::StopRequest& stop, JobPhase phase);

}  // namespace smtrain::launcher
