// SPDX-License-Identifier: Apache-2.0
// Upload throughput of the intermediate output sync, for bench/s3_bench.sh.
//
//   s3_bench ENDPOINT BUCKET SOURCE_DIR WORK_DIR
//
// Starts the sync on WORK_DIR/output/intermediate, moves SOURCE_DIR into it
// whole (one rename: the sync takes every file in it, as for a directory
// moved in during training), calls finish() and prints "<bytes> <seconds>"
// for the time from the move to the end of the last upload. Credentials and
// region come from the environment, as in sm-train.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "s3/intermediate_sync.hpp"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
    if (argc != 5) {
        std::cerr << "usage: s3_bench ENDPOINT BUCKET SOURCE_DIR WORK_DIR\n";
        return 64;
    }
    const fs::path source = argv[3], dir = fs::path(argv[4]) / "output/intermediate";
    std::uintmax_t bytes = 0;
    for (const auto& e : fs::recursive_directory_iterator(source)) {
        if (e.is_regular_file()) bytes += e.file_size();
    }
    smtrain::s3::ClientConfig config = smtrain::s3::ClientConfig::from_environment();
    config.endpoint_url = argv[1];
    smtrain::s3::IntermediateSync sync;
    if (!sync.start({dir, std::string("s3://") + argv[2] + "/sync", "bench", config})) {
        std::cerr << "sync did not start (does " << dir << " exist?)\n";
        return 1;
    }
    const auto begin = std::chrono::steady_clock::now();
    fs::rename(source, dir / "data");
    const smtrain::s3::SyncSummary summary = sync.finish();
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - begin;
    if (!summary.ok()) {
        std::cerr << summary.describe() << "\n";
        return 1;
    }
    std::printf("%ju %.3f\n", bytes, took.count());
    return 0;
}
