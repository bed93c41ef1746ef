// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// Where relayed output and sm-train's own log lines go, written without ever waiting.
///
/// A container's stderr is a pipe to a log driver that may stall (a throttled
/// awslogs in blocking mode). If sm-train waited for room there, it would stop
/// forwarding signals, miss the grace deadline and never write the report. An
/// OutputSink writes what the reader takes now, queues a bounded amount, and
/// drops the rest, counting it; once the queue has drained it says how much was
/// dropped, in the stream itself. (What the supervisor captures for the report
/// is fed before the sink and loses nothing.)
///
/// A slow reader is not a stalled one: the supervisor stops reading the
/// program's pipe while the queue is full (the program then waits, as it would
/// on a slow stderr of its own), and only drops once the sink has taken nothing
/// for kStallLimit, or once the job is stopping.
///
/// Pipes, FIFOs and terminals are written through a private non-blocking open
/// file description (/proc/self/fd/N reopened), so the O_NONBLOCK flag never
/// reaches the program, which shares the original description; sockets use
/// MSG_DONTWAIT; regular files are written as they are (they do not block).
///
/// Errors: none are thrown; a sink that fails for good (EPIPE, EBADF, ENOSPC)
/// is disabled and the bytes meant for it are dropped.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace smtrain::process {

class OutputSink {
public:
    /// At most this much is queued while the reader does not read.
    static constexpr std::size_t kQueueLimit = 4 << 20;
    /// A sink that has taken nothing for this long is stalled (see above).
    static constexpr std::chrono::seconds kStallLimit{5};

    /// `fd` is borrowed; `name` ("stderr") is used in the drop notice.
    OutputSink(int fd, std::string name);
    ~OutputSink();
    OutputSink(const OutputSink&) = delete;
    OutputSink& operator=(const OutputSink&) = delete;

    /// Writes `data` now, or queues it, or drops it; never waits. Thread-safe.
    void write(std::string_view data);
    /// Writes what is queued that the reader takes now. True when nothing is queued.
    bool flush();
    /// Waits for the queue to drain while the reader keeps taking bytes: gives
    /// up once it has taken nothing for `stall_ms` (a slow reader still gets
    /// the end of the output, a stalled one cannot hold sm-train).
    void drain(int stall_ms);

    bool has_queued() const;
    /// Whether `size` more bytes fit in the queue.
    bool accepts(std::size_t size) const;
    /// How long bytes have been queued without the reader taking any (zero when none are queued).
    std::chrono::steady_clock::duration stalled_for() const;
    /// The descriptor written to (poll it for POLLOUT while has_queued()); -1 when disabled.
    int fd() const {
        std::lock_guard lock(mutex_);
        return fd_;
    }
    /// Bytes dropped so far.
    std::uint64_t dropped() const;

private:
    /// One non-blocking write; the bytes taken, 0 when none fit, -1 when the sink is gone.
    long write_now(const char* data, std::size_t size);
    bool flush_locked();

    mutable std::mutex mutex_;
    int fd_ = -1;
    bool owned_ = false;
    bool socket_ = false;
    std::string name_;
    std::string queue_;
    std::uint64_t dropped_ = 0;
    std::uint64_t dropped_unreported_ = 0;
    std::chrono::steady_clock::time_point last_progress_;
};

/// The process's stderr (fd 2) and stdout (fd 1), shared by the supervisor's
/// relay and the logger.
OutputSink& stderr_sink();
OutputSink& stdout_sink();

}  // namespace smtrain::process
