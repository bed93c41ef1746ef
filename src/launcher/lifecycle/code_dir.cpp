// SPDX-License-Identifier: Apache-2.0
#include "launcher/lifecycle/code_dir.hpp"

#include "launcher/lifecycle/timeline.hpp"

#include "s3/code_download.hpp"
#include "s3/extract.hpp"

#include "lib/unique_fd.hpp"

#include <smtrain/error.hpp>

#include <spdlog/spdlog.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <fstream>
#include <map>
#include <string_view>
#include <system_error>

namespace smtrain::launcher {
namespace fs = std::filesystem;
using detail::UniqueFd;

namespace {

[[noreturn]] void fail(const std::string& what, const std::error_code& ec) {
    throw Error(what + ": " + ec.message(), ExitCode::CannotWrite);
}

/// gzip, bzip2, xz, zstd magic numbers, or a plain tar's "ustar" at offset 257.
bool looks_like_tarball(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    char head[262] = {};
    in.read(head, sizeof head);
    std::string_view h(head, static_cast<std::size_t>(in.gcount()));
    auto starts = [&](std::string_view magic) { return h.substr(0, magic.size()) == magic; };
    return starts("\x1f\x8b") || starts("BZh") ||
           starts(
               "\xfd"
               "7zXZ") ||
           starts("\x28\xb5\x2f\xfd") || (h.size() >= 262 && h.substr(257, 5) == "ustar");
}

}  // namespace

bool is_empty_dir(const fs::path& dir) {
    // One open and one getdents64 into a buffer on the stack: std::filesystem's
    // is_empty (after exists) made seven system calls and a 32 KiB buffer on
    // the heap, at every job's start. The answers are std::filesystem's: a
    // path that cannot be stat'ed is missing (empty), a directory that cannot
    // be read is not empty, a file is empty when it has no bytes.
    const UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid()) {
        struct stat st {};
        if (::stat(dir.c_str(), &st) != 0) return true;
        return S_ISREG(st.st_mode) && st.st_size == 0;
    }
    alignas(8) char buffer[1024];
    for (;;) {
        const ssize_t n = ::getdents64(fd.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return false;
        if (n == 0) return true;
        for (ssize_t at = 0; at < n;) {
            const std::string_view name(buffer + at + offsetof(dirent64, d_name));
            if (name != "." && name != "..") return false;
            unsigned short length = 0;  // d_reclen, copied: the records are not aligned for a dirent64
            std::memcpy(&length, buffer + at + offsetof(dirent64, d_reclen), sizeof length);
            at += length;
        }
    }
}

void prepare_code_dir(const std::string& module_dir, const fs::path& code_dir, const Environ& env,
                      unsigned s3_max_concurrency, process::StopRequest& stop) {
    std::error_code ec;
    fs::create_directories(code_dir, ec);
    if (ec) fail("cannot create " + code_dir.string(), ec);
    if (!is_empty_dir(code_dir)) {
        spdlog::info("Code directory {} is not empty: keeping its contents", code_dir.string());
        return;
    }
    if (module_dir.rfind("s3://", 0) == 0) {
        enter(stop, JobPhase::CodeDownload);
        spdlog::info("Downloading {} into the code directory {}", module_dir, code_dir.string());
        auto phase = Timeline::job().phase(JobPhase::CodeDownload);  // the extraction included
        s3::ClientConfig config = s3::ClientConfig::from_environment(env);
        config.max_concurrency = s3_max_concurrency;
        config.cancel = stop.flag();
        s3::prepare_code_from_s3(
            module_dir, code_dir, s3::S3Client(std::move(config)), {},
            {std::string(name_of(JobPhase::CodeDownload)), std::string(name_of(JobPhase::CodeExtraction))});
        return;
    }
    fs::path source(module_dir);
    auto status = fs::status(source, ec);
    if (!fs::exists(status)) {
        throw Error("sagemaker_submit_directory: " + module_dir + ": no such file or directory",
                    ExitCode::NoProgram);
    }
    if (fs::is_directory(status)) {
        if (fs::equivalent(source, code_dir, ec)) return;
        enter(stop, JobPhase::CodeCopy);
        stop.before_wait();  // the copy does not poll the stop
        spdlog::info("Copying {} into the code directory {}", module_dir, code_dir.string());
        auto phase = Timeline::job().phase(JobPhase::CodeCopy);
        fs::remove_all(code_dir, ec);
        fs::copy(source, code_dir, fs::copy_options::recursive, ec);
        if (ec) fail("cannot copy " + module_dir + " to " + code_dir.string(), ec);
        return;
    }
    if (looks_like_tarball(source)) {
        enter(stop, JobPhase::CodeExtraction);
        spdlog::info("Extracting {} into the code directory {}", module_dir, code_dir.string());
        auto phase = Timeline::job().phase(JobPhase::CodeExtraction);
        s3::ExtractControl control;
        control.cancel = stop.flag().get();
        control.progress_label = name_of(JobPhase::CodeExtraction);
        s3::extract_tarball(source, code_dir, control);
        return;
    }
    fs::copy_file(source, code_dir / source.filename(), fs::copy_options::overwrite_existing, ec);
    if (ec) fail("cannot copy " + module_dir + " to " + code_dir.string(), ec);
}

}  // namespace smtrain::launcher
