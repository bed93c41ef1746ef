// SPDX-License-Identifier: Apache-2.0
#include "process/output_sink.hpp"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>

namespace smtrain::process {

OutputSink::OutputSink(int fd, std::string name) : fd_(fd), name_(std::move(name)) {
    struct stat st {};
    if (fd < 0 || fstat(fd, &st) != 0) {
        fd_ = -1;
        return;
    }
    if (S_ISSOCK(st.st_mode)) {
        socket_ = true;
    } else if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
        const std::string self = "/proc/self/fd/" + std::to_string(fd);
        const int own = open(self.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (own >= 0) {
            fd_ = own;
            owned_ = true;
        }
        // Without /proc the shared description is used: writes can then block,
        // as they always did.
    }
}

OutputSink::~OutputSink() {
    if (owned_) close(fd_);
}

long OutputSink::write_now(const char* data, std::size_t size) {
    for (;;) {
        const ssize_t n =
            socket_ ? send(fd_, data, size, MSG_DONTWAIT | MSG_NOSIGNAL) : ::write(fd_, data, size);
        if (n >= 0) return static_cast<long>(n);
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
        return -1;
    }
}

bool OutputSink::flush_locked() {
    while (fd_ >= 0 && !queue_.empty()) {
        const long n = write_now(queue_.data(), queue_.size());
        if (n < 0) {
            fd_ = -1;  // EPIPE, EBADF, ENOSPC...: stop writing, keep supervising
            break;
        }
        if (n == 0) return false;
        last_progress_ = std::chrono::steady_clock::now();
        queue_.erase(0, static_cast<std::size_t>(n));
        if (queue_.empty() && dropped_unreported_ > 0) {
            // The reader is back: say what it missed, once.
            queue_ = "sm-train: " + std::to_string(dropped_unreported_) + " bytes of the program's " + name_ +
                     " were dropped: nobody read sm-train's " + name_ + "\n";
            dropped_unreported_ = 0;
        }
    }
    if (fd_ < 0) queue_.clear();
    return queue_.empty();
}

void OutputSink::write(std::string_view data) {
    std::lock_guard lock(mutex_);
    if (fd_ < 0) return;
    if (flush_locked()) {
        const long n = write_now(data.data(), data.size());
        if (n < 0) {
            fd_ = -1;
            return;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
        if (data.empty()) return;
    }
    if (queue_.empty()) last_progress_ = std::chrono::steady_clock::now();
    if (queue_.size() + data.size() > kQueueLimit) {
        dropped_ += data.size();
        dropped_unreported_ += data.size();
        return;
    }
    queue_.append(data);
}

bool OutputSink::flush() {
    std::lock_guard lock(mutex_);
    return flush_locked();
}

void OutputSink::drain(int stall_ms) {
    while (!flush()) {
        const auto left =
            std::chrono::milliseconds(stall_ms) - std::chrono::ceil<std::chrono::milliseconds>(stalled_for());
        if (left.count() <= 0) return;
        pollfd p{fd(), POLLOUT, 0};
        poll(&p, 1, static_cast<int>(left.count()));
    }
}

bool OutputSink::has_queued() const {
    std::lock_guard lock(mutex_);
    return !queue_.empty();
}

bool OutputSink::accepts(std::size_t size) const {
    std::lock_guard lock(mutex_);
    return fd_ < 0 || queue_.size() + size <= kQueueLimit;
}

std::chrono::steady_clock::duration OutputSink::stalled_for() const {
    std::lock_guard lock(mutex_);
    if (queue_.empty() || fd_ < 0) return {};
    return std::chrono::steady_clock::now() - last_progress_;
}

std::uint64_t OutputSink::dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
}

OutputSink& stderr_sink() {
    // Never destroyed: log lines may still come from other threads at exit.
    static auto* sink = new OutputSink(2, "stderr");
    return *sink;
}

OutputSink& stdout_sink() {
    static auto* sink = new OutputSink(1, "stdout");
    return *sink;
}

}  // namespace smtrain::process
