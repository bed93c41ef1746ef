// SPDX-License-Identifier: Apache-2.0
#include "s3/extract.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <smtrain/error.hpp>
#include "lib/unique_fd.hpp"
#include "s3/progress.hpp"

namespace smtrain::s3 {
namespace {

namespace fs = std::filesystem;
/// The components of one name, as views into it: no copy per entry.
using Components = std::vector<std::string_view>;

constexpr std::uint32_t kNoNode = UINT32_MAX;

/// Every directory the archive names or goes through, once, as a tree of
/// (parent, name) nodes: what the directory modes are applied to at the end.
/// A node is created after its parent, so walking the nodes from the last to
/// the first visits every directory before its parent.
class DirectoryTree {
public:
    std::uint32_t child(std::uint32_t parent, std::string_view name) {
        key_.assign(reinterpret_cast<const char*>(&parent), sizeof parent);
        key_.append(name);
        auto [it, inserted] = index_.try_emplace(key_, static_cast<std::uint32_t>(nodes_.size()));
        if (inserted) nodes_.push_back({parent, -1});
        return it->second;
    }
    void set_mode(std::uint32_t node, mode_t mode) { nodes_[node].mode = static_cast<int>(mode); }
    std::size_t size() const { return nodes_.size(); }
    int mode(std::uint32_t node) const { return nodes_[node].mode; }
    /// Fills `out` with the names from the top directory down to `node`.
    void path(std::uint32_t node, Components& out) const {
        out.clear();
        for (std::uint32_t n = node; n != kNoNode; n = nodes_[n].parent) out.push_back(name_of(n));
        std::reverse(out.begin(), out.end());
    }

private:
    struct Node {
        std::uint32_t parent;
        int mode;  ///< -1: no directory entry of its own (created as a parent)
    };
    std::string_view name_of(std::uint32_t node) const {
        // The map's keys own the names; a reverse lookup is only needed at the
        // end, so it is built then.
        if (names_.size() != nodes_.size()) {
            names_.assign(nodes_.size(), {});
            for (const auto& [key, n] : index_)
                names_[n] = std::string_view(key).substr(sizeof(std::uint32_t));
        }
        return names_[node];
    }
    std::unordered_map<std::string, std::uint32_t> index_;
    std::vector<Node> nodes_;
    mutable std::vector<std::string_view> names_;
    std::string key_;
};

/// The directory chain of the last entry, kept open, so that an entry in the
/// same or a nearby directory opens only the components that differ instead
/// of every component from the root: archives list a directory's entries
/// together. Open descriptors are kept for every kStride-th level and the
/// deepest one, so a 2,000-level path holds about 130 descriptors; a level
/// without one is reopened from the nearest kept ancestor (under kStride
/// openat calls).
///
/// Every level is opened with O_NOFOLLOW, and a directory once extracted is
/// never replaced (clear_leaf refuses), so a kept descriptor is the directory
/// a fresh walk from the root would reach.
class DirectoryCursor {
public:
    /// Throws through `refuse`/`fail` of the extractor (the callbacks name the entry).
    using Refuse = std::function<void(const std::string& why)>;

    DirectoryCursor(int root, DirectoryTree& tree) : root_(root), tree_(tree) {}

    /// The directory `dirs[0..count)` below the root, created when missing;
    /// valid until the next call. Sets `node` to its tree node (kNoNode: the root).
    int open(const Components& dirs, std::size_t count, std::uint32_t& node, const Refuse& refuse,
             const Refuse& fail) {
        std::size_t common = 0;
        while (common < chain_.size() && common < count && chain_[common].name == dirs[common]) ++common;
        chain_.resize(common);
        if (common > 0 && !chain_.back().fd.valid()) reopen_last(refuse, fail);
        for (std::size_t i = common; i < count; ++i) {
            const int parent = chain_.empty() ? root_ : chain_.back().fd.get();
            detail::UniqueFd fd = open_level(parent, std::string(dirs[i]), /*create=*/true, refuse, fail);
            const std::uint32_t parent_node = chain_.empty() ? kNoNode : chain_.back().node;
            if (!chain_.empty() && chain_.size() % kStride != 0) chain_.back().fd.reset();
            chain_.push_back({std::string(dirs[i]), std::move(fd), tree_.child(parent_node, dirs[i])});
        }
        node = chain_.empty() ? kNoNode : chain_.back().node;
        return chain_.empty() ? root_ : chain_.back().fd.get();
    }

private:
    static constexpr std::size_t kStride = 16;
    struct Level {
        std::string name;
        detail::UniqueFd fd;  ///< kept for levels kStride, 2*kStride, ... and the deepest
        std::uint32_t node;
    };

