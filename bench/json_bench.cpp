// SPDX-License-Identifier: Apache-2.0
// Speed of parse_json / dump_json / python_repr on large inputs: a document of
// N MiB (objects of strings, ints, floats, unicode) and integers of D digits.
// Usage: smtrain_json_bench [MiB=100] [digits=10000]
#include "lib/json.hpp"
#include "lib/python_format.hpp"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

namespace {

// CPU time of this process, so a busy machine does not inflate the numbers.
double cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string make_document(std::size_t bytes) {
    std::string text = "[";
    for (std::size_t i = 0; text.size() < bytes; ++i) {
        if (i) text += ',';
        text += R"({"name":"algo-)" + std::to_string(i) + R"(","lr":0.001,"epochs":)" +
                std::to_string(i % 1000) +
                R"(,"tag":"caf\u00e9 \ud83d\ude00 stra)"
                "\xC3\x9F"
                R"(e","big":123456789012345678901234567890,)"
                R"("ok":true,"none":null,"list":[1,2.5,"x"]})";
    }
    text += "]";
    return text;
}

}  // namespace

int main(int argc, char** argv) {
    const std::size_t mib = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 100;
    const std::size_t digits = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 10000;

    std::string doc = make_document(mib << 20);
    double t = cpu_seconds();
    smtrain::Value v = smtrain::parse_json(doc);
    double parse_s = cpu_seconds() - t;
    t = cpu_seconds();
    std::string compact = smtrain::dump_json(v);
    double dump_s = cpu_seconds() - t;
    t = cpu_seconds();
    std::string repr = smtrain::python_repr(v);
    double repr_s = cpu_seconds() - t;
    std::printf("document %zu bytes (CPU time): parse %.3f s (%.0f MiB/s), dump %.3f s, repr %.3f s\n",
                doc.size(), parse_s, static_cast<double>(doc.size()) / (1 << 20) / parse_s, dump_s, repr_s);

    for (std::size_t d : {digits / 10, digits, digits * 10}) {
        std::string number(d, '7');
        t = cpu_seconds();
        smtrain::Value n = smtrain::parse_json(number);
        std::string back = smtrain::dump_json(n);
        double s = cpu_seconds() - t;
        std::printf("integer of %zu digits: parse+dump %.6f s (%s)\n", d, s,
                    back == number ? "exact" : "MISMATCH");
    }
    return 0;
}
