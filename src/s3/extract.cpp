// SPDX-License-Identifier: Apache-2.0
#include "extract.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "smtrain/error.hpp"
#include "unique_fd.hpp"

namespace smtrain::s3 {
namespace {

namespace fs = std::filesystem;
using Components = std::vector<std::string>;

/// Reads one tarball and writes its entries under one open directory.
class Extractor {
public:
    Extractor(const fs::path& tarball, const fs::path& dest, const std::atomic<bool>* cancel)
        : tarball_(tarball.string()), cancel_(cancel) {
        std::error_code ec;
        fs::create_directories(dest, ec);
        root_.reset(::open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!root_.valid()) {
            throw Error(dest.string() + ": cannot open the extraction directory: " + std::strerror(errno),
                        ExitCode::CannotWrite);
        }
        archive_.reset(archive_read_new());
        if (!archive_) throw Error(tarball_ + ": cannot allocate a libarchive reader");
        archive_read_support_filter_all(archive_.get());
        archive_read_support_format_tar(archive_.get());
        // 64 KiB blocks: big enough that gzip decoding dominates, small enough to stay cache-friendly.
        if (archive_read_open_filename(archive_.get(), tarball_.c_str(), 64 * 1024) != ARCHIVE_OK) {
            throw Error(tarball_ + ": cannot read the archive: " + archive_message());
        }
    }

    void run() {
        archive_entry* entry = nullptr;
        for (;;) {
            check_cancel();
            const int rc = archive_read_next_header(archive_.get(), &entry);
            if (rc == ARCHIVE_EOF) break;
            if (rc < ARCHIVE_WARN) throw Error(tarball_ + ": corrupt archive: " + archive_message());
            extract_entry(entry);
        }
        apply_directory_modes();
    }

private:
    struct ArchiveCloser {
        void operator()(archive* a) const { archive_read_free(a); }
    };
    struct PendingDirMode {
        Components path;
        mode_t mode;
    };

    std::string archive_message() const {
        const char* msg = archive_error_string(archive_.get());
        return msg ? msg : "unknown libarchive error";
    }

    [[noreturn]] void refuse(const std::string& entry, const std::string& why) const {
        throw Error(tarball_ + ": entry '" + entry + "': refused: " + why);
    }
    /// A file system call on the destination failed: it cannot be written.
    [[noreturn]] void fail(const std::string& entry, const std::string& what) const {
        throw Error(tarball_ + ": entry '" + entry + "': " + what + ": " + std::strerror(errno),
                    ExitCode::CannotWrite);
    }
    void check_cancel() const {
        if (cancel_ && cancel_->load()) throw Error(tarball_ + ": extraction cancelled");
    }

    /// Splits an entry name into components, dropping empty and "." ones.
    /// Absolute names and ".." anywhere are refused outright: no legitimate
    /// code tarball needs them, and refusing is simpler to reason about than
    /// normalising.
    Components split_entry_path(const std::string& entry, const std::string& path) const {
        if (!path.empty() && path.front() == '/') refuse(entry, "absolute path");
        Components parts;
        size_t start = 0;
        while (start <= path.size()) {
            size_t end = path.find('/', start);
            if (end == std::string::npos) end = path.size();
            std::string part = path.substr(start, end - start);
            if (part == "..") refuse(entry, "'..' in the path");
            if (!part.empty() && part != ".") parts.push_back(std::move(part));
            start = end + 1;
        }
        return parts;
    }