    void reopen_last(const Refuse& refuse, const Refuse& fail) {
        std::size_t from = chain_.size() - 1;
        while (from > 0 && !chain_[from - 1].fd.valid()) --from;
        detail::UniqueFd fd;
        for (std::size_t i = from; i < chain_.size(); ++i) {
            const int parent = fd.valid() ? fd.get() : (i == 0 ? root_ : chain_[i - 1].fd.get());
            fd = open_level(parent, chain_[i].name, /*create=*/false, refuse, fail);
        }
        chain_.back().fd = std::move(fd);
    }

    /// Opens (creating when missing) one directory, never following a symlink:
    /// an entry below an extracted symlink would otherwise be written wherever
    /// that symlink points.
    static detail::UniqueFd open_level(int dir, const std::string& name, bool create, const Refuse& refuse,
                                       const Refuse& fail) {
        int fd = ::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT && create) {
            if (::mkdirat(dir, name.c_str(), 0755) != 0 && errno != EEXIST) fail("mkdir");
            fd = ::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (fd < 0) {
            if (errno == ELOOP || errno == ENOTDIR) {
                struct stat st {};
                if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
                    refuse("'" + name + "' is a symlink; writing through it is not allowed");
                }
                refuse("'" + name + "' is not a directory");
            }
            fail("open directory '" + name + "'");
        }
        return detail::UniqueFd(fd);
    }

    int root_;
    DirectoryTree& tree_;
    std::vector<Level> chain_;
};

/// Reads one tarball and writes its entries under one open directory.
class Extractor {
public:
    /// `label` names the archive in errors; `open` opens the libarchive reader.
    Extractor(std::string label, const fs::path& dest, const ExtractControl& control)
        : tarball_(std::move(label)), control_(control), root_(open_root(dest)), cursor_(root_.get(), tree_) {
        archive_.reset(archive_read_new());
        if (!archive_) throw Error(tarball_ + ": cannot allocate a libarchive reader");
        archive_read_support_filter_all(archive_.get());
        archive_read_support_format_tar(archive_.get());
    }

    void open_file(const std::string& path) {
        // 64 KiB blocks: big enough that gzip decoding dominates, small enough to stay cache-friendly.
        if (archive_read_open_filename(archive_.get(), path.c_str(), 64 * 1024) != ARCHIVE_OK) {
            throw Error(tarball_ + ": cannot read the archive: " + archive_message());
        }
    }

    void open_source(const ArchiveSource& source) {
        source_ = &source;
        if (archive_read_open(archive_.get(), this, nullptr, &Extractor::read_source, nullptr) !=
            ARCHIVE_OK) {
            rethrow_source_error();
            throw Error(tarball_ + ": cannot read the archive: " + archive_message());
        }
    }

    void run() {
        std::optional<ProgressTicker> progress;
        if (!control_.progress_label.empty()) {
            progress.emplace(control_.progress_label, ProgressUnit::Entries, [this] {
                return ProgressSample{entries_done_.load(), std::nullopt};
            });
        }
        archive_entry* entry = nullptr;
        for (;;) {
            check_cancel();
            const int rc = archive_read_next_header(archive_.get(), &entry);
            if (rc == ARCHIVE_EOF) break;
            if (rc < ARCHIVE_WARN) {
                rethrow_source_error();
                throw Error(tarball_ + ": corrupt archive: " + archive_message());
            }
            extract_entry(entry);
            ++entries_done_;
        }
        apply_directory_modes();
    }

private:
    struct ArchiveCloser {
        void operator()(archive* a) const { archive_read_free(a); }
    };

