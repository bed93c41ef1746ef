// SPDX-License-Identifier: Apache-2.0
#include "s3/code_download.hpp"

#include <smtrain/error.hpp>
#include "s3/extract.hpp"
#include "s3/progress.hpp"

#include <optional>

namespace smtrain::s3 {

void prepare_code_from_s3(const std::string& s3_url, const std::filesystem::path& code_dir,
                          const S3Client& client, const StreamOptions& options,
                          const CodeProgressLabels& labels) {
    const S3Url url = S3Url::parse(s3_url);
    ObjectStream stream(client, url, options);
    std::optional<ProgressTicker> progress;
    if (!labels.download.empty()) {
        progress.emplace(labels.download, ProgressUnit::Bytes, [&] {
            return ProgressSample{stream.received(), stream.size()};
        });
    }
    ExtractControl control;
    control.cancel = client.config().cancel.get();
    control.progress_label = labels.extraction;
    extract_tarball(
        s3_url, [&] { return stream.next(); }, code_dir, control);
}

void prepare_code_from_s3(const std::string& s3_url, const std::filesystem::path& code_dir) {
    prepare_code_from_s3(s3_url, code_dir, S3Client(ClientConfig::from_environment()));
}

}  // namespace smtrain::s3
