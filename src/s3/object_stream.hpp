// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// One S3 object read in order while its parts download in parallel: what the
/// code download feeds to the extractor, so extraction starts with the first
/// bytes and no temporary file is written.
///
/// Memory is bounded: at most `concurrency + 1` part buffers exist (the parts in
/// flight or waiting to be read, and the one being read), so the stream holds at
/// most (concurrency + 1) x part_size bytes: 72 MiB with the defaults.
///
/// Errors (the S3 layer's convention): next() throws the first part's
/// smtrain::Error (bucket, key, status) once its retries are spent, or
/// "... cancelled" after a stop.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "s3/client.hpp"

namespace smtrain::s3 {

struct StreamOptions {
    /// The first GET asks for this much: a typical sourcedir.tar.gz (KiBs) is one
    /// request, and its answer gives the object's size for the parallel parts.
    std::uint64_t first_part = 1ull << 20;
    std::uint64_t part_size = 8ull << 20;  ///< the parts after the first
    unsigned concurrency = 8;              ///< GETs in flight at once, each thread on one reused connection
};

class ObjectStream {
public:
    /// Starts fetching `src` at once. The client's cancel flag (ClientConfig::cancel)
    /// stops it: GETs in flight are aborted (within about a second) and next() throws.
    ObjectStream(const S3Client& client, S3Url src, StreamOptions options = {});
    /// Aborts the GETs still in flight and waits for their threads.
    ~ObjectStream();
    ObjectStream(const ObjectStream&) = delete;
    ObjectStream& operator=(const ObjectStream&) = delete;

    /// The next bytes of the object, in order; empty once all were returned. The
    /// view stays valid until the next call. Throws smtrain::Error: the first failed
    /// GET's error (after the client's retries), or "<url>: GET cancelled".
    std::string_view next();

    /// Bytes received so far, of all parts (for progress lines).
    std::uint64_t received() const { return received_.load(); }
    /// The object's size, once the first answer has come.
    std::optional<std::uint64_t> size() const;

private:
    struct Slot {
        std::unique_ptr<char[]> data;
        std::uint64_t capacity = 0;
        std::uint64_t filled = 0;  ///< bytes of the current attempt
        std::uint64_t part = UINT64_MAX;
        bool ready = false;
    };
    struct Range {
        std::uint64_t offset, size;
    };
    Range part_range(std::uint64_t part) const;  // with mutex_ held
    void worker();
    void fetch(std::uint64_t part, Range range, Slot& slot);
    bool cancelled() const;

    std::shared_ptr<const std::atomic<bool>> outer_cancel_;  ///< the caller's ClientConfig::cancel
    std::shared_ptr<std::atomic<bool>> abort_;               ///< set on a stop, an error or a cancel
    S3Client client_;                                        ///< the caller's, with abort_ as its cancel flag
    S3Url src_;
    StreamOptions options_;
    std::atomic<std::uint64_t> received_{0};

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<Slot> slots_;
    std::uint64_t next_fetch_ = 0;  ///< next part a worker takes
    std::uint64_t next_read_ = 0;   ///< next part next() returns
    std::uint64_t parts_ = 1;       ///< only the first, until its answer gives the size
    std::optional<std::uint64_t> size_;
    std::string etag_;
    std::string error_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace smtrain::s3
