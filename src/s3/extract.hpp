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

#include <atomic>
#include <filesystem>

namespace smtrain::s3 {

/// Extracts a tar archive, compressed with any filter libarchive knows (gzip,
/// bzip2, xz, zstd, lz4, ...) or not at all, into `dest_dir` (created if
/// missing). File permission bits (executable bits included) and modification
/// times are kept; ownership is not (files belong to the caller).
///
/// Throws smtrain::Error naming the tarball and the offending entry, with exit
/// code CannotWrite when `dest_dir` cannot be written (read-only, full). On
/// error, entries extracted before the bad one stay in `dest_dir`; nothing is
/// ever written outside it. Once `*cancel` is true (checked between entries and
/// data blocks), throws Error "<tarball>: extraction cancelled".
void extract_tarball(const std::filesystem::path& tarball, const std::filesystem::path& dest_dir,
                     const std::atomic<bool>* cancel = nullptr);

}  // namespace smtrain::s3
