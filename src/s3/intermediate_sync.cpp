// SPDX-License-Identifier: Apache-2.0
#include "s3/intermediate_sync.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <smtrain/error.hpp>
#include "lib/unique_fd.hpp"

namespace smtrain::s3 {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t kWatchMask =
    IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK;
/// On output/intermediate's parent: the intermediate directory made again
/// (`rm -rf "$D"; mkdir "$D"`, shutil.rmtree users) or moved into place.
constexpr uint32_t kParentMask = IN_CREATE | IN_MOVED_TO | IN_ONLYDIR | IN_DONT_FOLLOW;

std::string join_rel(const std::string& rel, const std::string& name) {
    return rel.empty() ? name : rel + "/" + name;
}

/// UTC "YYYY-MM-DD-HH-MM-SS-<microseconds>", the toolkit's copy prefix
/// (always six digits here; see docs/s3.md).
std::string timestamp() {
    timeval tv{};
    ::gettimeofday(&tv, nullptr);
    std::tm tm{};
    ::gmtime_r(&tv.tv_sec, &tm);
    char buffer[64];
    const size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%d-%H-%M-%S", &tm);
    std::snprintf(buffer + n, sizeof buffer - n, "-%06ld", static_cast<long>(tv.tv_usec));
    return buffer;
}

/// The staging copy's file name: the toolkit's `<timestamp>.<name>`, with
/// the name cut short when the two together would not fit `name_max` (a legal
/// name of 229-255 bytes would otherwise make the copy fail). The key in S3
/// keeps the whole name; the copy's name only has to be unique, and the
/// O_EXCL retry in take_file makes it so.
std::string staging_name(const std::string& stamp, const std::string& name, std::size_t name_max) {
    const std::string prefix = stamp + ".";
    if (prefix.size() + name.size() <= name_max) return prefix + name;
    return prefix + name.substr(0, name_max > prefix.size() ? name_max - prefix.size() : 0);
}

/// Copies all of `in` to `out` (copy_file_range, which may share extents,
/// falling back to read/write across file systems that refuse it).
bool copy_contents(int in, int out) {
    for (;;) {
        const ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, 1 << 30, 0);
        if (n == 0) return true;
        if (n > 0) continue;
        if (errno == EINTR) continue;
        if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP) return false;
        break;
    }
    char buffer[1 << 16];
    for (;;) {
        const ssize_t n = ::read(in, buffer, sizeof buffer);
        if (n == 0) return true;
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        for (ssize_t done = 0; done < n;) {
            const ssize_t w = ::write(out, buffer + done, static_cast<size_t>(n - done));
            if (w < 0) {
                if (errno == EINTR) continue;
                return false;
            }
            done += w;
        }
    }
}

}  // namespace

std::string intermediate_key_prefix(const S3Url& output, const std::string& job_name) {
    return join_key(join_key(join_key(output.key, job_name), "output"), "intermediate");
}

std::string SyncSummary::describe() const {
    if (failures.empty())
        return "intermediate output sync: " + std::to_string(uploaded) + " file(s) uploaded";
    std::string text =
        "intermediate output sync: " + std::to_string(failures.size()) + " file(s) not uploaded: ";
    for (size_t i = 0; i < failures.size(); ++i) {
        if (i) text += "; ";
        text += failures[i].file + ": " + failures[i].error;
    }
    return text;
}

struct IntermediateSync::Counters {
    std::atomic<std::uint64_t> files_done{0}, files_total{0}, bytes_done{0}, bytes_total{0};
};

