// SPDX-License-Identifier: Apache-2.0
#pragma once
// Test support for the supervisor's stderr sink: a program run by /bin/sh, a
// pipe whose reader is slow, as a container's log driver can be, and an
// observer that records what it is handed.

#include "process/spawn.hpp"
#include "process/stream_observer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace smtrain::process {

/// An observer that keeps every byte it is handed.
struct StreamRecorder final : StreamObserver {
    std::string bytes;
    bool ended = false;
    void feed(std::string_view more) override { bytes.append(more); }
    void finish() override { ended = true; }
};

/// `sh -c script` with a PATH of /usr/bin and /bin and nothing else.
inline SpawnSpec shell(const std::string& script) {
    SpawnSpec spec;
    spec.program = "/bin/sh";
    spec.argv = {"sh", "-c", script};
    spec.env = {"PATH=/usr/bin:/bin"};
    return spec;
}

/// A pipe read by a thread that starts after `delay` and reads `chunk` bytes at
/// a time until the write end is closed. The test hands write_end() to the
/// supervisor as its sink, then calls finish() for what arrived.
class LateReader {
public:
    LateReader(std::chrono::milliseconds delay, std::size_t chunk) {
        if (pipe2(fds_, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe2");
        thread_ = std::thread([this, delay, chunk] {
            std::this_thread::sleep_for(delay);
            std::vector<char> buf(chunk);
            ssize_t n;
            while ((n = read(fds_[0], buf.data(), buf.size())) > 0)
                received_.append(buf.data(), static_cast<std::size_t>(n));
        });
    }
    LateReader(const LateReader&) = delete;
    LateReader& operator=(const LateReader&) = delete;
    ~LateReader() {
        if (thread_.joinable()) finish();
    }

    int write_end() const { return fds_[1]; }

    /// Closes the write end, waits until the reader has read to the end, and
    /// returns all it read.
    std::string finish() {
        close(fds_[1]);
        thread_.join();
        close(fds_[0]);
        return received_;
    }

private:
    int fds_[2]{-1, -1};
    std::thread thread_;
    std::string received_;
};

}  // namespace smtrain::process
