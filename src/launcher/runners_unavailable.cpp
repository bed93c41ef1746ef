// SPDX-License-Identifier: Apache-2.0
// Built only when src/runners/ is absent: the distributed runners are not part of this build.
#include "runner.hpp"

#include <smtrain/error.hpp>

namespace smtrain::launcher {

std::unique_ptr<Runner> make_distributed_runner(RunnerKind kind, const TrainingEnv&) {
    throw Error("the " + std::string(to_string(kind)) +
                    " runner is not built into this sm-train yet; only plain processes can be run",
                ExitCode::Internal);
}

}  // namespace smtrain::launcher