std::string final_sync_progress_line(const SyncStats& stats, double rate) {
    const auto mib = [](double bytes) {
        char text[32];
        std::snprintf(text, sizeof text, "%.1f MiB", bytes / (1024.0 * 1024.0));
        return std::string(text);
    };
    std::string line = "progress: final sync: " + std::to_string(stats.files_done) + "/" +
                       std::to_string(stats.files_total) + " files, " +
                       mib(static_cast<double>(stats.bytes_done)) + " of " +
                       mib(static_cast<double>(stats.bytes_total)) + ", " + mib(rate) + "/s";
    if (rate > 0 && stats.bytes_total >= stats.bytes_done) {
        const double left = static_cast<double>(stats.bytes_total - stats.bytes_done) / rate;
        line += ", about " + std::to_string(static_cast<long long>(left + 0.5)) + " s left";
    }
    return line;
}

struct IntermediateSync::State {
    fs::path root;
    fs::path tmp_root;
    S3Url target;  ///< bucket, and the key prefix
    /// Set when finish()'s deadline passes; the client aborts what it is doing.
    /// (Declared before `client`, which is built with it.)
    std::shared_ptr<std::atomic<bool>> cancel = std::make_shared<std::atomic<bool>>(false);
    S3Client client;
    detail::UniqueFd inotify;
    detail::UniqueFd stop_event;
    std::unordered_map<int, std::string> watches;  ///< wd -> path relative to root (watcher thread only)
    int parent_watch = -1;                         ///< on root's parent, to see root made again
    std::size_t name_max = NAME_MAX;               ///< of the staging file system

    std::shared_ptr<Counters> counters;

    struct Upload {
        std::string rel_file;  ///< <rel>/<name>, for keys and messages
        fs::path copy;
        std::uint64_t size = 0;
    };
    std::mutex mutex;
    std::condition_variable queue_changed;
    std::deque<Upload> queue;
    /// rel_file of each upload in flight: a later copy of one waits for it.
    std::unordered_set<std::string> in_flight;
    bool no_more_uploads = false;
    unsigned uploaders_running = 0;
    SyncSummary summary;

    std::thread watcher;
    std::vector<std::thread> uploaders;

    State(const fs::path& dir, S3Url url, ClientConfig config, std::shared_ptr<Counters> shared_counters)
        : root(normal_dir(dir)),
          tmp_root(root / kTmpDirName),
          target(std::move(url)),
          client(with_cancel(config)),
          counters(std::move(shared_counters)) {}

    /// Absolute, without a trailing '/': its parent and its name are watched for.
    static fs::path normal_dir(const fs::path& dir) {
        fs::path p = fs::absolute(dir).lexically_normal();
        return p.has_filename() ? p : p.parent_path();
    }

    ClientConfig with_cancel(ClientConfig config) const {
        config.cancel = cancel;
        return config;
    }

    void record_failure(const std::string& file, const std::string& error) {
        std::lock_guard lock(mutex);
        summary.failures.push_back({file, error});
    }

    // ---- watcher thread -------------------------------------------------

