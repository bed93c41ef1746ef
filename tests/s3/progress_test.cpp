// SPDX-License-Identifier: Apache-2.0
// Progress lines: their format (expected lines written by hand), and the lines a
// slow code download writes (a proxy in front of moto trickles the bytes).
#include "s3/progress.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <regex>
#include <string>
#include <vector>

#include "s3/code_download.hpp"
#include "servers.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;
using namespace smtrain::s3;
using namespace smtrain::s3::test;

namespace {

constexpr double kMiB = 1024 * 1024;

TEST(ProgressLine, BytesWithTotalRateAndTimeLeft) {
    EXPECT_EQ(format_progress("code download", ProgressUnit::Bytes, {48 << 20, 64 << 20}, 12.1 * kMiB,
                              std::chrono::seconds(4)),
              "progress: code download: 48.0 MiB of 64.0 MiB, 12.1 MiB/s, about 2 s left");
    EXPECT_EQ(format_progress("final sync", ProgressUnit::Bytes, {3ull << 30, 10ull << 30}, 100 * kMiB,
                              std::chrono::seconds(30)),
              "progress: final sync: 3.0 GiB of 10.0 GiB, 100.0 MiB/s, about 72 s left");
}

TEST(ProgressLine, WithoutTotalOrRate) {
    EXPECT_EQ(format_progress("code download", ProgressUnit::Bytes, {512, std::nullopt}, 0,
                              std::chrono::seconds(10)),
              "progress: code download: 512 B, 0 B/s");
    EXPECT_EQ(
        format_progress("code download", ProgressUnit::Bytes, {1536, 4096}, 0, std::chrono::seconds(10)),
        "progress: code download: 1.5 KiB of 4.0 KiB, 0 B/s");
    EXPECT_EQ(format_progress("code extraction", ProgressUnit::Entries, {5000, std::nullopt}, 830.25,
                              std::chrono::seconds(10)),
              "progress: code extraction: 5000 entries, 830.2 entries/s");
    EXPECT_EQ(format_progress("requirements install", ProgressUnit::Elapsed, {}, 0, std::chrono::seconds(30)),
              "progress: requirements install: 30 s elapsed");
}

TEST(ProgressTicker, ShortPhaseWritesNothing) {
    std::vector<std::string> lines;
    set_progress_sink([&](const std::string& line) { lines.push_back(line); });
    { const ProgressTicker ticker("requirements install"); }
    set_progress_sink(nullptr);
    EXPECT_TRUE(lines.empty());
}

TEST(ProgressTicker, SlowCodeDownloadWritesLines) {
    S3Client direct(ClientConfig::from_environment(smtrain::Environ({{"AWS_ACCESS_KEY_ID", "testing"},
                                                                     {"AWS_SECRET_ACCESS_KEY", "testing"},
                                                                     {"AWS_REGION", "us-east-1"},
                                                                     {"S3_ENDPOINT_URL", moto_endpoint()}})));
    const std::string bucket = unique_bucket("progress");
    direct.create_bucket(bucket);
    TempDir tmp;
    run_and_capture(
        {"python3", "-c",
         "import io, os, sys, tarfile\n"
         "with tarfile.open(sys.argv[1], 'w') as t:\n"
         "    data = os.urandom(300000); info = tarfile.TarInfo('big.bin'); info.size = len(data)\n"
         "    t.addfile(info, io.BytesIO(data))\n",
         (tmp.path() / "sourcedir.tar").string()});
    direct.upload(tmp.path() / "sourcedir.tar", S3Url{bucket, "sourcedir.tar"});
    const std::string moto = moto_endpoint();
    // 100 KB/s per connection: the 300 KiB tar (307,200 bytes) takes about 1.5 s on 2 connections.
    ScriptServer proxy("range_proxy.py", {moto.substr(moto.rfind(':') + 1), "--trickle", "100000"});
    S3Client client(ClientConfig::from_environment(smtrain::Environ({{"AWS_ACCESS_KEY_ID", "testing"},
                                                                     {"AWS_SECRET_ACCESS_KEY", "testing"},
                                                                     {"AWS_REGION", "us-east-1"},
                                                                     {"S3_ENDPOINT_URL", proxy.url()}})));
    std::mutex mutex;
    std::vector<std::string> lines;
    set_progress_sink([&](const std::string& line) {
        std::lock_guard lock(mutex);
        lines.push_back(line);
    });
    set_progress_interval(std::chrono::milliseconds(200));
    prepare_code_from_s3("s3://" + bucket + "/sourcedir.tar", tmp.path() / "code", client,
                         {16 << 10, 64 << 10, 2}, {"code download", "code extraction"});
    set_progress_interval(std::chrono::seconds(10));
    set_progress_sink(nullptr);

    EXPECT_EQ(read_text(tmp.path() / "code/big.bin").size(), 300000u);
    // The total is known from the first answer on (a loaded machine may tick before it).
    const std::regex download(
        R"(progress: code download: [0-9.]+ (B|KiB)( of 300\.0 KiB)?, [0-9.]+ (B|KiB|MiB)/s(, about [0-9]+ s left)?)");
    const std::regex extraction(R"(progress: code extraction: [0-9]+ entries, [0-9]+\.[0-9] entries/s)");
    int downloads = 0, with_total = 0, extractions = 0;
    for (const std::string& line : lines) {
        if (std::regex_match(line, download)) {
            ++downloads;
            with_total += line.find(" of 300.0 KiB, ") != std::string::npos;
        } else if (std::regex_match(line, extraction)) {
            ++extractions;
        } else {
            ADD_FAILURE() << "unexpected line: " << line;
        }
    }
    EXPECT_GE(downloads, 3);
    EXPECT_GE(with_total, 1);
    EXPECT_GE(extractions, 3);
}

}  // namespace
