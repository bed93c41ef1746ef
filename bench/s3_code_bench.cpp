// SPDX-License-Identifier: Apache-2.0
// The code download (sourcedir.tar.gz from S3, extracted), for bench/s3_rtt_bench.sh.
//
//   s3_code_bench S3_URL CODE_DIR
//
// Runs prepare_code_from_s3 as sm-train does (client from the environment:
// S3_ENDPOINT_URL, credentials, region) and prints the seconds it took.
#include <chrono>
#include <cstdio>
#include <iostream>

#include "s3/code_download.hpp"

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: s3_code_bench S3_URL CODE_DIR\n";
        return 64;
    }
    try {
        const auto begin = std::chrono::steady_clock::now();
        smtrain::s3::prepare_code_from_s3(argv[1], argv[2]);
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - begin;
        std::printf("%.3f\n", took.count());
    } catch (const std::exception& e) {
        std::cerr << e.what() << "\n";
        return 1;
    }
    return 0;
}
