// SPDX-License-Identifier: Apache-2.0
// Fuzzes extract_tarball (sourcedir.tar.gz): the input is the archive, in any
// compression libarchive reads. Whatever it holds, nothing may be written
// outside the destination: a sentinel dir next to it must stay empty.
#include "s3/extract.hpp"

#include <smtrain/error.hpp>

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace fs = std::filesystem;

namespace {

struct Workspace {
    fs::path root, tarball, dest, outside;
    Workspace() {
        const char* tmp = std::getenv("TMPDIR");
        std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/smtrain-fuzz-tar-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) std::abort();
        root = pattern;
        tarball = root / "sourcedir.tar.gz";
        dest = root / "work" / "code";
        outside = root / "work";
        static const fs::path* to_remove = &root;
        std::atexit([] {
            std::error_code ec;
            fs::remove_all(*to_remove, ec);
        });
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Workspace ws;
    std::error_code ec;
    fs::remove_all(ws.outside, ec);
    fs::create_directories(ws.dest, ec);
    const int fd = ::open(ws.tarball.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) std::abort();
    if (size > 0 && ::write(fd, data, size) != static_cast<ssize_t>(size)) std::abort();
    ::close(fd);
    try {
        smtrain::s3::extract_tarball(ws.tarball, ws.dest);
    } catch (const smtrain::Error&) {
    }
    // The destination's parent holds only the destination: nothing escaped.
    for (const auto& entry : fs::directory_iterator(ws.outside, ec)) {
        if (entry.path() != ws.dest) {
            std::fprintf(stderr, "extract_tarball wrote outside the destination: %s\n", entry.path().c_str());
            std::abort();
        }
    }
    if (fs::exists(ws.root / "escaped", ec)) std::abort();
    return 0;
}
