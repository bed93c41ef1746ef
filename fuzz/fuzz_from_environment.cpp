// SPDX-License-Identifier: Apache-2.0
// Fuzzes TrainingEnv::from_environment: the input is SM_TRAINING_ENV; anything after
// a first NUL byte is further NAME=value lines (SAGEMAKER_BASE_DIR, SM_HP_MP_PARAMETERS,
// SAGEMAKER_REGION, ...), separated by NUL.
#include "fuzz_tree.hpp"

#include <smtrain/error.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace smtrain;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    // PATH and HOME lead nowhere: a missing machine fact would otherwise run nvidia-smi.
    Environ env{{"PATH", "/nonexistent"}, {"HOME", "/nonexistent"}};
    const std::size_t nul = text.find('\0');
    env["SM_TRAINING_ENV"] = std::string(text.substr(0, nul));
    if (nul != std::string_view::npos) {
        std::string_view rest = text.substr(nul + 1);
        for (;;) {
            const std::size_t end = rest.find('\0');
            const std::string_view line = rest.substr(0, end);
            const std::size_t eq = line.find('=');
            const std::string_view name = line.substr(0, eq);
            if (eq != std::string_view::npos && eq > 0 && name != "PATH" && name != "HOME") {
                env[std::string(name)] = std::string(line.substr(eq + 1));
            }
            if (end == std::string_view::npos) break;
            rest.remove_prefix(end + 1);
        }
    }
    try {
        smtrain::fuzz::render_everything(TrainingEnv::from_environment(env));
    } catch (const Error&) {
    }
    return 0;
}
