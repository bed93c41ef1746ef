// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// Bytes and objects this process moved to and from S3, for the job's
/// end-of-run summary. Counted by S3Client when a transfer succeeds; safe to
/// update from any thread (the sync uploads from its own threads).
///
/// Errors: none.

#include <atomic>
#include <cstdint>

namespace smtrain::s3 {

struct TransferTotals {
    std::uint64_t downloaded_bytes = 0, downloaded_files = 0;
    std::uint64_t uploaded_bytes = 0, uploaded_files = 0;
};

class TransferCounters {
public:
    void count_download(std::uint64_t bytes) {
        downloaded_bytes_ += bytes;
        ++downloaded_files_;
    }
    void count_upload(std::uint64_t bytes) {
        uploaded_bytes_ += bytes;
        ++uploaded_files_;
    }
    TransferTotals totals() const {
        return {downloaded_bytes_.load(), downloaded_files_.load(), uploaded_bytes_.load(),
                uploaded_files_.load()};
    }

private:
    std::atomic<std::uint64_t> downloaded_bytes_{0}, downloaded_files_{0};
    std::atomic<std::uint64_t> uploaded_bytes_{0}, uploaded_files_{0};
};

/// The process's counters. Never throws.
inline TransferCounters& transfer_counters() {
    static TransferCounters counters;
    return counters;
}

}  // namespace smtrain::s3
