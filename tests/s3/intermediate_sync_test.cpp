// SPDX-License-Identifier: Apache-2.0
// The intermediate output sync against moto: a child process (writer.py) plays
// the training program; afterwards every file must be in S3 with the same bytes
// (checked with boto3 through s3_checksums.py).
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <smtrain/error.hpp>
#include "s3/intermediate_sync.hpp"
#include "servers.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;
using namespace smtrain::s3;
using namespace smtrain::s3::test;

namespace {

ClientConfig test_config(const std::string& endpoint) {
    ClientConfig config =
        ClientConfig::from_environment(smtrain::Environ({{"AWS_ACCESS_KEY_ID", "testing"},
                                                         {"AWS_SECRET_ACCESS_KEY", "testing"},
                                                         {"AWS_REGION", "us-east-1"},
                                                         {"S3_ENDPOINT_URL", endpoint}}));
    config.retry = {40, std::chrono::milliseconds(50), std::chrono::milliseconds(500)};
    return config;
}

std::map<std::string, std::string> checksums(const std::vector<std::string>& argv) {
    std::map<std::string, std::string> out;
    std::istringstream in(run_and_capture(argv));
    std::string sha, name;
    while (in >> sha >> name) out[name] = sha;
    return out;
}

/// Files under `dir` (the .tmp.sagemaker_s3_sync copies excluded).
std::map<std::string, std::string> local_files(const fs::path& dir) {
    return checksums(
        {"python3", script("s3_checksums.py"), "--local", dir.string(), IntermediateSync::kTmpDirName});
}

std::map<std::string, std::string> remote_files(const std::string& endpoint, const std::string& bucket,
                                                const std::string& prefix) {
    return checksums({"python3", script("s3_checksums.py"), endpoint, bucket, prefix});
}

size_t files_under(const fs::path& dir) {
    size_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir)) n += e.is_regular_file();
    return n;
}

TEST(IntermediateSync, ToolkitStartRules) {
    TempDir tmp;
    IntermediateSync sync;
    const fs::path dir = tmp.path() / "output/intermediate";
    // No URL: nothing happens, nothing is created.
    EXPECT_FALSE(sync.start({dir, "", "job", test_config("http://127.0.0.1:9")}));
    EXPECT_FALSE(fs::exists(dir));
    // file://: the directories are made (as the toolkit does), but nothing syncs.
    EXPECT_FALSE(sync.start({dir, "file:///tmp/out", "job", test_config("http://127.0.0.1:9")}));
    EXPECT_TRUE(fs::is_directory(dir / ".tmp.sagemaker_s3_sync"));
    // The directory exists now: the platform is syncing it, so we do not.
    EXPECT_FALSE(sync.start({dir, "s3://b/p", "job", test_config("http://127.0.0.1:9")}));
    EXPECT_TRUE(sync.finish().ok());

    IntermediateSync other;
    try {
        other.start({tmp.path() / "other", "gs://b/p", "job", test_config("http://127.0.0.1:9")});
        FAIL() << "gs:// accepted";
    } catch (const smtrain::Error& e) {
        EXPECT_STREQ(e.what(), "sagemaker_s3_output: expected an s3:// or file:// URL, got 'gs://b/p'");
    }
}

/// Runs writer.py into a fresh output/intermediate while the sync runs, then
/// checks that every file arrived under the toolkit's key layout.
void sync_run(const std::string& endpoint, const std::string& moto, int small_files, int big_mib) {
    TempDir tmp;
    const fs::path dir = tmp.path() / "output/intermediate";
    const std::string bucket = unique_bucket("sync");
    S3Client(test_config(moto)).create_bucket(bucket);

    IntermediateSync sync;
    ASSERT_TRUE(sync.start({dir, "s3://" + bucket + "/prefix", "my-job-7", test_config(endpoint)}));
    ChildProcess writer(
        {"python3", script("writer.py"), dir.string(), std::to_string(small_files), std::to_string(big_mib)});
    ASSERT_EQ(writer.wait(), 0);
    const SyncSummary summary = sync.finish();
    EXPECT_TRUE(summary.ok()) << summary.describe();

    const auto local = local_files(dir);
    ASSERT_EQ(local.size(),
              static_cast<size_t>(small_files) + 4);  // + moved-dir/{a,inner/b}, metrics, checkpoint
    EXPECT_EQ(read_text(dir / "metrics.json"), "{\"loss\": 0.25}");
    const auto remote = remote_files(moto, bucket, "prefix/my-job-7/output/intermediate/");
    EXPECT_EQ(remote.size(), local.size());
    EXPECT_TRUE(remote == local) << "objects differ from the files";
    EXPECT_EQ(files_under(dir / IntermediateSync::kTmpDirName), 0u) << "uploaded copies are removed";
    EXPECT_GE(summary.uploaded, local.size());
}

