// SPDX-License-Identifier: Apache-2.0
// The parallel ranged download (ObjectStream) and the code download built on it,
// against moto, with a proxy in front of it that counts, cuts or slows GETs.
#include "s3/object_stream.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "s3/code_download.hpp"
#include "servers.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;
using namespace smtrain::s3;
using namespace smtrain::s3::test;

namespace {

ClientConfig test_config(const std::string& endpoint) {
    return ClientConfig::from_environment(smtrain::Environ({{"AWS_ACCESS_KEY_ID", "testing"},
                                                            {"AWS_SECRET_ACCESS_KEY", "testing"},
                                                            {"AWS_REGION", "us-east-1"},
                                                            {"S3_ENDPOINT_URL", endpoint}}));
}

std::string random_bytes(std::size_t size, unsigned seed) {
    std::mt19937 rng(seed);
    std::string data(size, '\0');
    for (char& c : data) c = static_cast<char>(rng());
    return data;
}

/// Uploads `data` as s3://bucket/key (through a file: the client uploads files).
void put_object(const S3Client& client, const std::string& bucket, const std::string& key,
                const std::string& data) {
    TempDir tmp;
    std::ofstream(tmp.path() / "obj", std::ios::binary) << data;
    client.upload(tmp.path() / "obj", S3Url{bucket, key});
}

std::string read_all(ObjectStream& stream) {
    std::string out;
    for (std::string_view chunk = stream.next(); !chunk.empty(); chunk = stream.next()) out.append(chunk);
    return out;
}

std::string moto_port() {
    const std::string moto = moto_endpoint();
    return moto.substr(moto.rfind(':') + 1);
}

std::size_t lines(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Small parts, so that every boundary case is a few KiB: the first part is
// 1000 bytes, then parts of 4096.
constexpr StreamOptions kSmallParts{1000, 4096, 3};

TEST(ObjectStream, BytesAreExactForSizesAroundPartBoundaries) {
    S3Client client(test_config(moto_endpoint()));
    const std::string bucket = unique_bucket("ranges");
    client.create_bucket(bucket);
    for (const std::size_t size :
         {1ul, 999ul, 1000ul, 1001ul, 5095ul, 5096ul, 5097ul, 9192ul, 1000ul + 7 * 4096 + 13}) {
        const std::string data = random_bytes(size, static_cast<unsigned>(size));
        put_object(client, bucket, "o" + std::to_string(size), data);
        ObjectStream stream(client, S3Url{bucket, "o" + std::to_string(size)}, kSmallParts);
        const std::string got = read_all(stream);
        EXPECT_EQ(got.size(), size);
        EXPECT_TRUE(got == data) << "object of " << size << " bytes differs";
        EXPECT_EQ(stream.size(), size);
        EXPECT_EQ(stream.received(), size);
        EXPECT_TRUE(stream.next().empty());
    }
}

TEST(ObjectStream, MissingAndEmptyObjectsAreClearErrors) {
    S3Client client(test_config(moto_endpoint()));
    const std::string bucket = unique_bucket("ranges-missing");
    client.create_bucket(bucket);
    ObjectStream missing(client, S3Url{bucket, "no/such.tar.gz"}, kSmallParts);
    EXPECT_EQ(error_of([&] {
                  missing.next();
              }).rfind("s3://" + bucket + "/no/such.tar.gz: GET failed: HTTP 404 NoSuchKey", 0),
              0u)
        << error_of([&] { missing.next(); });
    put_object(client, bucket, "empty", "");
    ObjectStream empty(client, S3Url{bucket, "empty"}, kSmallParts);
    EXPECT_NE(error_of([&] { empty.next(); }).find("GET failed: HTTP 416"), std::string::npos);
}

TEST(ObjectStream, ACutRangeIsRetriedFromItsStart) {
    S3Client direct(test_config(moto_endpoint()));
    const std::string bucket = unique_bucket("ranges-cut");
    direct.create_bucket(bucket);
    const std::string data = random_bytes(1000 + 5 * 4096, 7);
    put_object(direct, bucket, "o", data);
    // The third part (bytes 5096-9191) is cut after half its body, once.
    ScriptServer proxy("range_proxy.py", {moto_port(), "--cut-range-at", "5096"});
    ClientConfig config = test_config(proxy.url());
    config.retry.base_delay = std::chrono::milliseconds(10);
    S3Client client(config);
    ObjectStream stream(client, S3Url{bucket, "o"}, kSmallParts);
    EXPECT_TRUE(read_all(stream) == data);
    EXPECT_EQ(proxy.file(".log"), "cut bytes=5096-9191\n");
    const std::string requests = proxy.file(".requests");
    EXPECT_EQ(lines(requests), 7u) << requests;  // 6 parts, one of them twice
    EXPECT_EQ(stream.received(), data.size());
}

TEST(ObjectStream, NoMorePartsThanBuffersAreFetchedAheadOfTheReader) {
    S3Client direct(test_config(moto_endpoint()));
    const std::string bucket = unique_bucket("ranges-bound");
    direct.create_bucket(bucket);
    const std::string data = random_bytes(1000 + 20 * 4096, 8);
    put_object(direct, bucket, "o", data);
    ScriptServer proxy("range_proxy.py", {moto_port()});
    S3Client client(test_config(proxy.url()));
    ObjectStream stream(client, S3Url{bucket, "o"}, kSmallParts);  // 3 in flight: 4 buffers
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    // Nothing read yet: parts 1-4 fill the 4 buffers, and no fifth starts.
    EXPECT_EQ(lines(proxy.file(".requests")), 4u) << proxy.file(".requests");
    EXPECT_EQ(stream.received(), 1000u + 3 * 4096);
    EXPECT_EQ(stream.next().size(), 1000u);
    EXPECT_EQ(stream.next().size(), 4096u);  // the first part released: one more may start
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_EQ(lines(proxy.file(".requests")), 5u) << proxy.file(".requests");
    std::string rest = data.substr(0, 5096);
    for (std::string_view chunk = stream.next(); !chunk.empty(); chunk = stream.next()) rest.append(chunk);
    EXPECT_TRUE(rest == data);
    EXPECT_LE(std::stoi(proxy.file(".max_inflight")), 3);
}

TEST(ObjectStream, CancelStopsASlowDownloadPromptly) {
    S3Client direct(test_config(moto_endpoint()));
    const std::string bucket = unique_bucket("ranges-cancel");
    direct.create_bucket(bucket);
    put_object(direct, bucket, "o", random_bytes(4 << 20, 9));
    // 20 KiB/s: the 4 MiB would take minutes.
    ScriptServer proxy("range_proxy.py", {moto_port(), "--trickle", "20000"});
    ClientConfig config = test_config(proxy.url());
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    config.cancel = cancel;
    S3Client client(config);
    std::string error;
    const auto start = std::chrono::steady_clock::now();
    std::chrono::steady_clock::duration took{};
    std::thread reader([&] {
        ObjectStream stream(client, S3Url{bucket, "o"}, {64 << 10, 256 << 10, 4});
        error = error_of([&] { read_all(stream); });
        // The stream's destructor waits for its GETs: the cancel must have stopped them too.
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    const auto cancelled_at = std::chrono::steady_clock::now();
    cancel->store(true);
    reader.join();
    took = std::chrono::steady_clock::now() - cancelled_at;
    EXPECT_EQ(error, "s3://" + bucket + "/o: GET cancelled");
    EXPECT_LT(took, std::chrono::seconds(3)) << std::chrono::duration<double>(took).count() << " s";
    (void)start;
}

// ---- the code download: extraction while the bytes arrive ----

/// An uncompressed tar (its size is a multiple of 512) from Python's tarfile,
/// with files of the given sizes, seeded contents.
std::string python_tar(const fs::path& out, const std::vector<int>& sizes) {
    std::string list;
    for (int s : sizes) list += std::to_string(s) + ",";
    run_and_capture({"python3", "-c",
                     "import io, random, sys, tarfile\n"
                     "with tarfile.open(sys.argv[1], 'w', format=tarfile.PAX_FORMAT) as t:\n"
                     "    for i, n in enumerate([" +
                         list +
                         "]):\n"
                         "        r = random.Random(i); data = bytes(r.getrandbits(8) for _ in range(n))\n"
                         "        info = tarfile.TarInfo('d%d/f%d.bin' % (i % 3, i)); info.size = n\n"
                         "        t.addfile(info, io.BytesIO(data))\n",
                     out.string()});
    return read_text(out);
}

TEST(CodeDownloadStream, TreeIsExactWithPartBoundariesAroundTheArchiveEnd) {
    S3Client client(test_config(moto_endpoint()));
    const std::string bucket = unique_bucket("code-ranges");
    client.create_bucket(bucket);
    TempDir tmp;
    const std::string tar = python_tar(tmp.path() / "sourcedir.tar", {0, 1, 511, 512, 513, 5000, 20000});
    fs::create_directories(tmp.path() / "expected");
    run_and_capture(
        {"tar", "-xf", (tmp.path() / "sourcedir.tar").string(), "-C", (tmp.path() / "expected").string()});
    put_object(client, bucket, "sourcedir.tar", tar);
    const std::uint64_t size = tar.size();
    // The last part ends 1 byte short of, at, or 1 byte past the end; the first part is the whole object or
    // one byte.
    const std::vector<StreamOptions> layouts{{size - 1, 4096, 3},        {size, 4096, 3},
                                             {size + 1, 4096, 3},        {1, (size - 1) / 4, 2},
                                             {1, (size - 1) / 4 + 1, 2}, {512, 512, 4}};
    for (const StreamOptions& layout : layouts) {
        const fs::path code = tmp.path() / ("code-" + std::to_string(layout.first_part) + "-" +
                                            std::to_string(layout.part_size));
        prepare_code_from_s3("s3://" + bucket + "/sourcedir.tar", code, client, layout);
        EXPECT_EQ(run_and_capture({"diff", "-r", (tmp.path() / "expected").string(), code.string()}), "")
            << "first part " << layout.first_part << ", parts of " << layout.part_size;
    }
}

}  // namespace