    /// libarchive's read callback: the source's next bytes. An exception must
    /// not cross libarchive's C frames; it is kept and rethrown by run().
    static la_ssize_t read_source(archive* a, void* self_ptr, const void** buffer) {
        auto* self = static_cast<Extractor*>(self_ptr);
        try {
            const std::string_view bytes = (*self->source_)();
            *buffer = bytes.data();
            return static_cast<la_ssize_t>(bytes.size());
        } catch (...) {
            self->source_error_ = std::current_exception();
            archive_set_error(a, EIO, "the download failed");
            return ARCHIVE_FATAL;
        }
    }

    void rethrow_source_error() {
        if (source_error_) std::rethrow_exception(std::exchange(source_error_, nullptr));
    }

    void check_cancel() const {
        if (control_.cancel && control_.cancel->load()) throw Error(tarball_ + ": extraction cancelled");
    }

    static detail::UniqueFd open_root(const fs::path& dest) {
        std::error_code ec;
        fs::create_directories(dest, ec);
        detail::UniqueFd root(::open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!root.valid()) {
            throw Error(dest.string() + ": cannot open the extraction directory: " + std::strerror(errno),
                        ExitCode::CannotWrite);
        }
        return root;
    }

    std::string archive_message() const {
        const char* msg = archive_error_string(archive_.get());
        return msg ? msg : "unknown libarchive error";
    }

    [[noreturn]] void refuse(const std::string& entry, const std::string& why) const {
        throw Error(tarball_ + ": entry '" + entry + "': refused: " + why);
    }
    [[noreturn]] void fail(const std::string& entry, const std::string& what) const {
        throw Error(tarball_ + ": entry '" + entry + "': " + what + ": " + std::strerror(errno),
                    ExitCode::CannotWrite);
    }

    /// Splits an entry name into components (views into `path`), dropping
    /// empty and "." ones. Absolute names and ".." anywhere are refused
    /// outright: no legitimate code tarball needs them, and refusing is
    /// simpler to reason about than normalising.
    void split_entry_path(const std::string& entry, std::string_view path, Components& parts) const {
        parts.clear();
        if (!path.empty() && path.front() == '/') refuse(entry, "absolute path");
        size_t start = 0;
        while (start <= path.size()) {
            size_t end = path.find('/', start);
            if (end == std::string_view::npos) end = path.size();
            const std::string_view part = path.substr(start, end - start);
            if (part == "..") refuse(entry, "'..' in the path");
            if (!part.empty() && part != ".") parts.push_back(part);
            start = end + 1;
        }
    }

    /// The parent directory of `parts` (all but the last component).
    int open_parent(const std::string& entry, const Components& parts, std::uint32_t& node) {
        return cursor_.open(
            parts, parts.size() - 1, node, [&](const std::string& why) { refuse(entry, why); },
            [&](const std::string& what) { fail(entry, what); });
    }

