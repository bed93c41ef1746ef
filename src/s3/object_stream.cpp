// SPDX-License-Identifier: Apache-2.0
#include "s3/object_stream.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>

#include <smtrain/error.hpp>

namespace smtrain::s3 {
namespace {

ClientConfig with_cancel(ClientConfig config, std::shared_ptr<const std::atomic<bool>> cancel) {
    config.cancel = std::move(cancel);
    return config;
}

}  // namespace

ObjectStream::ObjectStream(const S3Client& client, S3Url src, StreamOptions options)
    : outer_cancel_(client.config().cancel),
      abort_(std::make_shared<std::atomic<bool>>(false)),
      // The copy's requests stop when this stream is destroyed, fails, or sees
      // the caller's cancel (next() looks at it and sets abort_).
      client_(with_cancel(client.config(), abort_)),
      src_(std::move(src)),
      options_(options) {
    options_.first_part = std::max<std::uint64_t>(options_.first_part, 1);
    options_.part_size = std::max<std::uint64_t>(options_.part_size, 1);
    options_.concurrency = std::max(1u, options_.concurrency);
    slots_.resize(options_.concurrency + 1);
    threads_.reserve(options_.concurrency);
    for (unsigned i = 0; i < options_.concurrency; ++i) threads_.emplace_back([this] { worker(); });
}

ObjectStream::~ObjectStream() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    abort_->store(true);
    changed_.notify_all();
    for (std::thread& t : threads_) t.join();
}

std::optional<std::uint64_t> ObjectStream::size() const {
    std::lock_guard lock(mutex_);
    return size_;
}

bool ObjectStream::cancelled() const { return outer_cancel_ && outer_cancel_->load(); }

ObjectStream::Range ObjectStream::part_range(std::uint64_t part) const {
    if (part == 0) return {0, size_ ? std::min(*size_, options_.first_part) : options_.first_part};
    const std::uint64_t offset = options_.first_part + (part - 1) * options_.part_size;
    return {offset, std::min(options_.part_size, *size_ - offset)};
}

void ObjectStream::worker() {
    std::unique_lock lock(mutex_);
    for (;;) {
        // A part may start when its slot is free: the slot of the part
        // slots_.size() before it has been read and released by next().
        const auto may_start = [&] {
            const std::uint64_t in_use_from = next_read_ == 0 ? 0 : next_read_ - 1;
            return next_fetch_ < parts_ && next_fetch_ < in_use_from + slots_.size() &&
                   (next_fetch_ == 0 || size_.has_value());
        };
        changed_.wait(lock, [&] { return stopping_ || !error_.empty() || may_start(); });
        if (stopping_ || !error_.empty()) return;
        const std::uint64_t part = next_fetch_++;
        const Range range = part_range(part);
        Slot& slot = slots_[part % slots_.size()];
        slot.ready = false;
        slot.part = part;
        slot.filled = 0;
        lock.unlock();
        std::string error;
        try {
            fetch(part, range, slot);
        } catch (const std::exception& e) {
            error = e.what();
        }
        lock.lock();
        if (!error.empty()) {
            if (error_.empty()) error_ = error;
        } else {
            slot.ready = true;
        }
        changed_.notify_all();
    }
}

void ObjectStream::fetch(std::uint64_t part, Range range, Slot& slot) {
    if (slot.capacity < range.size) {
        slot.data.reset();  // the old buffer goes first: at most one per slot
        slot.data = std::make_unique_for_overwrite<char[]>(range.size);
        slot.capacity = range.size;
    }
    const auto sink = [&](std::uint64_t offset, const char* data, std::size_t n) {
        if (offset + n > range.size) return false;  // more than was asked for
        if (offset == 0) received_ -= slot.filled;  // a retry starts over
        std::memcpy(slot.data.get() + offset, data, n);
        slot.filled = offset + n;
        received_ += n;
        return true;
    };
    std::string etag;
    {
        std::lock_guard lock(mutex_);
        etag = etag_;
    }
    const std::string action = part == 0 ? "GET" : "GET part " + std::to_string(part + 1);
    const S3Client::RangeAnswer answer =
        client_.download_range(src_, range.offset, range.offset + range.size - 1, etag, action, sink);
    std::lock_guard lock(mutex_);
    if (part == 0) {
        size_ = answer.object_size;
        etag_ = answer.etag;
        range.size = std::min(answer.object_size, options_.first_part);
        if (answer.object_size > options_.first_part) {
            parts_ =
                1 + (answer.object_size - options_.first_part + options_.part_size - 1) / options_.part_size;
        }
    }
    if (slot.filled != range.size) {
        throw Error(src_.str() + ": " + action + ": got " + std::to_string(slot.filled) + " of " +
                    std::to_string(range.size) + " bytes");
    }
}

std::string_view ObjectStream::next() {
    std::unique_lock lock(mutex_);
    if (next_read_ > 0) slots_[(next_read_ - 1) % slots_.size()].ready = false;  // released
    changed_.notify_all();
    if (size_ && next_read_ >= parts_) return {};
    Slot& slot = slots_[next_read_ % slots_.size()];
    // Woken by the workers; the caller's cancel flag is looked at every 50 ms.
    while (error_.empty() && !(slot.ready && slot.part == next_read_)) {
        if (cancelled()) {
            abort_->store(true);
            throw Error(src_.str() + ": GET cancelled");
        }
        changed_.wait_for(lock, std::chrono::milliseconds(50));
    }
    if (!error_.empty()) {
        abort_->store(true);
        throw Error(error_);
    }
    ++next_read_;
    return {slot.data.get(), static_cast<std::size_t>(slot.filled)};
}

}  // namespace smtrain::s3
