// SPDX-License-Identifier: Apache-2.0
#include "code_download.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "extract.hpp"
#include "smtrain/error.hpp"

namespace smtrain::s3 {
namespace {

/// A mkstemp file that is removed when it goes out of scope.
class TempFile {
public:
    TempFile() {
        std::error_code ec;
        std::filesystem::path dir = std::filesystem::temp_directory_path(ec);
        if (ec) dir = "/tmp";
        std::string pattern = (dir / "smtrain-code-XXXXXX").string();
        const int fd = ::mkstemp(pattern.data());
        if (fd < 0) throw Error(dir.string() + ": cannot create a temporary file: " + std::strerror(errno));
        ::close(fd);
        path_ = pattern;
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    ~TempFile() { ::unlink(path_.c_str()); }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace

void prepare_code_from_s3(const std::string& s3_url, const std::filesystem::path& code_dir,
                          const S3Client& client) {
    const S3Url url = S3Url::parse(s3_url);
    TempFile tarball;
    client.download(url, tarball.path());
    try {
        extract_tarball(tarball.path(), code_dir, client.config().cancel.get());
    } catch (const Error& e) {
        // The temporary file's name means nothing to the user; the URL does.
        std::string message = e.what();
        if (message.rfind(tarball.path().string(), 0) == 0) message.erase(0, tarball.path().string().size());
        throw Error(s3_url + message, e.exit_code());
    }
}

void prepare_code_from_s3(const std::string& s3_url, const std::filesystem::path& code_dir) {
    prepare_code_from_s3(s3_url, code_dir, S3Client(ClientConfig::from_environment()));
}

}  // namespace smtrain::s3