    /// Makes room for a new non-directory leaf: a previous file of the same name
    /// is replaced (tar semantics, later entries win), but an existing symlink is
    /// refused because the archive is trying to write through it, and a
    /// directory is refused because replacing it would drop its contents.
    void clear_leaf(const std::string& entry, int dirfd, const std::string& leaf, bool allow_symlink) const {
        struct stat st {};
        if (::fstatat(dirfd, leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return;
        if (S_ISDIR(st.st_mode)) refuse(entry, "a directory of that name was already extracted");
        if (S_ISLNK(st.st_mode) && !allow_symlink) {
            refuse(entry, "a symlink of that name was already extracted; writing through it is not allowed");
        }
        if (::unlinkat(dirfd, leaf.c_str(), 0) != 0) fail(entry, "unlink");
    }

    /// A symlink target may start with "../" steps (each climbing a real
    /// directory, since every parent is created here and never replaced by a
    /// link), as long as it does not climb above the destination, and then only
    /// descend. ".." after a normal component is refused: it would be resolved
    /// relative to wherever a symlink earlier in the target points, which a
    /// textual check cannot follow.
    void check_symlink_target(const std::string& entry, size_t link_depth, const std::string& target) const {
        if (target.empty()) refuse(entry, "empty symlink target");
        if (target.front() == '/') refuse(entry, "symlink to an absolute path ('" + target + "')");
        size_t climbs = 0;
        bool descended = false;
        size_t start = 0;
        while (start <= target.size()) {
            size_t end = target.find('/', start);
            if (end == std::string::npos) end = target.size();
            const std::string part = target.substr(start, end - start);
            if (part == "..") {
                if (descended)
                    refuse(entry, "symlink target '" + target + "' has '..' after a directory name");
                if (++climbs > link_depth)
                    refuse(entry, "symlink target '" + target + "' leaves the directory");
            } else if (!part.empty() && part != ".") {
                descended = true;
            }
            start = end + 1;
        }
    }

    void extract_entry(archive_entry* entry) {
        const char* raw = archive_entry_pathname(entry);
        if (!raw) throw Error(tarball_ + ": an entry has no name");
        name_ = raw;
        split_entry_path(name_, name_, parts_);
        const char* hardlink = archive_entry_hardlink(entry);
        const mode_t type = archive_entry_filetype(entry);

        if (parts_.empty()) {
            if (type == AE_IFDIR || type == 0) return;  // "./": the destination itself
            refuse(name_, "empty path");
        }
        const std::string leaf(parts_.back());
        if (hardlink) {
            extract_hardlink(name_, leaf, hardlink);
            return;
        }
        std::uint32_t parent_node = kNoNode;
        const int parent = open_parent(name_, parts_, parent_node);
        if (type == AE_IFDIR) {
            extract_directory(name_, parent, parent_node, leaf, archive_entry_perm(entry));
        } else if (type == AE_IFREG) {
            extract_file(name_, parent, leaf, entry);
        } else if (type == AE_IFLNK) {
            const char* target = archive_entry_symlink(entry);
            check_symlink_target(name_, parts_.size() - 1, target ? target : "");
            clear_leaf(name_, parent, leaf, /*allow_symlink=*/true);
            if (::symlinkat(target, parent, leaf.c_str()) != 0) fail(name_, "symlink");
        } else {
            refuse(name_, "devices, FIFOs and sockets are not extracted");
        }
    }

    void extract_directory(const std::string& name, int parent, std::uint32_t parent_node,
                           const std::string& leaf, mode_t perm) {
        if (::mkdirat(parent, leaf.c_str(), 0755) != 0) {
            if (errno != EEXIST) fail(name, "mkdir");
            struct stat st {};
            if (::fstatat(parent, leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) fail(name, "stat");
            if (S_ISLNK(st.st_mode)) refuse(name, "a symlink of that name was already extracted");
            if (!S_ISDIR(st.st_mode)) refuse(name, "a file of that name was already extracted");
        }
        // Applied at the end: a read-only directory must stay writable while its
        // own entries are extracted. A later entry for the same directory wins.
        tree_.set_mode(tree_.child(parent_node, leaf), perm & 07777);
    }

    void extract_file(const std::string& name, int parent, const std::string& leaf, archive_entry* entry) {
        // Most names are new: create first (O_EXCL never follows a symlink), and
        // look at an existing name only when there is one.
        constexpr int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
        detail::UniqueFd out(::openat(parent, leaf.c_str(), flags, 0600));
        if (!out.valid() && errno == EEXIST) {
            clear_leaf(name, parent, leaf, /*allow_symlink=*/false);
            out.reset(::openat(parent, leaf.c_str(), flags, 0600));
        }
        if (!out.valid()) fail(name, "create");
        const void* block = nullptr;
        size_t size = 0;
        la_int64_t offset = 0;
        la_int64_t end = 0;  ///< past the last byte written
        for (;;) {
            const int rc = archive_read_data_block(archive_.get(), &block, &size, &offset);
            if (rc == ARCHIVE_EOF) break;
            if (rc < ARCHIVE_WARN) {
                rethrow_source_error();
                throw Error(tarball_ + ": entry '" + name + "': " + archive_message());
            }
            check_cancel();
            write_all(name, out.get(), static_cast<const char*>(block), size, offset);
            end = std::max(end, offset + static_cast<la_int64_t>(size));
        }
        // Sparse entries end in a hole that no block covers.
        if (archive_entry_size_is_set(entry) && end != archive_entry_size(entry) &&
            ::ftruncate(out.get(), archive_entry_size(entry)) != 0) {
            fail(name, "truncate");
        }
        if (::fchmod(out.get(), archive_entry_perm(entry) & 07777) != 0) fail(name, "chmod");
        if (archive_entry_mtime_is_set(entry)) {
            const timespec times[2] = {{0, UTIME_OMIT},
                                       {archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)}};
            ::futimens(out.get(), times);  // best effort: a wrong mtime breaks nothing
        }
    }

    void write_all(const std::string& name, int fd, const char* data, size_t size, la_int64_t offset) const {
        while (size > 0) {
            const ssize_t n = ::pwrite(fd, data, size, offset);
            if (n < 0) {
                if (errno == EINTR) continue;
                fail(name, "write");
            }
            data += n;
            size -= static_cast<size_t>(n);
            offset += n;
        }
    }

    void extract_hardlink(const std::string& name, const std::string& leaf, const char* target) {
        const std::string target_name = target;
        split_entry_path(name, target_name, target_parts_);
        if (target_parts_.empty()) refuse(name, "hard link to the destination directory");
        std::uint32_t node = kNoNode;
        detail::UniqueFd target_dir(::dup(open_parent(name, target_parts_, node)));
        if (!target_dir.valid()) fail(name, "dup");
        const std::string target_leaf(target_parts_.back());
        struct stat st {};
        if (::fstatat(target_dir.get(), target_leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            refuse(name, "hard link to '" + target_name + "', which is not in the archive before it");
        }
        if (!S_ISREG(st.st_mode))
            refuse(name, "hard link to '" + target_name + "', which is not a regular file");
        const int parent = open_parent(name, parts_, node);
        clear_leaf(name, parent, leaf, /*allow_symlink=*/false);
        if (::linkat(target_dir.get(), target_leaf.c_str(), parent, leaf.c_str(), 0) != 0) {
            fail(name, "link");
        }
    }

    void apply_directory_modes() {
        // Children before parents (a node is created after its parent), so a
        // parent made read-only does not block its children. Going through the
        // cursor, each directory costs the components that differ from the
        // previous one.
        Components path;
        for (std::size_t n = tree_.size(); n-- > 0;) {
            const int mode = tree_.mode(static_cast<std::uint32_t>(n));
            if (mode < 0) continue;
            tree_.path(static_cast<std::uint32_t>(n), path);
            std::uint32_t node = kNoNode;
            const int dir = cursor_.open(
                path, path.size(), node, [&](const std::string& why) { refuse("", why); },
                [&](const std::string& what) { fail("", what); });
            ::fchmod(dir, static_cast<mode_t>(mode));  // best effort, like the mtime
        }
    }

    std::string tarball_;
    ExtractControl control_;
    std::atomic<std::uint64_t> entries_done_{0};  ///< read by the progress ticker
    const ArchiveSource* source_ = nullptr;
    std::exception_ptr source_error_;
    detail::UniqueFd root_;
    DirectoryTree tree_;
    DirectoryCursor cursor_;
    std::unique_ptr<archive, ArchiveCloser> archive_;
    std::string name_;  ///< the entry being extracted
    Components parts_, target_parts_;
};
}  // namespace

void extract_tarball(const std::filesystem::path& tarball, const std::filesystem::path& dest_dir,
                     const ExtractControl& control) {
    Extractor extractor(tarball.string(), dest_dir, control);
    extractor.open_file(tarball.string());
    extractor.run();
}

void extract_tarball(const std::string& label, const ArchiveSource& source,
                     const std::filesystem::path& dest_dir, const ExtractControl& control) {
    Extractor extractor(label, dest_dir, control);
    extractor.open_source(source);
    extractor.run();
}

}  // namespace smtrain::s3
