// SPDX-License-Identifier: Apache-2.0
#include "s3/progress.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>

namespace smtrain::s3 {
namespace {

std::mutex sink_mutex;
ProgressSink& sink() {
    static ProgressSink s;
    return s;
}
std::atomic<std::int64_t> interval_ms{10'000};

void write_stderr(const std::string& line) {
    std::string text = line + "\n";
    const char* p = text.data();
    std::size_t left = text.size();
    while (left > 0) {
        const ssize_t n = ::write(2, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // a log line is not worth failing for
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

void emit(const std::string& line) {
    std::lock_guard lock(sink_mutex);
    if (sink()) {
        sink()(line);
    } else {
        write_stderr(line);
    }
}

std::string one_decimal(double value) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.1f", value);
    return buffer;
}

std::string bytes(double value) {
    static const char* const units[] = {"KiB", "MiB", "GiB", "TiB"};
    if (value < 1024) return std::to_string(static_cast<std::uint64_t>(value)) + " B";
    int unit = -1;
    while (value >= 1024 && unit < 3) {
        value /= 1024;
        ++unit;
    }
    return one_decimal(value) + " " + units[unit];
}

}  // namespace

std::string format_progress(const std::string& phase, ProgressUnit unit, const ProgressSample& sample,
                            double rate, std::chrono::seconds elapsed) {
    std::string line = "progress: " + phase + ": ";
    if (unit == ProgressUnit::Elapsed) return line + std::to_string(elapsed.count()) + " s elapsed";
    const auto amount = [&](double v) {
        return unit == ProgressUnit::Bytes ? bytes(v)
                                           : std::to_string(static_cast<std::uint64_t>(v)) + " entries";
    };
    line += amount(static_cast<double>(sample.done));
    if (sample.total) line += " of " + amount(static_cast<double>(*sample.total));
    line += ", " + (unit == ProgressUnit::Bytes ? bytes(rate) : one_decimal(rate) + " entries") + "/s";
    if (sample.total && rate > 0 && *sample.total >= sample.done) {
        const double left = static_cast<double>(*sample.total - sample.done) / rate;
        line += ", about " + std::to_string(static_cast<std::uint64_t>(std::ceil(left))) + " s left";
    }
    return line;
}

void set_progress_sink(ProgressSink s) {
    std::lock_guard lock(sink_mutex);
    sink() = std::move(s);
}

void set_progress_interval(std::chrono::milliseconds interval) { interval_ms = interval.count(); }

ProgressTicker::ProgressTicker(std::string phase, ProgressUnit unit, std::function<ProgressSample()> sample)
    : phase_(std::move(phase)), unit_(unit), sample_(std::move(sample)), thread_([this] { run(); }) {}

ProgressTicker::ProgressTicker(std::string phase)
    : ProgressTicker(std::move(phase), ProgressUnit::Elapsed, [] { return ProgressSample{}; }) {}

ProgressTicker::~ProgressTicker() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    stop_cv_.notify_all();
    thread_.join();
}

void ProgressTicker::run() {
    using Clock = std::chrono::steady_clock;
    const auto interval = std::chrono::milliseconds(interval_ms.load());
    const Clock::time_point start = Clock::now();
    Clock::time_point last_time = start;
    std::uint64_t last_done = 0;
    std::unique_lock lock(mutex_);
    for (Clock::time_point wake = start + interval;; wake += interval) {
        if (stop_cv_.wait_until(lock, wake, [&] { return stop_; })) return;
        const ProgressSample sample = sample_();
        // Done but not yet ended (a download whose bytes all came while the
        // extraction goes on): nothing to say.
        if (sample.total && sample.done >= *sample.total) continue;
        const Clock::time_point now = Clock::now();
        const double seconds = std::chrono::duration<double>(now - last_time).count();
        const double rate = seconds > 0 && sample.done >= last_done
                                ? static_cast<double>(sample.done - last_done) / seconds
                                : 0;
        last_time = now;
        last_done = sample.done;
        emit(format_progress(phase_, unit_, sample, rate,
                             std::chrono::duration_cast<std::chrono::seconds>(now - start)));
    }
}

}  // namespace smtrain::s3
