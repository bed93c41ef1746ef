// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// Checkpoints that survive a SIGKILL at any instant.
///
/// A spot interruption or MaxRuntime ends a job with SIGTERM and, 120 s later,
/// SIGKILL; a checkpoint being written then must not replace the last good one.
/// write_checkpoint() writes a temporary file next to the target, fsyncs it,
/// renames it into place and fsyncs the directory, so a reader sees either the
/// old set of checkpoints or the new one, never a torn file; latest_checkpoint()
/// finds the newest complete one (temporary files are never candidates).
/// \code
///   auto env = smtrain::TrainingEnv::from_environment();
///   std::int64_t step = 0;
///   if (auto dir = env.checkpoint_dir())
///       if (auto last = smtrain::latest_checkpoint(*dir)) { step = last->step + 1; restore(last->path); }
///   for (; step < steps; ++step) {
///       train_one_step();
///       if (auto dir = env.checkpoint_dir()) smtrain::write_checkpoint(*dir, step, serialize());
///   }
/// \endcode
///
/// Errors: smtrain::Error(CannotWrite) naming the path and the system's reason.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace smtrain {

/// Writes `bytes` to `path` atomically and durably: `path` is either absent or
/// its old content, or the new content, after any crash. Creates the parent
/// directory. Throws Error(CannotWrite).
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

/// "checkpoint-000000000042": the name of step 42's checkpoint (zero-padded, so
/// names sort as steps do; steps are 0 .. 10^12-1).
std::string checkpoint_name(std::int64_t step);

/// Writes step `step`'s checkpoint into `dir` atomically (write_file_atomically);
/// returns its path. Throws Error(CannotWrite), std::invalid_argument for a step < 0.
std::filesystem::path write_checkpoint(const std::filesystem::path& dir, std::int64_t step,
                                       std::string_view bytes);

struct CheckpointFile {
    std::int64_t step = 0;
    std::filesystem::path path;
};

/// The complete checkpoint with the highest step in `dir` (a regular file named as
/// checkpoint_name() makes them); nullopt when there is none or no such directory.
std::optional<CheckpointFile> latest_checkpoint(const std::filesystem::path& dir);

/// The content of a checkpoint file. Throws Error naming the path when unreadable.
std::string read_checkpoint(const std::filesystem::path& path);

}  // namespace smtrain
