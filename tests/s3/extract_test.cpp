// SPDX-License-Identifier: Apache-2.0
// Safe tarball extraction: the tarballs are written here with libarchive's
// writer (not the code under test), including hostile ones, and the tests check
// the resulting tree and that nothing appears outside the destination.
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <smtrain/error.hpp>
#include "s3/extract.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;
using smtrain::s3::extract_tarball;
using smtrain::s3::test::read_text;
using smtrain::s3::test::TempDir;

namespace {

struct Entry {
    enum Kind { File, Dir, Symlink, Hardlink } kind;
    std::string path;
    std::string data_or_target;  // file contents, or the link target
    int mode = 0644;
};

/// Writes a tar archive with the given compression filter (an
/// archive_write_add_filter_* code).
void write_tar(const fs::path& out, const std::vector<Entry>& entries, int filter = ARCHIVE_FILTER_GZIP) {
    archive* a = archive_write_new();
    // One call per filter, not archive_write_add_filter(code): that one pulls
    // every writer into the link, with libxml2 and nettle behind them.
    switch (filter) {
        case ARCHIVE_FILTER_GZIP:
            archive_write_add_filter_gzip(a);
            break;
        case ARCHIVE_FILTER_BZIP2:
            archive_write_add_filter_bzip2(a);
            break;
        case ARCHIVE_FILTER_XZ:
            archive_write_add_filter_xz(a);
            break;
        case ARCHIVE_FILTER_ZSTD:
            archive_write_add_filter_zstd(a);
            break;
        case ARCHIVE_FILTER_LZ4:
            archive_write_add_filter_lz4(a);
            break;
        default:
            break;
    }
    archive_write_set_format_pax_restricted(a);
    ASSERT_EQ(archive_write_open_filename(a, out.c_str()), ARCHIVE_OK) << archive_error_string(a);
    for (const Entry& e : entries) {
        archive_entry* ae = archive_entry_new();
        archive_entry_set_pathname(ae, e.path.c_str());
        archive_entry_set_perm(ae, static_cast<mode_t>(e.mode));
        archive_entry_set_mtime(ae, 1500000000, 0);
        switch (e.kind) {
            case Entry::File:
                archive_entry_set_filetype(ae, AE_IFREG);
                archive_entry_set_size(ae, static_cast<la_int64_t>(e.data_or_target.size()));
                break;
            case Entry::Dir:
                archive_entry_set_filetype(ae, AE_IFDIR);
                break;
            case Entry::Symlink:
                archive_entry_set_filetype(ae, AE_IFLNK);
                archive_entry_set_symlink(ae, e.data_or_target.c_str());
                break;
            case Entry::Hardlink:
                archive_entry_set_filetype(ae, AE_IFREG);
                archive_entry_set_hardlink(ae, e.data_or_target.c_str());
                break;
        }
        ASSERT_EQ(archive_write_header(a, ae), ARCHIVE_OK) << archive_error_string(a);
        if (e.kind == Entry::File && !e.data_or_target.empty()) {
            archive_write_data(a, e.data_or_target.data(), e.data_or_target.size());
        }
        archive_entry_free(ae);
    }
    archive_write_close(a);
    archive_write_free(a);
}

std::set<std::string> tree(const fs::path& root) {
    std::set<std::string> names;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        names.insert(entry.path().lexically_relative(root).string());
    }
    return names;
}

mode_t perm_of(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
}

TEST(ExtractTarball, WritesFilesDirectoriesLinksAndKeepsModes) {
    TempDir tmp;
    write_tar(tmp.path() / "code.tar.gz", {{Entry::Dir, "pkg", "", 0755},
                                           {Entry::File, "pkg/train.py", "print('hi')\n", 0755},
                                           {Entry::File, "README.md", "# readme\n", 0644},
                                           {Entry::File, "./deep/./er/data.txt", "nested\n", 0600},
                                           {Entry::Symlink, "latest", "pkg/train.py"},
                                           {Entry::Symlink, "deep/er/up", "../../README.md"},
                                           {Entry::Hardlink, "pkg/copy.py", "pkg/train.py"}});
    const fs::path dest = tmp.path() / "code";
    extract_tarball(tmp.path() / "code.tar.gz", dest);

    EXPECT_EQ(tree(dest), (std::set<std::string>{"pkg", "pkg/train.py", "pkg/copy.py", "README.md", "deep",
                                                 "deep/er", "deep/er/data.txt", "deep/er/up", "latest"}));
    EXPECT_EQ(read_text(dest / "pkg/train.py"), "print('hi')\n");
    EXPECT_EQ(read_text(dest / "deep/er/data.txt"), "nested\n");
    EXPECT_EQ(perm_of(dest / "pkg/train.py"), 0755u);
    EXPECT_EQ(perm_of(dest / "README.md"), 0644u);
    EXPECT_EQ(perm_of(dest / "deep/er/data.txt"), 0600u);
    EXPECT_EQ(fs::read_symlink(dest / "latest"), "pkg/train.py");
    EXPECT_EQ(read_text(dest / "deep/er/up"), "# readme\n");
    EXPECT_TRUE(fs::equivalent(dest / "pkg/copy.py", dest / "pkg/train.py"));
    struct stat st {};
    ASSERT_EQ(::stat((dest / "README.md").c_str(), &st), 0);
    EXPECT_EQ(st.st_mtime, 1500000000);
}

