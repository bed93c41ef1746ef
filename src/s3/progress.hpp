// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// Progress lines for long phases (code download, extraction, requirements
/// install, final sync): every interval (10 s) while a phase runs longer than
/// that, one plain line, no `\r`, in one format that CloudWatch and metric
/// regexes can read:
///
///     progress: <phase>: <what is done>[ of <total>], <rate>/s[, about N s left]
///     progress: code download: 48.0 MiB of 64.0 MiB, 12.1 MiB/s, about 2 s left
///     progress: code extraction: 5000 entries, 830.2 entries/s
///     progress: requirements install: 30 s elapsed
///
/// The rate is over the last interval; the time left is shown when the total is
/// known and the rate is not zero. A phase whose count reached its total writes
/// no more lines.
///
/// Errors: none; a progress line that cannot be written is dropped.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace smtrain::s3 {

enum class ProgressUnit {
    Bytes,    ///< "48.0 MiB", "12.1 MiB/s"
    Entries,  ///< "5000 entries", "830.2 entries/s"
    Elapsed,  ///< no count: "30 s elapsed"
};

struct ProgressSample {
    std::uint64_t done = 0;
    std::optional<std::uint64_t> total;
};

/// One progress line (without newline). `rate` is per second; `elapsed` is the
/// phase's time so far (used by ProgressUnit::Elapsed).
std::string format_progress(const std::string& phase, ProgressUnit unit, const ProgressSample& sample,
                            double rate, std::chrono::seconds elapsed);

/// Where progress lines go. Default: one write(2) of the line and a newline to
/// stderr. sm-train routes them through its log (logging.cpp). Not thread-safe
/// against running tickers: set it at start.
using ProgressSink = std::function<void(const std::string& line)>;
void set_progress_sink(ProgressSink sink);

/// The ticker interval, 10 s. Tests shorten it (it is not a user setting).
void set_progress_interval(std::chrono::milliseconds interval);

/// A thread that writes one line per interval while it exists. Create it when a
/// phase starts; its destructor ends it at once (a phase shorter than the
/// interval writes nothing).
class ProgressTicker {
public:
    /// `sample` is called from the ticker's thread: it must be thread-safe.
    ProgressTicker(std::string phase, ProgressUnit unit, std::function<ProgressSample()> sample);
    /// A phase with no count (ProgressUnit::Elapsed), e.g. the pip install.
    explicit ProgressTicker(std::string phase);
    ~ProgressTicker();
    ProgressTicker(const ProgressTicker&) = delete;
    ProgressTicker& operator=(const ProgressTicker&) = delete;

private:
    void run();

    std::string phase_;
    ProgressUnit unit_;
    std::function<ProgressSample()> sample_;
    std::mutex mutex_;
    std::condition_variable stop_cv_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace smtrain::s3