    /// Watches `rel` and everything below it, and takes the files already
    /// there: they may have been written before the watch existed.
    void add_tree(const std::string& rel) {
        const fs::path dir = rel.empty() ? root : root / rel;
        const int wd = ::inotify_add_watch(inotify.get(), dir.c_str(), kWatchMask);
        if (wd < 0) {
            if (errno == ENOENT || errno == ENOTDIR) return;  // gone again
            record_failure(rel.empty() ? "." : rel,
                           std::string("cannot watch the directory: ") + std::strerror(errno) +
                               (errno == ENOSPC ? " (raise fs.inotify.max_user_watches)" : ""));
            return;
        }
        watches[wd] = rel;  // also renames the watch when a watched directory moved

        DIR* listing = ::opendir(dir.c_str());
        if (!listing) return;
        std::vector<std::pair<std::string, bool>> entries;
        while (const dirent* entry = ::readdir(listing)) {
            const std::string name = entry->d_name;
            if (name == "." || name == "..") continue;
            if (rel.empty() && name == kTmpDirName) continue;
            struct stat st {};
            if (::fstatat(dirfd(listing), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
            if (S_ISDIR(st.st_mode)) entries.emplace_back(name, true);
            if (S_ISREG(st.st_mode)) entries.emplace_back(name, false);
        }
        ::closedir(listing);
        for (const auto& [name, is_dir] : entries) {
            if (is_dir) {
                add_tree(join_rel(rel, name));
            } else {
                take_file(rel, name);
            }
        }
    }

    /// Copies root/rel/name into the temporary tree and queues the copy.
    void take_file(const std::string& rel, const std::string& name) {
        const std::string rel_file = join_rel(rel, name);
        detail::UniqueFd in(
            ::open((root / rel_file).c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
        if (!in.valid()) {
            // Deleted (or replaced by a symlink) before we got to it: nothing to upload,
            // as in the toolkit.
            if (errno == ENOENT || errno == ELOOP) return;
            record_failure(rel_file, std::string("cannot open: ") + std::strerror(errno));
            return;
        }
        struct stat st {};
        if (::fstat(in.get(), &st) != 0 || !S_ISREG(st.st_mode)) return;

        const fs::path copy_dir = rel.empty() ? tmp_root : tmp_root / rel;
        std::error_code ec;
        fs::create_directories(copy_dir, ec);
        detail::UniqueFd out;
        fs::path copy;
        // Two takes of the same file in one microsecond would collide: try the next stamp.
        for (int tries = 0; tries < 100 && !out.valid(); ++tries) {
            copy = copy_dir / staging_name(timestamp(), name, name_max);
            out.reset(::open(copy.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
            if (!out.valid() && errno != EEXIST) break;
        }
        if (!out.valid() || !copy_contents(in.get(), out.get())) {
            const std::string error =
                std::string("cannot copy to ") + copy.string() + ": " + std::strerror(errno);
            if (out.valid()) ::unlink(copy.c_str());
            record_failure(rel_file, error);
            return;
        }
        const auto size = static_cast<std::uint64_t>(st.st_size);
        counters->files_total += 1;
        counters->bytes_total += size;
        std::lock_guard lock(mutex);
        queue.push_back({rel_file, std::move(copy), size});
        queue_changed.notify_all();
    }

    void handle(const inotify_event& event) {
        if (event.mask & IN_Q_OVERFLOW) {
            // Events were lost: look at everything again (some files go twice).
            add_tree("");
            return;
        }
        if (event.wd == parent_watch) {
            handle_parent(event);
            return;
        }
        if (event.mask & IN_IGNORED) {
            watches.erase(event.wd);
            return;
        }
        const auto it = watches.find(event.wd);
        if (it == watches.end() || event.len == 0) return;
        const std::string rel = it->second;
        const std::string name = event.name;
        if (event.mask & IN_ISDIR) {
            if (event.mask & (IN_CREATE | IN_MOVED_TO)) {
                if (rel.empty() && name == kTmpDirName) return;
                add_tree(join_rel(rel, name));
            }
        } else if (event.mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) {
            take_file(rel, name);
        }
    }

    /// output/intermediate's parent: the intermediate directory made again is
    /// watched again, with what is already in it; the parent itself going
    /// away means nothing written later can be seen, which the job must say.
    void handle_parent(const inotify_event& event) {
        if (event.mask & IN_IGNORED) {
            parent_watch = -1;
            record_failure(".",
                           "cannot watch for the directory being made again: " + root.parent_path().string() +
                               " was removed; files written after that are not uploaded");
            return;
        }
        if (event.len == 0 || !(event.mask & IN_ISDIR) || event.name != root.filename().string()) return;
        if (event.mask & (IN_CREATE | IN_MOVED_TO)) add_tree("");
    }

    /// Handles every queued event; false when none was queued.
    bool drain_events() {
        alignas(inotify_event) char buffer[64 * 1024];
        bool any = false;
        for (;;) {
            const ssize_t n = ::read(inotify.get(), buffer, sizeof buffer);
            if (n <= 0) {
                if (n < 0 && errno == EINTR) continue;
                return any;
            }
            any = true;
            for (ssize_t offset = 0; offset < n;) {
                // The buffer is aligned for inotify_event and the kernel pads each record to keep it so.
                const auto* event = reinterpret_cast<const inotify_event*>(buffer + offset);
                handle(*event);
                offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
            }
        }
    }

    void watch_loop() {
        pollfd fds[2] = {{inotify.get(), POLLIN, 0}, {stop_event.get(), POLLIN, 0}};
        for (;;) {
            if (::poll(fds, 2, -1) < 0) {
                if (errno == EINTR) continue;
                record_failure(".", std::string("poll failed: ") + std::strerror(errno));
                break;
            }
            if (fds[0].revents & POLLIN) drain_events();
            if (fds[1].revents & POLLIN) break;
        }
        // The last pass: the program has exited, so every close it made is
        // already an event in the queue.
        while (drain_events()) {
        }
    }

    // ---- uploader threads ----------------------------------------------

    void upload_loop() {
        upload_queue();
        std::lock_guard lock(mutex);
        --uploaders_running;
        queue_changed.notify_all();
    }

    /// The oldest queued upload whose key has no upload in flight.
    std::deque<Upload>::iterator next_free() {
        return std::find_if(queue.begin(), queue.end(),
                            [&](const Upload& u) { return in_flight.count(u.rel_file) == 0; });
    }

    void upload_queue() {
        const std::string prefix = target.key;
        for (;;) {
            Upload next;
            {
                std::unique_lock lock(mutex);
                auto it = queue.end();
                queue_changed.wait(lock, [&] {
                    if (*cancel) return true;
                    it = next_free();
                    return it != queue.end() || (no_more_uploads && queue.empty());
                });
                // Once cancelled, what is left in the queue is finish()'s to report.
                if (*cancel || it == queue.end()) return;
                next = std::move(*it);
                queue.erase(it);
                in_flight.insert(next.rel_file);
            }
            std::atomic<std::uint64_t> sent{0};  // parts report from their own threads
            try {
                client.upload(next.copy, S3Url{target.bucket, join_key(prefix, next.rel_file)},
                              [&](std::uint64_t n) {
                                  sent += n;
                                  counters->bytes_done += n;
                              });
                ::unlink(next.copy.c_str());
                std::lock_guard lock(mutex);
                ++summary.uploaded;
            } catch (const std::exception& e) {
                // Kept on disk for a person to find; reported by finish().
                record_failure(next.rel_file, std::string(e.what()) +
                                                  (*cancel ? " (the final wait for uploads ran out)" : ""));
                if (next.size > sent) counters->bytes_done += next.size - sent;
            }
            counters->files_done += 1;
            {
                std::lock_guard lock(mutex);
                in_flight.erase(next.rel_file);
            }
            queue_changed.notify_all();
        }
    }
};

IntermediateSync::IntermediateSync() : counters_(std::make_shared<Counters>()) {}

void IntermediateSync::on_progress(std::function<void(const std::string&)> log,
                                   std::chrono::milliseconds interval) {
    progress_ = std::move(log);
    progress_interval_ = interval;
}

SyncStats IntermediateSync::stats() const {
    SyncStats stats;
    stats.files_done = counters_->files_done;
    stats.files_total = counters_->files_total;
    stats.bytes_done = counters_->bytes_done;
    stats.bytes_total = counters_->bytes_total;
    return stats;
}

IntermediateSync::~IntermediateSync() {
    try {
        finish();
    } catch (...) {
        // A destructor must not throw; finish() reports, it does not throw, but be safe.
    }
}

bool IntermediateSync::start(const IntermediateSyncOptions& options) {
    if (state_) throw Error("intermediate output sync: already started");
    if (options.s3_output_url.empty() || fs::exists(options.intermediate_dir)) return false;
    fs::create_directories(options.intermediate_dir / kTmpDirName);

    const std::string& url = options.s3_output_url;
    if (url.rfind("file://", 0) == 0) return false;
    if (url.rfind("s3://", 0) != 0) {
        throw Error("sagemaker_s3_output: expected an s3:// or file:// URL, got '" + url + "'");
    }
    S3Url target = S3Url::parse(url);
    CurlApi::get();  // no CA bundle in the image: say so now, before the program runs
    target.key = intermediate_key_prefix(target, options.job_name);

    auto state =
        std::make_unique<State>(options.intermediate_dir, std::move(target), options.client, counters_);
    state->inotify.reset(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!state->inotify.valid())
        throw Error(std::string("intermediate output sync: inotify: ") + std::strerror(errno));
    state->stop_event.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!state->stop_event.valid())
        throw Error(std::string("intermediate output sync: eventfd: ") + std::strerror(errno));
    const long name_max = ::pathconf(options.intermediate_dir.c_str(), _PC_NAME_MAX);
    if (name_max > 0) state->name_max = static_cast<std::size_t>(name_max);
    // Watched before the thread starts, so nothing the program writes from now on is missed.
    const fs::path parent = state->root.parent_path();
    state->parent_watch = ::inotify_add_watch(state->inotify.get(), parent.c_str(), kParentMask);
    if (state->parent_watch < 0)
        throw Error("intermediate output sync: cannot watch " + parent.string() + ": " +
                    std::strerror(errno));
    state->add_tree("");

    State* s = state.get();
    const unsigned workers = std::max(1u, s->client.config().max_concurrency);
    s->uploaders_running = workers;
    for (unsigned i = 0; i < workers; ++i) s->uploaders.emplace_back([s] { s->upload_loop(); });
    s->watcher = std::thread([s] { s->watch_loop(); });
    state_ = std::move(state);
    return true;
}

SyncSummary IntermediateSync::finish() {
    return finish([] { return Clock::time_point::max(); });
}

SyncSummary IntermediateSync::finish(const DeadlineFn& deadline) {
    if (!state_) return {};
    State& s = *state_;
    const uint64_t one = 1;
    if (::write(s.stop_event.get(), &one, sizeof one) != sizeof one) {
        s.record_failure(".", std::string("cannot stop the watcher: ") + std::strerror(errno));
    }
    s.watcher.join();
    {
        std::lock_guard lock(s.mutex);
        s.no_more_uploads = true;
    }
    s.queue_changed.notify_all();
    {
        const Clock::time_point started = Clock::now();
        const std::uint64_t bytes_at_start = counters_->bytes_done;
        Clock::time_point next_progress = started + progress_interval_;
        std::unique_lock lock(s.mutex);
        while (s.uploaders_running > 0) {
            const Clock::time_point until = deadline();
            const Clock::time_point now = Clock::now();
            if (now >= until) break;
            if (progress_ && now >= next_progress) {
                next_progress = now + progress_interval_;
                const double seconds = std::chrono::duration<double>(now - started).count();
                const SyncStats current = stats();
                const double rate =
                    static_cast<double>(current.bytes_done - std::min(current.bytes_done, bytes_at_start)) /
                    seconds;
                lock.unlock();
                progress_(final_sync_progress_line(current, rate));
                lock.lock();
                continue;
            }
            Clock::time_point wake = std::min(until, now + std::chrono::milliseconds(100));
            if (progress_) wake = std::min(wake, next_progress);
            s.queue_changed.wait_until(lock, wake);
        }
        if (s.uploaders_running > 0) {
            // Out of time: the client aborts the upload in flight, which then
            // records its own failure ("... cancelled").
            s.cancel->store(true);
            s.queue_changed.notify_all();
        }
    }
    for (std::thread& uploader : s.uploaders) uploader.join();
    for (const State::Upload& left : s.queue) {
        s.summary.failures.push_back({left.rel_file, "not uploaded: the final wait for uploads ran out"});
    }
    s.queue.clear();
    SyncSummary summary = std::move(s.summary);
    state_.reset();
    return summary;
}

}  // namespace smtrain::s3