TEST(ExtractTarball, ReadOnlyDirectoryGetsItsModeAfterItsContents) {
    TempDir tmp;
    write_tar(tmp.path() / "ro.tar.gz", {{Entry::Dir, "ro", "", 0555}, {Entry::File, "ro/f", "x", 0444}});
    extract_tarball(tmp.path() / "ro.tar.gz", tmp.path() / "out");
    EXPECT_EQ(read_text(tmp.path() / "out/ro/f"), "x");
    EXPECT_EQ(perm_of(tmp.path() / "out/ro"), 0555u);
    fs::permissions(tmp.path() / "out/ro", fs::perms::owner_all);  // let TempDir clean up
}

TEST(ExtractTarball, LaterEntryReplacesAnEarlierFile) {
    TempDir tmp;
    write_tar(tmp.path() / "t.tar", {{Entry::File, "a", "old"}, {Entry::File, "a", "new"}},
              ARCHIVE_FILTER_NONE);
    extract_tarball(tmp.path() / "t.tar", tmp.path() / "out");
    EXPECT_EQ(read_text(tmp.path() / "out/a"), "new");
}

// The extractor keeps the last entry's directories open and reopens others from
// the nearest kept level: entries that jump up, across and back down a deep tree
// (past several kept levels) land where their names say, with their modes.
TEST(ExtractTarball, DeepTreeWithJumpsBetweenBranches) {
    TempDir tmp;
    std::vector<Entry> entries;
    std::string a = "a", b = "b";
    for (int level = 0; level < 40; ++level) {
        a += "/" + std::to_string(level);
        b += "/" + std::to_string(level);
        entries.push_back({Entry::Dir, a, "", level == 30 ? 0555 : 0755});
        entries.push_back({Entry::File, a + "/f", "a" + std::to_string(level)});
        entries.push_back({Entry::File, b + "/g", "b" + std::to_string(level)});  // parents implicit
    }
    entries.push_back({Entry::File, "a/0/1/2/up", "up"});
    entries.push_back({Entry::File, "b/0/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17/x", "x"});
    entries.push_back({Entry::Dir, "a/0/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16", "", 0700});
    entries.push_back({Entry::Hardlink, "b/0/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17/18/h", "a/0/1/f"});
    write_tar(tmp.path() / "deep.tar", entries, ARCHIVE_FILTER_NONE);
    const fs::path out = tmp.path() / "out";
    extract_tarball(tmp.path() / "deep.tar", out);

    std::string da = (out / "a").string(), db = (out / "b").string();
    for (int level = 0; level < 40; ++level) {
        da += "/" + std::to_string(level);
        db += "/" + std::to_string(level);
        EXPECT_EQ(read_text(da + "/f"), "a" + std::to_string(level));
        EXPECT_EQ(read_text(db + "/g"), "b" + std::to_string(level));
        EXPECT_EQ(perm_of(da), level == 30 ? 0555u : level == 16 ? 0700u : 0755u) << da;
    }
    EXPECT_EQ(read_text(out / "a/0/1/2/up"), "up");
    EXPECT_EQ(read_text(out / "b/0/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17/x"), "x");
    EXPECT_EQ(read_text(out / "b/0/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17/18/h"), "a1");
    // "a" and "b", 40 directories and 40 files below each, then up, x and h.
    EXPECT_EQ(tree(out).size(), 2 + 40u * 4 + 3);
    fs::permissions(da.substr(0, da.find("/30") + 3), fs::perms::owner_all);  // let TempDir clean up
}

class ExtractFilter : public testing::TestWithParam<int> {};

TEST_P(ExtractFilter, ReadsEveryCompression) {
    TempDir tmp;
    write_tar(tmp.path() / "t.tar.x", {{Entry::File, "train.py", "import os\n", 0755}}, GetParam());
    extract_tarball(tmp.path() / "t.tar.x", tmp.path() / "out");
    EXPECT_EQ(read_text(tmp.path() / "out/train.py"), "import os\n");
}

INSTANTIATE_TEST_SUITE_P(Filters, ExtractFilter,
                         testing::Values(ARCHIVE_FILTER_NONE, ARCHIVE_FILTER_GZIP, ARCHIVE_FILTER_BZIP2,
                                         ARCHIVE_FILTER_XZ, ARCHIVE_FILTER_ZSTD, ARCHIVE_FILTER_LZ4));

TEST(ExtractTarball, CorruptArchiveIsAnError) {
    TempDir tmp;
    { std::ofstream(tmp.path() / "bad.tar.gz") << "\x1f\x8b this is not gzip at all"; }
    EXPECT_THROW(extract_tarball(tmp.path() / "bad.tar.gz", tmp.path() / "out"), smtrain::Error);
    EXPECT_THROW(extract_tarball(tmp.path() / "missing.tar.gz", tmp.path() / "out"), smtrain::Error);
}