TEST(IntermediateSync, ThousandSmallFilesAndA200MiBFileArriveIntact) {
    const std::string moto = moto_endpoint();
    sync_run(moto, moto, 1000, 200);
}

TEST(IntermediateSync, NothingLostThroughFaultyNetwork) {
    const std::string moto = moto_endpoint();
    ScriptServer proxy("fault_proxy.py", {moto.substr(moto.rfind(':') + 1), "3"});
    sync_run(proxy.url(), moto, 150, 20);
    // The proxy writes "faults N" on its first fault, and no file before.
    EXPECT_NE(proxy.file(".log"), "") << "the proxy made no faults";
}

TEST(IntermediateSync, FailedUploadsAreReportedAndKept) {
    TempDir tmp;
    const fs::path dir = tmp.path() / "output/intermediate";
    ClientConfig config = test_config("http://127.0.0.1:9");  // nothing listens there
    config.retry = {2, std::chrono::milliseconds(1), std::chrono::milliseconds(2)};
    IntermediateSync sync;
    ASSERT_TRUE(sync.start({dir, "s3://bucket/p", "job", config}));
    // Moved in whole, so exactly one event announces it.
    std::ofstream(tmp.path() / "lost.txt") << "data";
    fs::rename(tmp.path() / "lost.txt", dir / "lost.txt");
    const SyncSummary summary = sync.finish();
    ASSERT_EQ(summary.failures.size(), 1u) << summary.describe();
    EXPECT_EQ(summary.failures[0].file, "lost.txt");
    EXPECT_EQ(
        summary.failures[0].error.rfind("s3://bucket/p/job/output/intermediate/lost.txt: PUT failed: ", 0),
        0u)
        << summary.failures[0].error;
    EXPECT_EQ(files_under(dir / IntermediateSync::kTmpDirName), 1u) << "the copy stays for a person";
    EXPECT_EQ(summary.describe().rfind("intermediate output sync: 1 file(s) not uploaded: lost.txt: ", 0),
              0u);
}

// sha256 of the texts written below, by sha256sum.
const std::string kShaBefore = "6db7d803e74f1ffa7d8f5adc0bf95b3e15bf4c8373fffadf546227cc6c6742cb";
const std::string kShaAfter1 = "0966428a1d83cbecd97934479318caeb7281b3b917333673c92b3b73839958c9";
const std::string kShaAfter2 = "823c659c48a09cfbe8f53c1fdb9091f0d34e4d970835cfe274468de9896afdff";
const std::string kShaLong = "fc66f021c67d064c1490a12b5a4d4d2f5167ca692a16ca12f1f3a4cda29a6fa9";

/// Waits up to 30 s for `count` objects under the prefix.
std::map<std::string, std::string> wait_for_objects(const std::string& moto, const std::string& bucket,
                                                    const std::string& prefix, size_t count) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::map<std::string, std::string> remote = remote_files(moto, bucket, prefix);
    while (remote.size() < count && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        remote = remote_files(moto, bucket, prefix);
    }
    return remote;
}

