// SPDX-License-Identifier: Apache-2.0
#pragma once
// Fake executables that record their argv, for the runner tests: each call of
// NAME writes its arguments, each followed by a NUL byte, to
// <record_dir>/NAME.<n> (n = 0, 1, ... in call order).

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fake {

namespace fs = std::filesystem;

// The body common to every fake: record, then do `extra`.
inline void write_tool(const fs::path& bin, const std::string& name, const fs::path& record_dir,
                       const std::string& extra) {
    fs::create_directories(bin);
    const fs::path path = bin / name;
    std::ofstream(path) << "#!/bin/sh\n"
                        << "n=0; while [ -e '" << record_dir.string() << "/" << name
                        << ".'$n ]; do n=$((n+1)); done\n"
                        << "for a in \"$0\" \"$@\"; do printf '%s\\0' \"$a\"; done > '" << record_dir.string()
                        << "/" << name << ".'$n\n"
                        << extra << "\n";
    fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
}

// The recorded argv of call `n` of `name` (argv[0] included), or {} when there was no such call.
inline std::vector<std::string> recorded(const fs::path& record_dir, const std::string& name, int n = 0) {
    std::ifstream in(record_dir / (name + "." + std::to_string(n)), std::ios::binary);
    if (!in) return {};
    std::stringstream text;
    text << in.rdbuf();
    std::vector<std::string> argv;
    std::string all = text.str(), arg;
    for (char c : all) {
        if (c == '\0') {
            argv.push_back(arg);
            arg.clear();
        } else {
            arg.push_back(c);
        }
    }
    return argv;
}

inline int calls(const fs::path& record_dir, const std::string& name) {
    int n = 0;
    while (fs::exists(record_dir / (name + "." + std::to_string(n)))) ++n;
    return n;
}

}  // namespace fake