// Each hostile archive is extracted into <tmp>/a/b/dest next to <tmp>/outside,
// which holds one file; afterwards nothing but dest may have changed.
struct Hostile {
    const char* name;
    std::vector<Entry> entries;
    const char* message_part;
};

// Names the case in test listings instead of dumping its bytes.
void PrintTo(const Hostile& h, std::ostream* os) { *os << h.name; }

class ExtractHostile : public testing::TestWithParam<Hostile> {};

TEST_P(ExtractHostile, RefusesAndWritesNothingOutside) {
    TempDir tmp;
    const fs::path outside = tmp.path() / "outside";
    fs::create_directories(outside);
    { std::ofstream(outside / "secret") << "untouched"; }
    fs::create_directories(tmp.path() / "a/b");

    std::vector<Entry> entries = GetParam().entries;
    for (Entry& e : entries) {
        // "@OUT@" stands for the absolute path of the outside directory.
        for (std::string* s : {&e.path, &e.data_or_target}) {
            if (auto at = s->find("@OUT@"); at != std::string::npos) s->replace(at, 5, outside.string());
        }
    }
    const fs::path tarball = tmp.path() / "evil.tar.gz";
    write_tar(tarball, entries);
    const std::set<std::string> before = tree(tmp.path());

    try {
        extract_tarball(tarball, tmp.path() / "a/b/dest");
        FAIL() << "extraction of " << GetParam().name << " did not throw";
    } catch (const smtrain::Error& e) {
        EXPECT_NE(std::string(e.what()).find(GetParam().message_part), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("evil.tar.gz"), std::string::npos) << e.what();
    }

    std::set<std::string> after;
    for (const std::string& name : tree(tmp.path())) {
        if (name.rfind("a/b/dest", 0) != 0) after.insert(name);
    }
    EXPECT_EQ(after, before);
    EXPECT_EQ(read_text(outside / "secret"), "untouched");
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ExtractHostile,
    testing::Values(
        Hostile{
            "dotdot", {{Entry::File, "ok", "1"}, {Entry::File, "../../etc/x", "pwned"}}, "'..' in the path"},
        Hostile{"dotdot_inside", {{Entry::File, "sub/../../../outside/x", "pwned"}}, "'..' in the path"},
        Hostile{"absolute", {{Entry::File, "@OUT@/x", "pwned"}}, "absolute path"},
        Hostile{"symlink_escape",
                {{Entry::Symlink, "evil", "../../../outside"}, {Entry::File, "evil/x", "pwned"}},
                "leaves the directory"},
        Hostile{"symlink_absolute",
                {{Entry::Symlink, "evil", "@OUT@"}, {Entry::File, "evil/x", "pwned"}},
                "symlink to an absolute path"},
        Hostile{
            "symlink_dotdot_after_link",
            {{Entry::Dir, "x", ""}, {Entry::Symlink, "x/l1", ".."}, {Entry::Symlink, "l2", "x/l1/../../.."}},
            "'..' after a directory name"},
        Hostile{
            "write_through_symlink_dir",
            {{Entry::Dir, "inside", ""}, {Entry::Symlink, "link", "inside"}, {Entry::File, "link/x", "1"}},
            "writing through it is not allowed"},
        Hostile{
            "write_through_symlink_file",
            {{Entry::File, "target", "t"}, {Entry::Symlink, "link", "target"}, {Entry::File, "link", "1"}},
            "writing through it is not allowed"},
        Hostile{"symlink_replacing_an_open_directory",
                {{Entry::Dir, "x/y", ""}, {Entry::File, "x/y/f", "1"}, {Entry::Symlink, "x/y", "."}},
                "a directory of that name was already extracted"},
        Hostile{"write_through_symlink_next_to_open_directory",
                {{Entry::File, "x/y/f", "1"},
                 {Entry::Symlink, "x/z", "../../../outside"},
                 {Entry::File, "x/z/f", "1"}},
                "leaves the directory"},
        Hostile{
            "write_through_symlink_below_open_directory",
            {{Entry::File, "x/y/f", "1"}, {Entry::Symlink, "x/y/l", ".."}, {Entry::File, "x/y/l/y/g", "1"}},
            "writing through it is not allowed"},
        Hostile{"hardlink_escape", {{Entry::Hardlink, "h", "../../../outside/secret"}}, "'..' in the path"},
        Hostile{"hardlink_absolute", {{Entry::Hardlink, "h", "@OUT@/secret"}}, "absolute path"},
        Hostile{"hardlink_through_symlink",
                {{Entry::Symlink, "ok", "."}, {Entry::Hardlink, "h", "ok/whatever"}},
                "writing through it is not allowed"}),
    [](const testing::TestParamInfo<Hostile>& param_info) { return param_info.param.name; });

}  // namespace
