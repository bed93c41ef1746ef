// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The `/opt/ml` tree: where SageMaker puts config and data, and where the job writes.

#include <filesystem>
#include <string>
#include <string_view>

namespace smtrain {

struct Paths {
    std::filesystem::path base;                 ///< /opt/ml, or SAGEMAKER_BASE_DIR
    std::filesystem::path code;                 ///< base/code
    std::filesystem::path model;                ///< base/model
    std::filesystem::path input;                ///< base/input
    std::filesystem::path input_config;         ///< base/input/config
    std::filesystem::path input_data;           ///< base/input/data
    std::filesystem::path output;               ///< base/output
    std::filesystem::path output_data;          ///< base/output/data
    std::filesystem::path output_intermediate;  ///< base/output/intermediate
    std::filesystem::path checkpoints;          ///< base/checkpoints

    std::filesystem::path hyperparameters_file() const { return input_config / "hyperparameters.json"; }
    std::filesystem::path resource_config_file() const { return input_config / "resourceconfig.json"; }
    std::filesystem::path input_data_config_file() const { return input_config / "inputdataconfig.json"; }
    std::filesystem::path channel(std::string_view name) const { return input_data / std::string(name); }

    /// Every path under `base`, spelled as the toolkit spells them (os.path.join).
    static Paths under(const std::filesystem::path& base);
};

}  // namespace smtrain
