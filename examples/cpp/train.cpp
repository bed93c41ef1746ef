// SPDX-License-Identifier: Apache-2.0
// A SageMaker training program in C++: logistic regression on the CSV files of
// the `train` channel. Run it under sm-train (or any SageMaker launcher), or
// directly against a tree with SAGEMAKER_BASE_DIR=/path/to/opt_ml.
//
// Hyperparameters: epochs (int, 100), learning_rate (float, 0.5),
// standardize (bool, true), log_every (int, 10).
// Metric lines for a SageMaker metric_definitions regex such as
//   {"Name": "train:loss", "Regex": "loss=([0-9.]+)"}
// look like `epoch=3 loss=0.1234 accuracy=0.9500`.
#include "dataset.hpp"
#include "logistic_regression.hpp"

#include <smtrain/error.hpp>
#include <smtrain/json.hpp>
#include <smtrain/training_env.hpp>
#include <smtrain/value.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace {

smtrain::TrainingEnv load_env() {
    // Under a launcher the SM_* variables are already there; otherwise read the tree.
    if (std::getenv("SM_TRAINING_ENV") != nullptr) return smtrain::TrainingEnv::from_environment();
    return smtrain::TrainingEnv::load();
}

smtrain::Value to_json_list(const std::vector<double>& values) {
    smtrain::Value list = smtrain::Value::list();
    for (double v : values) list.as_list().emplace_back(v);
    return list;
}

void save_model(const LogisticRegression& model, const Dataset& data, const std::filesystem::path& file) {
    smtrain::Value json = smtrain::Value::dict();
    smtrain::Value names = smtrain::Value::list();
    for (const auto& name : data.feature_names) names.as_list().emplace_back(name);
    json.set("features", names);
    json.set("weights", to_json_list(model.weights()));
    json.set("bias", model.bias());
    json.set("means", to_json_list(model.means()));
    json.set("scales", to_json_list(model.scales()));
    std::ofstream out(file);
    out << smtrain::dump_json(json, {.sort_keys = false, .indent = 2}) << "\n";
    if (!out.flush()) throw std::runtime_error(file.string() + ": cannot write the model");
}

int run() {
    const smtrain::TrainingEnv env = load_env();
    const int epochs = env.hyperparameter<int>("epochs", 100);
    const double learning_rate = env.hyperparameter<double>("learning_rate", 0.5);
    const bool standardize = env.hyperparameter<bool>("standardize", true);
    const int log_every = std::max(1, env.hyperparameter<int>("log_every", 10));

    const Dataset data = read_csv_channel(env.channel("train"));
    std::cout << "training on " << data.size() << " rows, " << data.num_features() << " features, host "
              << env.current_host() << (env.is_master() ? " (master)" : "") << std::endl;

    LogisticRegression model(data, standardize);
    for (int epoch = 1; epoch <= epochs; ++epoch) {
        const EpochResult result = model.train_epoch(data, learning_rate);
        if (epoch % log_every == 0 || epoch == 1 || epoch == epochs) {
            // One whole line per printf, flushed, so metric regexes never see a torn line.
            std::printf("epoch=%d loss=%.4f accuracy=%.4f\n", epoch, result.loss, result.accuracy);
            std::fflush(stdout);
        }
    }

    const auto model_file = env.paths().model / "model.json";
    save_model(model, data, model_file);
    std::cout << "model written to " << model_file.string() << std::endl;
    return 0;
}

}  // namespace

int main() {
    try {
        return run();
    } catch (const smtrain::Error& e) {
        // Bad hyperparameter types, missing channels: sm-train puts stderr in output/failure.
        std::cerr << "ConfigurationError: " << e.what() << std::endl;
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "Error: " << e.what() << std::endl;
        return 1;
    }
}
