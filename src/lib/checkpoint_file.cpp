// SPDX-License-Identifier: Apache-2.0
#include <smtrain/checkpoint_file.hpp>
#include <smtrain/error.hpp>

#include "lib/unique_fd.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace smtrain {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kPrefix = "checkpoint-";
constexpr std::size_t kDigits = 12;

[[noreturn]] void cannot_write(const fs::path& path, std::string_view what, int error) {
    throw Error(
        "cannot write checkpoint " + path.string() + ": " + std::string(what) + ": " + std::strerror(error),
        ExitCode::CannotWrite);
}

void fsync_dir(const fs::path& dir) {
    const detail::UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid() || ::fsync(fd.get()) != 0) cannot_write(dir, "fsync of the directory", errno);
}

}  // namespace

void write_file_atomically(const fs::path& path, std::string_view bytes) {
    const fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) cannot_write(path, "create " + dir.string(), ec.value());
    // A dot name that latest_checkpoint() never matches: a crash leaves only litter.
    std::string temp = (dir / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
    detail::UniqueFd fd(::mkostemp(temp.data(), O_CLOEXEC));
    if (!fd.valid()) cannot_write(path, "create a temporary file", errno);
    auto fail = [&](std::string_view what) {
        const int error = errno;
        ::unlink(temp.c_str());
        cannot_write(path, what, error);
    };
    for (std::size_t done = 0; done < bytes.size();) {
        const ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail("write");
        done += static_cast<std::size_t>(n);
    }
    if (::fchmod(fd.get(), 0644) != 0) fail("chmod");
    // Data on disk before the name points at it, and the name on disk before we say done.
    if (::fsync(fd.get()) != 0) fail("fsync");
    fd.reset();
    if (::rename(temp.c_str(), path.c_str()) != 0) fail("rename");
    fsync_dir(dir);
}

std::string checkpoint_name(std::int64_t step) {
    if (step < 0 || step > 999'999'999'999) throw std::invalid_argument("checkpoint step out of range");
    std::string digits = std::to_string(step);
    return std::string(kPrefix) + std::string(kDigits - digits.size(), '0') + digits;
}

fs::path write_checkpoint(const fs::path& dir, std::int64_t step, std::string_view bytes) {
    fs::path path = dir / checkpoint_name(step);
    write_file_atomically(path, bytes);
    return path;
}

std::optional<CheckpointFile> latest_checkpoint(const fs::path& dir) {
    std::optional<CheckpointFile> latest;
    std::error_code ec;
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.size() != kPrefix.size() + kDigits || name.compare(0, kPrefix.size(), kPrefix) != 0)
            continue;
        std::int64_t step = 0;
        const char* first = name.data() + kPrefix.size();
        auto [end, err] = std::from_chars(first, name.data() + name.size(), step);
        if (err != std::errc() || end != name.data() + name.size()) continue;
        std::error_code type_ec;
        if (!it->is_regular_file(type_ec)) continue;
        if (!latest || step > latest->step) latest = CheckpointFile{step, it->path()};
    }
    return latest;
}

std::string read_checkpoint(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot read checkpoint " + path.string() + ": " + std::strerror(errno));
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

}  // namespace smtrain
