// SPDX-License-Identifier: Apache-2.0
#include "training.hpp"

#include "dataset.hpp"
#include "logistic_regression.hpp"

#include <smtrain/checkpoint_file.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

void save_model(const LogisticRegression& model, const Dataset& data, const std::filesystem::path& file) {
    // The model's own file: any JSON library does; smtrain's JSON is internal.
    nlohmann::ordered_json json;
    json["features"] = data.feature_names;
    json["weights"] = model.weights();
    json["bias"] = model.bias();
    json["means"] = model.means();
    json["scales"] = model.scales();
    std::ofstream out(file);
    out << json.dump(2) << "\n";
    if (!out.flush()) throw std::runtime_error(file.string() + ": cannot write the model");
}

/// The parameters as hexadecimal floats ("%a"): read back bit for bit, so a
/// resumed run ends with exactly the model an uninterrupted one does.
std::string checkpoint_bytes(const LogisticRegression& model) {
    std::string text;
    char number[64];
    std::snprintf(number, sizeof number, "%a\n", model.bias());
    text += number;
    for (double w : model.weights()) {
        std::snprintf(number, sizeof number, "%a\n", w);
        text += number;
    }
    return text;
}

void restore_checkpoint(LogisticRegression& model, const std::string& bytes,
                        const std::filesystem::path& file) {
    std::istringstream in(bytes);
    std::vector<double> values;
    for (std::string line; std::getline(in, line);) values.push_back(std::strtod(line.c_str(), nullptr));
    if (values.size() != model.weights().size() + 1)
        throw std::runtime_error(file.string() + ": not a checkpoint of this model");
    model.restore(std::vector<double>(values.begin() + 1, values.end()), values.front());
}

}  // namespace

TrainingResult train_model(const smtrain::TrainingEnv& env, std::ostream& log) {
    const int epochs = env.hyperparameter<int>("epochs", 100);
    const double learning_rate = env.hyperparameter<double>("learning_rate", 0.5);
    const bool standardize = env.hyperparameter<bool>("standardize", true);
    const int log_every = std::max(1, env.hyperparameter<int>("log_every", 10));
    // Slows each epoch down, to try spot interruptions with `sm-train local --interrupt-after`.
    const int epoch_delay_ms = env.hyperparameter<int>("epoch_delay_ms", 0);

    const Dataset data = read_csv_channel(env.channel("train"));
    log << "training on " << data.size() << " rows, " << data.num_features() << " features, host "
        << env.current_host() << (env.is_master() ? " (master)" : "") << std::endl;

    TrainingResult result;
    result.epochs = epochs;
    LogisticRegression model(data, standardize);
    // A checkpoint per epoch in the job's checkpoint dir (SageMaker syncs it to S3
    // and restores it when a spot job starts again): resume after the last one.
    const std::optional<std::filesystem::path>& checkpoints = env.checkpoint_dir();
    int first_epoch = 1;
    if (checkpoints) {
        if (const auto last = smtrain::latest_checkpoint(*checkpoints)) {
            restore_checkpoint(model, smtrain::read_checkpoint(last->path), last->path);
            first_epoch = static_cast<int>(last->step) + 1;
            log << "resuming after epoch " << last->step << " from " << last->path.string() << std::endl;
        }
    }
    for (int epoch = first_epoch; epoch <= epochs; ++epoch) {
        if (epoch_delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(epoch_delay_ms));
        const EpochResult step = model.train_epoch(data, learning_rate);
        if (checkpoints) {
            smtrain::write_checkpoint(*checkpoints, epoch, checkpoint_bytes(model));
            // The one before the last stays, in case the last was never finished.
            std::error_code ec;
            if (epoch > 2) std::filesystem::remove(*checkpoints / smtrain::checkpoint_name(epoch - 2), ec);
        }
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
