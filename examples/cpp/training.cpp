// SPDX-License-Identifier: Apache-2.0
#include "training.hpp"

#include "dataset.hpp"
#include "logistic_regression.hpp"

#include <smtrain/json.hpp>
#include <smtrain/value.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace {

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

}  // namespace

TrainingResult train_model(const smtrain::TrainingEnv& env, std::ostream& log) {
    const int epochs = env.hyperparameter<int>("epochs", 100);
    const double learning_rate = env.hyperparameter<double>("learning_rate", 0.5);
    const bool standardize = env.hyperparameter<bool>("standardize", true);
    const int log_every = std::max(1, env.hyperparameter<int>("log_every", 10));

    const Dataset data = read_csv_channel(env.channel("train"));
    log << "training on " << data.size() << " rows, " << data.num_features() << " features, host "
        << env.current_host() << (env.is_master() ? " (master)" : "") << std::endl;

    TrainingResult result;
    result.epochs = epochs;
    LogisticRegression model(data, standardize);
    for (int epoch = 1; epoch <= epochs; ++epoch) {
        const EpochResult step = model.train_epoch(data, learning_rate);
        result.final_loss = step.loss;
        result.final_accuracy = step.accuracy;
        if (epoch % log_every == 0 || epoch == 1 || epoch == epochs) {
            // One whole line per write, flushed, so metric regexes never see a torn line.
            char line[96];
            std::snprintf(line, sizeof line, "epoch=%d loss=%.4f accuracy=%.4f\n", epoch, step.loss,
                          step.accuracy);
            log << line << std::flush;
        }
    }

    result.model_file = env.paths().model / "model.json";
    save_model(model, data, result.model_file);
    log << "model written to " << result.model_file.string() << std::endl;
    return result;
}
