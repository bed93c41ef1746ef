// SPDX-License-Identifier: Apache-2.0
// Fuzzes resourceconfig.json through TrainingEnv::load (the other two files valid), then
// renders SM_* variables, argv, SM_TRAINING_ENV and every typed accessor.
#include "fuzz_tree.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static smtrain::fuzz::FuzzTree tree;
    using namespace smtrain::fuzz;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    tree.load_and_render(text, kInputDataConfig, kHyperparameters);
    return 0;
}