    /// Opens (creating when missing) each directory of `dirs` below the root,
    /// never following a symlink: an entry below an extracted symlink would
    /// otherwise be written wherever that symlink points.
    UniqueFd open_directory(const std::string& entry, const Components& dirs, size_t count) const {
        UniqueFd dir(::dup(root_.get()));
        if (!dir.valid()) fail(entry, "dup");
        for (size_t i = 0; i < count; ++i) {
            const char* name = dirs[i].c_str();
            int fd = ::openat(dir.get(), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0 && errno == ENOENT) {
                if (::mkdirat(dir.get(), name, 0755) != 0 && errno != EEXIST) fail(entry, "mkdir");
                fd = ::openat(dir.get(), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            }
            if (fd < 0) {
                if (errno == ELOOP || errno == ENOTDIR) {
                    struct stat st {};
                    if (::fstatat(dir.get(), name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
                        refuse(entry, "'" + dirs[i] + "' is a symlink; writing through it is not allowed");
                    }
                    refuse(entry, "'" + dirs[i] + "' is not a directory");
                }
                fail(entry, "open directory '" + dirs[i] + "'");
            }
            dir.reset(fd);
        }
        return dir;
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
        const std::string name = raw;
        Components parts = split_entry_path(name, name);
        const char* hardlink = archive_entry_hardlink(entry);
        const mode_t type = archive_entry_filetype(entry);

        if (parts.empty()) {
            if (type == AE_IFDIR || type == 0) return;  // "./": the destination itself
            refuse(name, "empty path");
        }
        const std::string& leaf = parts.back();
        UniqueFd parent = open_directory(name, parts, parts.size() - 1);

        if (hardlink) {
            extract_hardlink(name, parent.get(), leaf, hardlink);
        } else if (type == AE_IFDIR) {
            extract_directory(name, parent.get(), parts, archive_entry_perm(entry));
        } else if (type == AE_IFREG) {
            extract_file(name, parent.get(), leaf, entry);
        } else if (type == AE_IFLNK) {
            const char* target = archive_entry_symlink(entry);
            check_symlink_target(name, parts.size() - 1, target ? target : "");
            clear_leaf(name, parent.get(), leaf, /*allow_symlink=*/true);
            if (::symlinkat(target, parent.get(), leaf.c_str()) != 0) fail(name, "symlink");
        } else {
            refuse(name, "devices, FIFOs and sockets are not extracted");
        }
    }

    void extract_directory(const std::string& name, int parent, const Components& parts, mode_t perm) {
        const std::string& leaf = parts.back();
        if (::mkdirat(parent, leaf.c_str(), 0755) != 0) {
            if (errno != EEXIST) fail(name, "mkdir");
            struct stat st {};
            if (::fstatat(parent, leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) fail(name, "stat");
            if (S_ISLNK(st.st_mode)) refuse(name, "a symlink of that name was already extracted");
            if (!S_ISDIR(st.st_mode)) refuse(name, "a file of that name was already extracted");
        }
        // Applied at the end: a read-only directory must stay writable while its
        // own entries are extracted.
        pending_modes_.push_back({parts, perm & 07777});
    }

    void extract_file(const std::string& name, int parent, const std::string& leaf, archive_entry* entry) {
        clear_leaf(name, parent, leaf, /*allow_symlink=*/false);
        UniqueFd out(
            ::openat(parent, leaf.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!out.valid()) fail(name, "create");
        const void* block = nullptr;
        size_t size = 0;
        la_int64_t offset = 0;
        for (;;) {
            check_cancel();
            const int rc = archive_read_data_block(archive_.get(), &block, &size, &offset);
            if (rc == ARCHIVE_EOF) break;
            if (rc < ARCHIVE_WARN) throw Error(tarball_ + ": entry '" + name + "': " + archive_message());
            write_all(name, out.get(), static_cast<const char*>(block), size, offset);
        }
        // Sparse entries end in a hole that no block covers.
        if (archive_entry_size_is_set(entry) && ::ftruncate(out.get(), archive_entry_size(entry)) != 0) {
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

    void extract_hardlink(const std::string& name, int parent, const std::string& leaf, const char* target) {
        const std::string target_name = target;
        Components target_parts = split_entry_path(name, target_name);
        if (target_parts.empty()) refuse(name, "hard link to the destination directory");
        UniqueFd target_dir = open_directory(name, target_parts, target_parts.size() - 1);
        struct stat st {};
        if (::fstatat(target_dir.get(), target_parts.back().c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            refuse(name, "hard link to '" + target_name + "', which is not in the archive before it");
        }
        if (!S_ISREG(st.st_mode))
            refuse(name, "hard link to '" + target_name + "', which is not a regular file");
        clear_leaf(name, parent, leaf, /*allow_symlink=*/false);
        if (::linkat(target_dir.get(), target_parts.back().c_str(), parent, leaf.c_str(), 0) != 0) {
            fail(name, "link");
        }
    }

    void apply_directory_modes() {
        // Deepest first, so a parent made read-only does not block its children.
        std::stable_sort(pending_modes_.begin(), pending_modes_.end(),
                         [](const auto& a, const auto& b) { return a.path.size() > b.path.size(); });
        for (auto it = pending_modes_.begin(); it != pending_modes_.end(); ++it) {
            check_cancel();
            UniqueFd dir = open_directory("", it->path, it->path.size());
            ::fchmod(dir.get(), it->mode);  // best effort, like the mtime
        }
    }

    std::string tarball_;
    const std::atomic<bool>* cancel_;
    UniqueFd root_;
    std::unique_ptr<archive, ArchiveCloser> archive_;
    std::vector<PendingDirMode> pending_modes_;
};

}  // namespace

void extract_tarball(const std::filesystem::path& tarball, const std::filesystem::path& dest_dir,
                     const std::atomic<bool>* cancel) {
    Extractor(tarball, dest_dir, cancel).run();
}

}  // namespace smtrain::s3
