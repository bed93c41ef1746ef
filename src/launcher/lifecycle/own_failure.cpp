// SPDX-License-Identifier: Apache-2.0
#include "launcher/lifecycle/own_failure.hpp"

#include <smtrain/error.hpp>

namespace smtrain::launcher {

int own_exit_code(int code) { return code == 0 ? static_cast<int>(ExitCode::Failure) : code; }

OwnFailure OwnFailure::of(const std::exception& e) {
    if (const auto* error = dynamic_cast<const Error*>(&e)) {
        return {error->what(), own_exit_code(static_cast<int>(error->exit_code()))};
    }
    return {std::string("internal error: ") + e.what(), static_cast<int>(ExitCode::Internal)};
}

}  // namespace smtrain::launcher
