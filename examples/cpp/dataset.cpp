// SPDX-License-Identifier: Apache-2.0
#include "dataset.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <stdexcept>
#include <string_view>

namespace {

std::vector<std::string_view> split_commas(std::string_view line) {
    std::vector<std::string_view> cells;
    for (std::size_t start = 0;;) {
        std::size_t comma = line.find(',', start);
        cells.push_back(line.substr(start, comma - start));
        if (comma == std::string_view::npos) return cells;
        start = comma + 1;
    }
}

double parse_number(std::string_view cell, const std::string& where) {
    double value = 0;
    auto [end, error] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
    if (error != std::errc() || end != cell.data() + cell.size()) {
        throw std::runtime_error(where + ": not a number: '" + std::string(cell) + "'");
    }
    return value;
}

void append_file(const std::filesystem::path& file, Dataset& data) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error(file.string() + ": cannot open");
    std::string line;
    std::size_t line_number = 0;
    while (std::getline(in, line)) {
        ++line_number;
        if (!line.empty() && line.back() == '\r') line.pop_back();  // files saved on Windows
        if (line.empty()) continue;
        const std::string where = file.string() + ":" + std::to_string(line_number);
        auto cells = split_commas(line);
        if (line_number == 1) {
            if (cells.size() < 2) throw std::runtime_error(where + ": need feature columns and a label");
            std::vector<std::string> header(cells.begin(), cells.end() - 1);
            if (data.feature_names.empty()) data.feature_names = header;
            if (header != data.feature_names)
                throw std::runtime_error(where + ": header differs from the first file");
            continue;
        }
        if (cells.size() != data.num_features() + 1) {
            throw std::runtime_error(where + ": expected " + std::to_string(data.num_features() + 1) +
                                     " columns");
        }
        std::vector<double> row;
        for (std::size_t i = 0; i < data.num_features(); ++i) row.push_back(parse_number(cells[i], where));
        double label = parse_number(cells.back(), where);
        if (label != 0 && label != 1) throw std::runtime_error(where + ": label must be 0 or 1");
        data.features.push_back(std::move(row));
        data.labels.push_back(label);
    }
}

}  // namespace

Dataset read_csv_channel(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.is_regular_file() && entry.path().extension() == ".csv") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());  // directory order is arbitrary; results should not be
    if (files.empty()) throw std::runtime_error(dir.string() + ": no .csv file in the channel");

    Dataset data;
    for (const auto& file : files) append_file(file, data);
    if (data.size() == 0) throw std::runtime_error(dir.string() + ": no rows");
    return data;
}
