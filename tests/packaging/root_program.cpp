// SPDX-License-Identifier: Apache-2.0
// The training program of the root tests: a static C++ program, so it runs in
// a root that has no C library and no shell. It records what sm-train gave it
// in $SM_MODEL_DIR/run.txt, one "key: value" line each, and prints one line.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

int main(int argc, char** argv) {
    const char* model_dir = std::getenv("SM_MODEL_DIR");
    const char* host = std::getenv("SM_CURRENT_HOST");
    if (model_dir == nullptr || host == nullptr) {
        std::fprintf(stderr, "root_program: SM_MODEL_DIR or SM_CURRENT_HOST not set\n");
        return 3;
    }
    std::ofstream out(std::string(model_dir) + "/run.txt");
    for (int i = 1; i < argc; ++i) out << "arg: " << argv[i] << "\n";
    out << "host: " << host << "\n";
    if (!out.flush()) return 4;
    std::printf("root_program ran on %s with %d argument(s)\n", host, argc - 1);
    return 0;
}
