// SPDX-License-Identifier: Apache-2.0
// The upload pool (issue 15): uploads in flight together, bounded, on reused
// connections, small PUTs without "Expect: 100-continue", order per key,
// retried parts, cancellation with the pool busy, progress lines. Against
// s3_sink.py, a loopback S3 endpoint that counts what it is sent.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "s3/intermediate_sync.hpp"
#include "servers.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;
using namespace smtrain::s3;
using namespace smtrain::s3::test;
using Clock = std::chrono::steady_clock;

namespace {

ClientConfig sink_config(const std::string& endpoint, unsigned concurrency) {
    ClientConfig config =
        ClientConfig::from_environment(smtrain::Environ({{"AWS_ACCESS_KEY_ID", "testing"},
                                                         {"AWS_SECRET_ACCESS_KEY", "testing"},
                                                         {"AWS_REGION", "us-east-1"},
                                                         {"S3_ENDPOINT_URL", endpoint}}));
    config.max_concurrency = concurrency;
    config.retry = {4, std::chrono::milliseconds(10), std::chrono::milliseconds(50)};
    return config;
}

nlohmann::json stats_of(const ScriptServer& sink) { return nlohmann::json::parse(sink.file(".stats")); }

/// Writes `text` beside `dir` and moves it in, so that one event announces it whole.
void move_in(const fs::path& dir, const std::string& name, const std::string& text) {
    const fs::path staged = dir.parent_path() / (".staged-" + name);
    std::ofstream(staged, std::ios::binary) << text;
    fs::create_directories((dir / name).parent_path());
    fs::rename(staged, dir / name);
}

void write_bytes(const fs::path& path, size_t size, char fill) {
    std::ofstream out(path, std::ios::binary);
    const std::string block(1 << 20, fill);
    for (size_t left = size; left > 0;) {
        const size_t n = std::min(left, block.size());
        out.write(block.data(), static_cast<std::streamsize>(n));
        left -= n;
    }
}

/// sha256 of every file under `dir` but the staging copies (python's hashlib).
std::map<std::string, std::string> local_digests(const fs::path& dir) {
    std::map<std::string, std::string> out;
    std::istringstream in(run_and_capture(
        {"python3", script("s3_checksums.py"), "--local", dir.string(), IntermediateSync::kTmpDirName}));
    std::string sha, name;
    while (in >> sha >> name) out[name] = sha;
    return out;
}

std::map<std::string, std::string> sink_objects(const ScriptServer& sink, const std::string& prefix) {
    std::map<std::string, std::string> out;
    const nlohmann::json stats = stats_of(sink);  // kept: items() refers into it
    for (auto& [key, value] : stats["objects"].items()) {
        if (key.rfind(prefix, 0) == 0) out[key.substr(prefix.size())] = value.get<std::string>();
    }
    return out;
}

const std::string kPrefix = "p/job/output/intermediate/";

TEST(UploadPool, InFlightRequestsStayWithinTheBoundOnReusedConnections) {
    ScriptServer sink("s3_sink.py", {"--delay-ms", "200"});
    TempDir tmp;
    const fs::path dir = tmp.path() / "output/intermediate";
    IntermediateSync sync;
    ASSERT_TRUE(sync.start({dir, "s3://b/p", "job", sink_config(sink.url(), 3)}));
    for (int i = 0; i < 24; ++i) move_in(dir, "f" + std::to_string(i), "file " + std::to_string(i));
    const SyncSummary summary = sync.finish();
    EXPECT_TRUE(summary.ok()) << summary.describe();
    EXPECT_EQ(summary.uploaded, 24u);

    const nlohmann::json stats = stats_of(sink);
    // 24 uploads of 200 ms each: one at a time before the pool, never more than 3 now.
    EXPECT_EQ(stats["max_in_flight"], 3) << stats.dump();
    EXPECT_LE(stats["connections"].get<int>(), 3) << "each connection is kept for the next request";
    EXPECT_EQ(stats["requests"], 24);
    EXPECT_EQ(sink_objects(sink, kPrefix), local_digests(dir));
}

TEST(UploadPool, OnlyPutsOverOneMiBWaitForContinue) {
    ScriptServer sink("s3_sink.py");
    TempDir tmp;
    const fs::path dir = tmp.path() / "output/intermediate";
    fs::create_directories(tmp.path() / "src");
    write_bytes(tmp.path() / "src/small", 1000, 's');
    write_bytes(tmp.path() / "src/one-mib", 1 << 20, 'o');
    write_bytes(tmp.path() / "src/one-mib-and-one", (1 << 20) + 1, 'p');
    write_bytes(tmp.path() / "src/multipart", (20 << 20) + 5, 'm');  // 8 + 8 + 4 MiB + 5 bytes
    IntermediateSync sync;
    ASSERT_TRUE(sync.start({dir, "s3://b/p", "job", sink_config(sink.url(), 4)}));
    for (const char* name : {"small", "one-mib", "one-mib-and-one", "multipart"}) {
        fs::rename(tmp.path() / "src" / name, dir / name);
    }
    const SyncSummary summary = sync.finish();
    EXPECT_TRUE(summary.ok()) << summary.describe();
    std::vector<std::string> expect = stats_of(sink)["expect"];
    std::sort(expect.begin(), expect.end());
    EXPECT_EQ(expect, (std::vector<std::string>{"PUT 1048577", "PUT 4194309", "PUT 8388608", "PUT 8388608"}));
    EXPECT_EQ(sink_objects(sink, kPrefix), local_digests(dir));
}

TEST(UploadPool, AFileRewrittenWhileItsFirstCopyUploadsIsStoredLast) {
    // The first copy is held 1.5 s by the sink before it is stored; the second
    // must not overtake it, though 10 uploads may be in flight.
    ScriptServer sink("s3_sink.py", {"--slow-prefix", "slow", "--slow-ms", "1500"});
    TempDir tmp;
    const fs::path dir = tmp.path() / "output/intermediate";
    IntermediateSync sync;
    ASSERT_TRUE(sync.start({dir, "s3://b/p", "job", sink_config(sink.url(), 10)}));
    move_in(dir, "ckpt", "slow: first copy");
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (stats_of(sink)["requests"] == 0 && Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(stats_of(sink)["requests"], 1) << "the first copy's upload has begun";
    move_in(dir, "ckpt", "second copy");
    for (int i = 0; i < 5; ++i) move_in(dir, "other" + std::to_string(i), "other");
    const SyncSummary summary = sync.finish();
    EXPECT_TRUE(summary.ok()) << summary.describe();
    EXPECT_EQ(summary.uploaded, 7u);
    // sha256 of "second copy", by sha256sum.
    EXPECT_EQ(sink_objects(sink, kPrefix)["ckpt"],
              "a74d3700526794fa0961294d8afdf1351b59d626ae08ce8a54184cdbad9578a0");
}

TEST(UploadPool, AFailedPartIsSentAgain) {
    ScriptServer sink("s3_sink.py", {"--fail-part", "2"});
    TempDir tmp;
    const fs::path dir = tmp.path() / "output/intermediate";
    fs::create_directories(tmp.path() / "src");
    write_bytes(tmp.path() / "src/big", (17 << 20) + 3, 'b');  // 3 parts
    IntermediateSync sync;
    ASSERT_TRUE(sync.start({dir, "s3://b/p", "job", sink_config(sink.url(), 10)}));
    fs::rename(tmp.path() / "src/big", dir / "big");
    const SyncSummary summary = sync.finish();
    EXPECT_TRUE(summary.ok()) << summary.describe();
    std::vector<std::string> parts = stats_of(sink)["parts"];
    std::sort(parts.begin(), parts.end());
    const std::string key = kPrefix + "big";
    EXPECT_EQ(parts, (std::vector<std::string>{key + " 1", key + " 2", key + " 2", key + " 3"}));
    EXPECT_EQ(sink_objects(sink, kPrefix), local_digests(dir));
    const SyncStats stats = sync.stats();
    EXPECT_EQ(stats.files_done, 1u);
    EXPECT_EQ(stats.files_total, 1u);
    EXPECT_EQ(stats.bytes_done, (17u << 20) + 3);
    EXPECT_EQ(stats.bytes_total, (17u << 20) + 3);
}

TEST(UploadPool, ABusyPoolIsCancelledInBoundedTime) {
    // The sink holds every request for a minute: 4 uploads in flight, 8 queued.
    ScriptServer sink("s3_sink.py", {"--delay-ms", "60000"});
    TempDir tmp;
    const fs::path dir = tmp.path() / "output/intermediate";
    IntermediateSync sync;
    ASSERT_TRUE(sync.start({dir, "s3://b/p", "job", sink_config(sink.url(), 4)}));
    for (int i = 0; i < 12; ++i) move_in(dir, "f" + std::to_string(i), "data");
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (stats_of(sink)["max_in_flight"] != 4 && Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(stats_of(sink)["max_in_flight"], 4) << "the pool is busy";
    const auto started = Clock::now();
    const SyncSummary summary = sync.finish([&] { return started + std::chrono::milliseconds(500); });
    EXPECT_LT(Clock::now() - started, std::chrono::seconds(5));
    ASSERT_EQ(summary.failures.size(), 12u) << summary.describe();
    int cancelled = 0, queued = 0;
    for (const SyncFailure& f : summary.failures) {
        cancelled +=
            f.error.find(": PUT cancelled (the final wait for uploads ran out)") != std::string::npos;
        queued += f.error == "not uploaded: the final wait for uploads ran out";
    }
    EXPECT_EQ(cancelled, 4) << summary.describe();
    EXPECT_EQ(queued, 8) << summary.describe();
}

TEST(UploadPool, TheFinalSyncLogsProgressLines) {
    ScriptServer sink("s3_sink.py", {"--delay-ms", "250"});
    TempDir tmp;
    const fs::path dir = tmp.path() / "output/intermediate";
    std::vector<std::string> lines;
    IntermediateSync sync;
    sync.on_progress([&](const std::string& line) { lines.push_back(line); }, std::chrono::milliseconds(400));
    ASSERT_TRUE(sync.start({dir, "s3://b/p", "job", sink_config(sink.url(), 1)}));
    for (int i = 0; i < 10; ++i) move_in(dir, "f" + std::to_string(i), std::string(1000, 'x'));
    const SyncSummary summary = sync.finish();
    EXPECT_TRUE(summary.ok()) << summary.describe();
    ASSERT_GE(lines.size(), 2u);  // 2.5 s of uploads, a line every 0.4 s
    const std::regex format(
        R"(progress: final sync: \d+/10 files, 0\.0 MiB of 0\.0 MiB, 0\.0 MiB/s(, about \d+ s left)?)");
    for (const std::string& line : lines) EXPECT_TRUE(std::regex_match(line, format)) << line;
    EXPECT_EQ(lines.size() > 0 ? lines[0].find('\r') : 0, std::string::npos);
}

TEST(UploadPool, ProgressLineFormat) {
    SyncStats stats{120, 500, 7864320, 34288435};  // 7.5 MiB of 32.7 MiB: 25.2 MiB left, 12 s at 2.1 MiB/s
    EXPECT_EQ(final_sync_progress_line(stats, 2.1 * 1024 * 1024),
              "progress: final sync: 120/500 files, 7.5 MiB of 32.7 MiB, 2.1 MiB/s, about 12 s left");
    EXPECT_EQ(final_sync_progress_line(SyncStats{0, 3, 0, 10}, 0),
              "progress: final sync: 0/3 files, 0.0 MiB of 0.0 MiB, 0.0 MiB/s");
}

// SMTRAIN_S3_MAX_CONCURRENCY is sm-train's setting, read and checked by its
// Settings (tests/launcher/settings_test.cpp): the S3 layer keeps the default.
TEST(UploadPool, TheBoundIsNotReadFromTheEnvironment) {
    EXPECT_EQ(ClientConfig::from_environment(smtrain::Environ{}).max_concurrency, 10u);
    EXPECT_EQ(ClientConfig::from_environment(smtrain::Environ({{"SMTRAIN_S3_MAX_CONCURRENCY", "32"}}))
                  .max_concurrency,
              10u);
    EXPECT_EQ(ClientConfig::from_environment(smtrain::Environ({{"SMTRAIN_S3_MAX_CONCURRENCY", "ten"}}))
                  .max_concurrency,
              10u);
}

}  // namespace
