// SPDX-License-Identifier: Apache-2.0
#pragma once
// Shared by the config-file fuzzers: a fake /opt/ml tree in a private temp dir,
// loaded with TrainingEnv::load, and every rendering of the result exercised.

#include <smtrain/training_env.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

namespace smtrain::fuzz {

/// Valid contents for the files a fuzzer does not vary.
inline constexpr std::string_view kResourceConfig =
    R"({"current_host":"algo-1","hosts":["algo-1","algo-2"],"current_group_name":"homogeneousCluster",)"
    R"("current_instance_type":"ml.p3.2xlarge","network_interface_name":"eth0",)"
    R"("instance_groups":[{"instance_group_name":"homogeneousCluster","instance_type":"ml.p3.2xlarge",)"
    R"("hosts":["algo-1","algo-2"]}]})";
inline constexpr std::string_view kInputDataConfig =
    R"({"train":{"TrainingInputMode":"File","S3DistributionType":"FullyReplicated","RecordWrapperType":"None"}})";
inline constexpr std::string_view kHyperparameters =
    R"({"epochs":"10","lr":"0.1","sagemaker_program":"\"train.py\"","sagemaker_submit_directory":"\"/opt/ml/code\""})";

/// A tree under $TMPDIR (one per process), rewritten for every input.
class FuzzTree {
public:
    FuzzTree();
    /// Writes the three config files and loads the tree; nothing probes the machine.
    /// Returns normally on success and on smtrain::Error; anything else escapes.
    void load_and_render(std::string_view resourceconfig, std::string_view inputdataconfig,
                         std::string_view hyperparameters);

private:
    std::filesystem::path base_;
};

/// Every public rendering and typed accessor of a loaded TrainingEnv.
void render_everything(const TrainingEnv& env);

}  // namespace smtrain::fuzz
