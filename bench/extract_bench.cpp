// SPDX-License-Identifier: Apache-2.0
// extract_bench TARBALL DEST: one extract_tarball call, for bench/extract_bench.sh
// (which measures time and peak memory around it, and the same for Python's tarfile).
#include <cstdio>

#include <smtrain/error.hpp>
#include "s3/extract.hpp"

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: extract_bench TARBALL DEST\n");
        return 64;
    }
    try {
        smtrain::s3::extract_tarball(argv[1], argv[2]);
    } catch (const smtrain::Error& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    return 0;
}
