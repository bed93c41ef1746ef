// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// Safe extraction of the user's code tarball (sourcedir.tar.gz).
///
/// Unlike Python's `tarfile.extractall`, which the toolkit uses unfiltered, this
/// refuses every entry that could land outside the destination: absolute paths,
/// `..` components, symlinks or hard links whose target leaves the destination,
/// and entries that would be written through a symlink extracted earlier.
/// Everything is created relative to an open directory descriptor with
/// `O_NOFOLLOW`, so nothing outside the destination is ever opened for writing.
///
/// Errors (the S3 layer's convention): smtrain::Error naming the tarball and
/// the offending entry (an unsafe path, a link out, a corrupt archive, a write
/// that failed); a stop throws "<tarball>: extraction cancelled".

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace smtrain::s3 {

/// What an extraction may be stopped by and reports to (all optional).
struct ExtractControl {
    /// When it becomes true, the extraction stops before the next entry or data
    /// block and throws smtrain::Error ("<tarball>: extraction cancelled").
    const std::atomic<bool>* cancel = nullptr;
    /// Names the progress line written every 10 s of a long extraction
    /// (progress.hpp); the caller's word for the step. Empty: no progress lines.
    std::string progress_label;
};

/// Extracts a tar archive, compressed with any filter libarchive knows (gzip,
/// bzip2, xz, zstd, lz4, ...) or not at all, into `dest_dir` (created if
/// missing). File permission bits (executable bits included) and modification
/// times are kept; ownership is not (files belong to the caller). An extraction
/// longer than 10 s writes a progress line (progress.hpp) every 10 s, named by
/// `control.progress_label`.
///
/// Throws smtrain::Error naming the tarball and the offending entry. On error,
/// entries extracted before the bad one stay in `dest_dir`; nothing is ever
/// written outside it.
void extract_tarball(const std::filesystem::path& tarball, const std::filesystem::path& dest_dir,
                     const ExtractControl& control = {});

/// Where an archive's bytes come from, in order: each call returns the next
/// bytes (valid until the next call), empty at the end, or throws smtrain::Error.
using ArchiveSource = std::function<std::string_view()>;

/// The same, reading the archive from `source` as it arrives; errors name
/// `label` (the S3 URL) in place of a file. An error thrown by `source` is
/// rethrown as it is.
void extract_tarball(const std::string& label, const ArchiveSource& source,
                     const std::filesystem::path& dest_dir, const ExtractControl& control = {});

}  // namespace smtrain::s3
