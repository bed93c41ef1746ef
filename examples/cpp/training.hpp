// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The example's training job, apart from main() so that its unit tests
/// (training_test.cpp, with smtrain::testing's FakeTree) can run it.

#include <smtrain/training_env.hpp>

#include <filesystem>
#include <ostream>

struct TrainingResult {
    int epochs = 0;
    double final_loss = 0;
    double final_accuracy = 0;
    std::filesystem::path model_file;
};

/// Trains on the `train` channel with the job's hyperparameters (epochs 100,
/// learning_rate 0.5, standardize true, log_every 10), prints metric lines on
/// `log` and writes model.json into the model dir. Throws what TrainingEnv
/// throws on a missing channel or a hyperparameter of the wrong type, and
/// std::runtime_error on unreadable data or an unwritable model.
TrainingResult train_model(const smtrain::TrainingEnv& env, std::ostream& log);
