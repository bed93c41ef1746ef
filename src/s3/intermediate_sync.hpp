// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// Uploads what the training program writes under output/intermediate while it
/// runs (the `sagemaker_s3_output` hyperparameter).
///
/// A watcher thread follows the tree with inotify: new sub-directories are
/// watched as they appear (and files already in them are taken), and a file is
/// taken when it is closed after writing or moved into the tree (an atomic
/// save, which the toolkit misses). Taking a file copies it at once to
/// `.tmp.sagemaker_s3_sync/<rel>/<timestamp>.<name>`, so later writes cannot
/// change what is uploaded, and queues it. A pool of uploader threads
/// (ClientConfig::max_concurrency) sends the queue to
/// `s3://<bucket>/<prefix>/<job name>/output/intermediate/<rel>/<name>`
/// (multipart above 8 MiB), oldest first and never two copies of one key at
/// once, so a file re-written after it was queued is stored after the earlier
/// copy; each copy is removed once it is uploaded.
///
/// Errors (the S3 layer's convention): the constructor throws smtrain::Error
/// for a destination it cannot use (a scheme but s3 and file, a folder it
/// cannot set inotify up for); uploads that fail while the job runs are
/// counted and reported by finish(), never thrown from its threads.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "s3/client.hpp"

namespace smtrain::s3 {

struct SyncFailure {
    std::string file;   ///< the path under output/intermediate
    std::string error;  ///< one line
};

struct SyncSummary {
    std::size_t uploaded = 0;
    std::vector<SyncFailure> failures;

    bool ok() const { return failures.empty(); }
    /// "intermediate output sync: 2 file(s) not uploaded: a/b.txt: <error>; c: <error>"
    std::string describe() const;
};

/// What the sync has moved, for progress lines and the job's timeline.
struct SyncStats {
    std::uint64_t files_done = 0;   ///< uploaded or given up on
    std::uint64_t files_total = 0;  ///< taken (copied and queued) so far
    std::uint64_t bytes_done = 0;   ///< stored in S3 (whole objects and parts), plus files given up on
    std::uint64_t bytes_total = 0;
};

struct IntermediateSyncOptions {
    std::filesystem::path intermediate_dir;  ///< /opt/ml/output/intermediate
    std::string s3_output_url;               ///< the sagemaker_s3_output hyperparameter
    std::string job_name;                    ///< TRAINING_JOB_NAME ("" if unset, as the toolkit)
    ClientConfig client;                     ///< usually ClientConfig::from_environment()
};

class IntermediateSync {
public:
    IntermediateSync();
    IntermediateSync(const IntermediateSync&) = delete;
    IntermediateSync& operator=(const IntermediateSync&) = delete;
    /// Stops the threads (as finish() does) when finish() was not called.
    ~IntermediateSync();

    /// Starts syncing, following the toolkit's rules: nothing happens (false)
    /// when the URL is empty or the intermediate directory already exists (the
    /// platform syncs it then); otherwise the directory and its
    /// .tmp.sagemaker_s3_sync are created, and a file:// URL means no sync
    /// (false). Any scheme but s3 and file throws smtrain::Error, as does a
    /// failure to set up inotify. True when the threads run.
    bool start(const IntermediateSyncOptions& options);

    using Clock = std::chrono::steady_clock;
    /// Asked again every 100 ms while finish() waits, so the bound may move
    /// closer (a stop signal that arrives during the wait).
    using DeadlineFn = std::function<Clock::time_point()>;

    /// The last pass: takes every event the program's writes left, waits for
    /// all uploads (each already retried by the client), stops the threads,
    /// and says what did not make it. Uploads that failed keep their copy under
    /// .tmp.sagemaker_s3_sync. Returns an empty summary when not started.
    SyncSummary finish();

    /// finish(), but the wait for the uploads ends at `deadline()`: the upload
    /// in flight is cancelled (within about a second) and it and every file
    /// still queued are reported as not uploaded. The last pass itself (local
    /// copies) is not bounded.
    SyncSummary finish(const DeadlineFn& deadline);

    /// `log` gets a "progress: final sync: ..." line every `interval` while
    /// finish() waits longer than that (none by default). Call before finish().
    void on_progress(std::function<void(const std::string&)> log,
                     std::chrono::milliseconds interval = std::chrono::seconds(10));

    /// Safe to call from any thread at any time, also during and after
    /// finish() (zeros when never started).
    SyncStats stats() const;

    /// The temporary directory name inside output/intermediate, as in the toolkit.
    static constexpr const char* kTmpDirName = ".tmp.sagemaker_s3_sync";

private:
    struct State;
    struct Counters;
    std::shared_ptr<Counters> counters_;  ///< outlives finish(), so stats() stays safe
    std::unique_ptr<State> state_;
    std::function<void(const std::string&)> progress_;
    std::chrono::milliseconds progress_interval_{10'000};
};

/// "progress: final sync: 120/500 files, 7.5 MiB of 31.2 MiB, 2.1 MiB/s,
/// about 12 s left": `rate` in bytes/s over the wait so far (no time left
/// when it is 0).
std::string final_sync_progress_line(const SyncStats& stats, double rate);

/// The key prefix the toolkit builds: os.path.join(<url path without leading
/// '/'>, <job name>, "output", "intermediate").
std::string intermediate_key_prefix(const S3Url& output, const std::string& job_name);

}  // namespace smtrain::s3
