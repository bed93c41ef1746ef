// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// Binary logistic regression trained by full-batch gradient descent.

#include "dataset.hpp"

#include <vector>

struct EpochResult {
    double loss;      ///< mean binary cross-entropy
    double accuracy;  ///< share of examples classified right at threshold 0.5
};

class LogisticRegression {
public:
    /// `standardize`: scale every feature to mean 0, deviation 1 first (the
    /// statistics are kept in the model, so predictions see the same scaling).
    LogisticRegression(const Dataset& data, bool standardize);

    /// One gradient step over the whole data set; returns the loss and accuracy before the step.
    EpochResult train_epoch(const Dataset& data, double learning_rate);

    double predict(const std::vector<double>& row) const;  ///< P(label = 1)

    const std::vector<double>& weights() const { return weights_; }
    double bias() const { return bias_; }
    /// Puts back the parameters of a checkpoint (the scaling comes from the data).
    void restore(std::vector<double> weights, double bias) {
        weights_ = std::move(weights);
        bias_ = bias;
    }
    const std::vector<double>& means() const { return means_; }
    const std::vector<double>& scales() const { return scales_; }

private:
    double score(const std::vector<double>& row) const;

    std::vector<double> weights_, means_, scales_;
    double bias_ = 0;
};
