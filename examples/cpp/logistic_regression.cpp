// SPDX-License-Identifier: Apache-2.0
#include "logistic_regression.hpp"

#include <algorithm>
#include <cmath>

namespace {

double sigmoid(double z) { return 1 / (1 + std::exp(-z)); }

}  // namespace

LogisticRegression::LogisticRegression(const Dataset& data, bool standardize)
    : weights_(data.num_features(), 0.0),
      means_(data.num_features(), 0.0),
      scales_(data.num_features(), 1.0) {
    if (!standardize) return;
    const double n = static_cast<double>(data.size());
    for (std::size_t j = 0; j < data.num_features(); ++j) {
        double sum = 0, sum_squares = 0;
        for (const auto& row : data.features) {
            sum += row[j];
            sum_squares += row[j] * row[j];
        }
        means_[j] = sum / n;
        double deviation = std::sqrt(std::max(0.0, sum_squares / n - means_[j] * means_[j]));
        scales_[j] = deviation > 0 ? deviation : 1.0;  // a constant column stays as it is
    }
}

double LogisticRegression::score(const std::vector<double>& row) const {
    double z = bias_;
    for (std::size_t j = 0; j < weights_.size(); ++j) z += weights_[j] * (row[j] - means_[j]) / scales_[j];
    return z;
}

double LogisticRegression::predict(const std::vector<double>& row) const { return sigmoid(score(row)); }

EpochResult LogisticRegression::train_epoch(const Dataset& data, double learning_rate) {
    std::vector<double> gradient(weights_.size(), 0.0);
    double bias_gradient = 0, loss = 0, correct = 0;
    for (std::size_t i = 0; i < data.size(); ++i) {
        const auto& row = data.features[i];
        const double y = data.labels[i];
        const double p = predict(row);
        // Clamped so that a confident wrong answer costs a large loss, not infinity.
        const double eps = 1e-12;
        loss -= y * std::log(std::max(p, eps)) + (1 - y) * std::log(std::max(1 - p, eps));
        correct += (p >= 0.5) == (y == 1) ? 1 : 0;
        for (std::size_t j = 0; j < weights_.size(); ++j)
            gradient[j] += (p - y) * (row[j] - means_[j]) / scales_[j];
        bias_gradient += p - y;
    }
    const double n = static_cast<double>(data.size());
    for (std::size_t j = 0; j < weights_.size(); ++j) weights_[j] -= learning_rate * gradient[j] / n;
    bias_ -= learning_rate * bias_gradient / n;
    return {loss / n, correct / n};
}
