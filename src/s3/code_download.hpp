// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The user's code from S3 (sagemaker_submit_directory = s3://.../sourcedir.tar.gz).
///
/// Whether to fetch at all (the toolkit only does when the code dir is empty)
/// is the launcher's decision; this is the fetching and unpacking.
///
/// Errors (the S3 layer's convention): smtrain::Error naming the URL, or the
/// tarball entry for an extraction error; a stop throws "... cancelled".

#include <filesystem>
#include <string>

#include "s3/client.hpp"
#include "s3/object_stream.hpp"

namespace smtrain::s3 {

/// The caller's words for the progress lines (progress.hpp) of the download
/// and of the extraction; empty: none.
struct CodeProgressLabels {
    std::string download;
    std::string extraction;
};

/// Downloads `s3_url` in parallel ranged GETs (ObjectStream) and extracts it
/// into `code_dir` with extract_tarball while the bytes arrive: no temporary
/// file. The client's cancel flag stops both the download and the extraction.
/// Throws smtrain::Error naming the URL; on an error, what was extracted before
/// it stays in `code_dir`.
void prepare_code_from_s3(const std::string& s3_url, const std::filesystem::path& code_dir,
                          const S3Client& client, const StreamOptions& options = {},
                          const CodeProgressLabels& labels = {});

/// The same with a client configured from the process environment
/// (AWS_REGION/SAGEMAKER_REGION, S3_ENDPOINT_URL, the credential chain), and
/// no progress lines.
void prepare_code_from_s3(const std::string& s3_url, const std::filesystem::path& code_dir);

}  // namespace smtrain::s3
