// SPDX-License-Identifier: Apache-2.0
// A SageMaker training program in C++: logistic regression on the CSV files of
// the `train` channel. Run it under sm-train (or any SageMaker launcher), or
// directly against a tree with SAGEMAKER_BASE_DIR=/path/to/opt_ml.
//
// Hyperparameters: epochs (int, 100), learning_rate (float, 0.5),
// standardize (bool, true), log_every (int, 10), epoch_delay_ms (int, 0).
// With a checkpoint dir (SM_CHECKPOINT_DIR) it writes a checkpoint per epoch
// (smtrain::write_checkpoint) and resumes after the latest one.
// Metric lines for a SageMaker metric_definitions regex such as
//   {"Name": "train:loss", "Regex": "loss=([0-9.]+)"}
// look like `epoch=3 loss=0.1234 accuracy=0.9500`.
#include "training.hpp"

#include <smtrain/error.hpp>
#include <smtrain/training_env.hpp>

#include <cstdlib>
#include <exception>
#include <iostream>

namespace {

smtrain::TrainingEnv load_env() {
    // Under a launcher the SM_* variables are already there; otherwise read the tree.
    if (std::getenv("SM_TRAINING_ENV") != nullptr) return smtrain::TrainingEnv::from_environment();
    return smtrain::TrainingEnv::load();
}

}  // namespace

int main() {
    try {
        train_model(load_env(), std::cout);
        return 0;
    } catch (const smtrain::Error& e) {
        // Bad hyperparameter types, missing channels: sm-train puts stderr in output/failure.
        std::cerr << "ConfigurationError: " << e.what() << std::endl;
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "Error: " << e.what() << std::endl;
        return 1;
    }
}