// Issue 11 item 5: `rm -rf "$D"; mkdir -p "$D"` (shutil.rmtree users) used to
// drop the watch for good: only the file written before was uploaded.
TEST(IntermediateSync, TheDirectoryMadeAgainIsWatchedAgain) {
    const std::string moto = moto_endpoint();
    TempDir tmp;
    const fs::path dir = tmp.path() / "output/intermediate";
    const std::string bucket = unique_bucket("remade");
    S3Client(test_config(moto)).create_bucket(bucket);
    IntermediateSync sync;
    ASSERT_TRUE(sync.start({dir, "s3://" + bucket + "/p", "job", test_config(moto)}));
    const std::string prefix = "p/job/output/intermediate/";

    std::ofstream(dir / "before.ckpt") << "before";
    ASSERT_EQ(wait_for_objects(moto, bucket, prefix, 1).size(), 1u);
    fs::remove_all(dir);
    fs::create_directories(dir / "sub");
    std::ofstream(dir / "after-1.ckpt") << "after-1";
    std::ofstream(dir / "sub/after-2.ckpt") << "after-2";
    ASSERT_EQ(wait_for_objects(moto, bucket, prefix, 3).size(), 3u);
    // Made again a second time, by a rename this time (a staged directory moved in).
    fs::create_directories(tmp.path() / "output/staged");
    std::ofstream(tmp.path() / "output/staged/long") << "long";
    fs::remove_all(dir);
    fs::rename(tmp.path() / "output/staged", dir);

    const SyncSummary summary = sync.finish();
    EXPECT_TRUE(summary.ok()) << summary.describe();
    const std::map<std::string, std::string> expected = {{"before.ckpt", kShaBefore},
                                                         {"after-1.ckpt", kShaAfter1},
                                                         {"sub/after-2.ckpt", kShaAfter2},
                                                         {"long", kShaLong}};
    EXPECT_EQ(remote_files(moto, bucket, prefix), expected);
}

// Issue 11 item 6: the staging copy prefixed a 27-byte timestamp to the name,
// so a legal name of 229-255 bytes failed with "File name too long".
TEST(IntermediateSync, NamesUpToNameMaxAreUploaded) {
    const std::string moto = moto_endpoint();
    TempDir tmp;
    const fs::path dir = tmp.path() / "output/intermediate";
    const std::string bucket = unique_bucket("longname");
    S3Client(test_config(moto)).create_bucket(bucket);
    IntermediateSync sync;
    ASSERT_TRUE(sync.start({dir, "s3://" + bucket + "/p", "job", test_config(moto)}));
    const std::string name_229 = std::string(225, 'a') + ".bin";
    const std::string name_255 = std::string(251, 'b') + ".bin";
    const std::string name_255_too = std::string(251, 'b') + ".txt";  // the same first 229 bytes
    ASSERT_EQ(name_229.size(), 229u);
    ASSERT_EQ(name_255.size(), 255u);
    fs::create_directories(dir / "d");
    std::ofstream(dir / name_229) << "before";
    std::ofstream(dir / "d" / name_255) << "after-1";
    std::ofstream(dir / "d" / name_255_too) << "after-2";
    const SyncSummary summary = sync.finish();
    EXPECT_TRUE(summary.ok()) << summary.describe();
    const std::map<std::string, std::string> expected = {
        {name_229, kShaBefore}, {"d/" + name_255, kShaAfter1}, {"d/" + name_255_too, kShaAfter2}};
    EXPECT_EQ(remote_files(moto, bucket, "p/job/output/intermediate/"), expected);
    EXPECT_EQ(files_under(dir / IntermediateSync::kTmpDirName), 0u);
}

TEST(IntermediateSync, WhatCannotBeWatchedAnyMoreIsReported) {
    // output/ itself removed: a new output/intermediate could not be seen, so
    // the job must not succeed silently.
    TempDir tmp;
    const fs::path dir = tmp.path() / "output/intermediate";
    IntermediateSync sync;
    ASSERT_TRUE(sync.start({dir, "s3://bucket/p", "job", test_config("http://127.0.0.1:9")}));
    fs::remove_all(tmp.path() / "output");
    const SyncSummary summary = sync.finish();
    ASSERT_EQ(summary.failures.size(), 1u) << summary.describe();
    EXPECT_EQ(summary.failures[0].file, ".");
    EXPECT_EQ(summary.failures[0].error,
              "cannot watch for the directory being made again: " + (tmp.path() / "output").string() +
                  " was removed; files written after that are not uploaded");
}

}  // namespace
