// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// A numeric CSV table: feature columns, then a 0/1 label in the last column.

#include <filesystem>
#include <string>
#include <vector>

struct Dataset {
    std::vector<std::string> feature_names;
    std::vector<std::vector<double>> features;  ///< one row per example
    std::vector<double> labels;                 ///< 0 or 1

    std::size_t size() const { return labels.size(); }
    std::size_t num_features() const { return feature_names.size(); }
};

/// Reads every `*.csv` file of a channel directory (sorted by name), each with
/// the same header line. Throws std::runtime_error naming the file and line.
Dataset read_csv_channel(const std::filesystem::path& dir);
