// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// Putting the user's code in the code dir, as the toolkit's download_and_extract.

#include "process/stop.hpp"

#include <smtrain/environ.hpp>

#include <filesystem>
#include <string>

namespace smtrain::launcher {

/// Fills `code_dir` (created if missing) from `module_dir`
/// (`sagemaker_submit_directory`), only when `code_dir` is empty:
/// - the code dir itself: nothing to do;
/// - a local directory: copied (the code dir is replaced by the copy);
/// - a local tar archive (.tar.gz and the like): extracted, refusing entries
///   that would land outside the code dir;
/// - another local file: copied into the code dir;
/// - `s3://bucket/key`: downloaded, then extracted.
/// Each way records its phase in `stop` (CodeDownload, CodeExtraction, CodeCopy),
/// and the download and the extraction end within about a second once `stop` is
/// requested (throwing Error "... cancelled"). The S3 client is configured from
/// `env` (AWS_REGION, S3_ENDPOINT_URL, the credential chain), with up to
/// `s3_max_concurrency` requests in flight.
/// Throws Error(NoProgram) when the source does not exist, Error(CannotWrite)
/// when the code dir cannot be written, Error for the rest.
void prepare_code_dir(const std::string& module_dir, const std::filesystem::path& code_dir,
                      const Environ& env, unsigned s3_max_concurrency, process::StopRequest& stop);

/// Whether a directory is missing or has no entries.
bool is_empty_dir(const std::filesystem::path& dir);

}  // namespace smtrain::launcher
