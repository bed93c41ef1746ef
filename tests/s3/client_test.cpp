// SPDX-License-Identifier: Apache-2.0
// The S3 client, the credential chain and the code download, against real
// servers on loopback: moto for S3, a python3 credentials endpoint, a python3
// fault proxy. Object contents are checked with boto3 (s3_checksums.py).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include <smtrain/error.hpp>
#include "s3/client.hpp"
#include "s3/code_download.hpp"
#include "s3/credentials.hpp"
#include "s3/intermediate_sync.hpp"
#include "s3/s3_url.hpp"
#include "servers.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;
using namespace smtrain::s3;
using namespace smtrain::s3::test;

namespace {

/// A client for moto (or a proxy in front of it) with static test keys.
ClientConfig test_config(const std::string& endpoint) {
    return ClientConfig::from_environment(smtrain::Environ({{"AWS_ACCESS_KEY_ID", "testing"},
                                                            {"AWS_SECRET_ACCESS_KEY", "testing"},
                                                            {"AWS_REGION", "us-east-1"},
                                                            {"S3_ENDPOINT_URL", endpoint}}));
}

void write_random(const fs::path& path, size_t size, unsigned seed) {
    std::mt19937 rng(seed);
    std::string data(size, '\0');
    for (char& c : data) c = static_cast<char>(rng());
    std::ofstream(path, std::ios::binary) << data;
}

/// "<sha256> <name>" lines into a map name -> sha256.
std::map<std::string, std::string> checksums(const std::string& listing) {
    std::map<std::string, std::string> out;
    std::istringstream in(listing);
    std::string sha, name;
    while (in >> sha >> name) out[name] = sha;
    return out;
}

std::map<std::string, std::string> local_checksums(const fs::path& dir) {
    return checksums(run_and_capture({"python3", script("s3_checksums.py"), "--local", dir.string()}));
}

std::map<std::string, std::string> remote_checksums(const std::string& endpoint, const std::string& bucket,
                                                    const std::string& prefix) {
    return checksums(run_and_capture({"python3", script("s3_checksums.py"), endpoint, bucket, prefix}));
}

// ---- URLs and keys (expected values written from the toolkit's urlparse/os.path.join) ----

TEST(S3Url, ParsesBucketAndKeyLikeTheToolkit) {
    const S3Url a = S3Url::parse("s3://my-bucket/prefix/source/sourcedir.tar.gz");
    EXPECT_EQ(a.bucket, "my-bucket");
    EXPECT_EQ(a.key, "prefix/source/sourcedir.tar.gz");
    EXPECT_EQ(S3Url::parse("s3://b").key, "");
    EXPECT_EQ(S3Url::parse("s3://b//double/lead").key, "double/lead");
    EXPECT_EQ(error_of([] { S3Url::parse("https://b/k"); }), "expected an s3:// URL, got 'https://b/k'");
    EXPECT_EQ(error_of([] { S3Url::parse("s3:///k"); }), "s3 URL without a bucket: 's3:///k'");
}

TEST(S3Url, IntermediateKeyPrefixMatchesOsPathJoin) {
    EXPECT_EQ(intermediate_key_prefix(S3Url::parse("s3://b/out"), "job-1"), "out/job-1/output/intermediate");
    EXPECT_EQ(intermediate_key_prefix(S3Url::parse("s3://b/out/"), "job-1"), "out/job-1/output/intermediate");
    EXPECT_EQ(intermediate_key_prefix(S3Url::parse("s3://b"), "job-1"), "job-1/output/intermediate");
    EXPECT_EQ(intermediate_key_prefix(S3Url::parse("s3://b/out"), ""), "out/output/intermediate");
    EXPECT_EQ(join_key("out/job/output/intermediate", ""), "out/job/output/intermediate/");
    EXPECT_EQ(join_key(join_key("p", ""), "f.txt"), "p/f.txt");
}

TEST(S3Url, EncodesKeysForThePath) {
    EXPECT_EQ(encode_key("a b/c+d/~x_y-z.txt"), "a%20b/c%2Bd/~x_y-z.txt");
    EXPECT_EQ(encode_query_value("a/b=c"), "a%2Fb%3Dc");
}

// ---- configuration ------------------------------------------------------

TEST(Region, ToolkitOrder) {
    EXPECT_EQ(resolve_region(
                  smtrain::Environ({{"AWS_REGION", "eu-west-1"}, {"SAGEMAKER_REGION", "us-west-2"}}), "ap-1"),
              "eu-west-1");
    EXPECT_EQ(resolve_region(smtrain::Environ({{"SAGEMAKER_REGION", "us-west-2"}}), "ap-south-1"),
              "us-west-2");
    EXPECT_EQ(resolve_region(smtrain::Environ{}, "ap-south-1"), "ap-south-1");
    EXPECT_EQ(resolve_region(smtrain::Environ({{"AWS_DEFAULT_REGION", "sa-east-1"}})), "sa-east-1");
    EXPECT_EQ(resolve_region(smtrain::Environ{}), "us-east-1");
}

TEST(Iso8601, ParsesCredentialExpirations) {
    using namespace std::chrono;
    EXPECT_EQ(parse_iso8601_utc("2024-01-02T03:04:05Z")->time_since_epoch(), seconds(1704164645));
    EXPECT_EQ(parse_iso8601_utc("2024-01-02T03:04:05.123Z")->time_since_epoch(), seconds(1704164645));
    EXPECT_EQ(parse_iso8601_utc("2024-01-02T03:04:05+00:00")->time_since_epoch(), seconds(1704164645));
    EXPECT_FALSE(parse_iso8601_utc("yesterday"));
    EXPECT_FALSE(parse_iso8601_utc("2024-01-02T03:04:05+02:00"));
}

// ---- credentials ----------------------------------------------------------

/// The test credentials endpoint (cred_server.py): TOKEN LIFETIME_SECONDS.
ScriptServer cred_server(const std::string& token, int lifetime_seconds) {
    return ScriptServer("cred_server.py", {token, std::to_string(lifetime_seconds)});
}

smtrain::Environ no_imds(smtrain::Environ vars) {
    // Only loopback in tests: IMDS goes to a closed local port.
    vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:9";
    return vars;
}

TEST(Credentials, EnvironmentKeysComeFirst) {
    CredentialProvider provider(
        smtrain::Environ(no_imds({{"AWS_ACCESS_KEY_ID", "AKIDENV"},
                                  {"AWS_SECRET_ACCESS_KEY", "s"},
                                  {"AWS_SESSION_TOKEN", "t"},
                                  {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/x"}})));
    const Credentials c = provider.get();
    EXPECT_EQ(c.access_key_id, "AKIDENV");
    EXPECT_EQ(c.session_token, "t");
    EXPECT_FALSE(c.expiration);
    EXPECT_EQ(provider.source(), "environment");
}

TEST(Credentials, ContainerFullUriWithTokenAndRefreshBeforeExpiry) {
    // 60 s lifetime is inside the 5-minute refresh margin: every get() fetches again.
    ScriptServer server = cred_server("Bearer sekrit", 60);
    CredentialProvider provider(
        smtrain::Environ(no_imds({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url("/creds")},
                                  {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer sekrit"}})));
    const Credentials first = provider.get();
    EXPECT_EQ(first.access_key_id, "AKIDTEST1");
    EXPECT_EQ(first.secret_access_key, "secret1");
    EXPECT_EQ(first.session_token, "session1");
    ASSERT_TRUE(first.expiration);
    EXPECT_EQ(provider.source(), "container");
    EXPECT_EQ(provider.get().access_key_id, "AKIDTEST2");
    EXPECT_EQ(server.file(".log"), "/creds auth=Bearer sekrit\n/creds auth=Bearer sekrit\n");
}

TEST(Credentials, LongLivedContainerCredentialsAreCached) {
    ScriptServer server = cred_server("", 3600);
    CredentialProvider provider(
        smtrain::Environ(no_imds({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url("/c")}})));
    EXPECT_EQ(provider.get().access_key_id, "AKIDTEST1");
    EXPECT_EQ(provider.get().access_key_id, "AKIDTEST1");
    provider.invalidate();  // as after an ExpiredToken answer
    EXPECT_EQ(provider.get().access_key_id, "AKIDTEST2");
}

TEST(Credentials, ContainerRelativeUriAgainstTheTestEndpoint) {
    ScriptServer server = cred_server("", 3600);
    CredentialProvider provider(
        smtrain::Environ(no_imds({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc-123"},
                                  {"SMTRAIN_TEST_CONTAINER_CREDENTIALS_ENDPOINT", server.url("")}})));
    EXPECT_EQ(provider.get().access_key_id, "AKIDTEST1");
    EXPECT_EQ(server.file(".log"), "/v2/credentials/abc-123 auth=\n");
}

TEST(Credentials, WrongTokenIsAClearError) {
    ScriptServer server = cred_server("Bearer right", 3600);
    const std::string url = server.url("/creds");
    CredentialProvider provider(
        smtrain::Environ(no_imds({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", url},
                                  {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer wrong"}})));
    EXPECT_EQ(error_of([&] { provider.get(); }),
              "container credentials endpoint " + url + ": HTTP 401: {\"message\": \"bad token\"}");
}

TEST(Credentials, PlainHttpFullUriMustBeLocal) {
    CredentialProvider provider(
        smtrain::Environ(no_imds({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/creds"}})));
    EXPECT_EQ(error_of([&] { provider.get(); }),
              "AWS_CONTAINER_CREDENTIALS_FULL_URI: http://example.com/creds: plain http is only allowed to "
              "loopback or 169.254.170.2/.23");
}

TEST(Credentials, NothingConfiguredSaysWhatWasTried) {
    CredentialProvider provider(smtrain::Environ(no_imds({})));
    EXPECT_EQ(
        error_of([&] { provider.get(); }),
        "no AWS credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set, no container credentials "
        "endpoint is configured, and EC2 instance metadata did not answer");
}

TEST(Credentials, UploadWithContainerCredentials) {
    ScriptServer server = cred_server("Bearer t", 60);
    ClientConfig config = ClientConfig::from_environment(
        smtrain::Environ(no_imds({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url("/creds")},
                                  {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer t"},
                                  {"S3_ENDPOINT_URL", moto_endpoint()}})));
    S3Client client(config);
    const std::string bucket = unique_bucket("creds");
    client.create_bucket(bucket);
    TempDir tmp;
    write_random(tmp.path() / "f", 1000, 1);
    client.upload(tmp.path() / "f", S3Url{bucket, "x/f"});
    EXPECT_EQ(remote_checksums(moto_endpoint(), bucket, "x/"), local_checksums(tmp.path()));
    // One fetch per request at least: the short expiry forced refreshes.
    const std::string log = server.file(".log");
    EXPECT_GE(std::count(log.begin(), log.end(), '\n'), 2);
}

// ---- S3 against moto --------------------------------------------------------

TEST(S3Client, UploadAndDownloadSmallAndMultipart) {
    const std::string endpoint = moto_endpoint();
    ClientConfig config = test_config(endpoint);
    config.part_size = 5 << 20;  // S3's minimum, so 21 MiB makes 5 parts
    S3Client client(config);
    const std::string bucket = unique_bucket("roundtrip");
    client.create_bucket(bucket);

    TempDir tmp;
    fs::create_directories(tmp.path() / "up/dir with space");
    write_random(tmp.path() / "up/empty", 0, 1);
    write_random(tmp.path() / "up/small.bin", 12345, 2);
    write_random(tmp.path() / "up/exactly-8MiB", 8 << 20, 3);  // at the threshold: one PUT
    write_random(tmp.path() / "up/dir with space/big+1.bin", (21 << 20) + 7, 4);
    for (const char* name : {"empty", "small.bin", "exactly-8MiB", "dir with space/big+1.bin"}) {
        client.upload(tmp.path() / "up" / name, S3Url{bucket, std::string("data/") + name});
    }
    EXPECT_EQ(remote_checksums(endpoint, bucket, "data/"), local_checksums(tmp.path() / "up"));

    fs::create_directories(tmp.path() / "down/dir with space");
    for (const char* name : {"empty", "small.bin", "dir with space/big+1.bin"}) {
        client.download(S3Url{bucket, std::string("data/") + name}, tmp.path() / "down" / name);
        EXPECT_EQ(read_text(tmp.path() / "down" / name), read_text(tmp.path() / "up" / name)) << name;
    }
}

TEST(S3Client, EveryRequestIsSignedAsAwsChecksIt) {
    // moto takes any signature: sigv4_proxy.py checks each request with botocore first.
    const std::string moto = moto_endpoint();
    ScriptServer proxy("sigv4_proxy.py", {moto.substr(moto.rfind(':') + 1), "us-east-1"});
    ClientConfig config =
        ClientConfig::from_environment(smtrain::Environ({{"AWS_ACCESS_KEY_ID", "testing"},
                                                         {"AWS_SECRET_ACCESS_KEY", "testing"},
                                                         {"AWS_SESSION_TOKEN", "session-token"},
                                                         {"AWS_REGION", "us-east-1"},
                                                         {"S3_ENDPOINT_URL", proxy.url()}}));
    config.part_size = 5 << 20;
    S3Client client(config);
    const std::string bucket = unique_bucket("signed");
    client.create_bucket(bucket);

    TempDir tmp;
    write_random(tmp.path() / "small", 3000, 1);
    write_random(tmp.path() / "big", (9 << 20) + 1,
                 2);  // two parts, each over curl's 1 MiB "Expect" threshold
    client.upload(tmp.path() / "small", S3Url{bucket, "a dir/small+1"});
    client.upload(tmp.path() / "big", S3Url{bucket, "big"});
    client.download(S3Url{bucket, "big"}, tmp.path() / "big.down");
    EXPECT_EQ(read_text(tmp.path() / "big.down"), read_text(tmp.path() / "big"));
    EXPECT_EQ(error_of([&] {
                  client.download(S3Url{bucket, "none"}, tmp.path() / "x");
              }),
              "s3://" + bucket + "/none: GET failed: HTTP 404 NoSuchKey: The specified key does not exist.");

    // create bucket, PUT, create + 2 parts + complete, GET, GET (404): each one signed.
    std::istringstream log(proxy.file(".log"));
    int requests = 0;
    for (std::string line; std::getline(log, line); ++requests) {
        EXPECT_TRUE(line.size() > 7 && line.substr(line.size() - 7) == " signed") << line;
    }
    EXPECT_EQ(requests, 8) << proxy.file(".log");
}

TEST(S3Client, MissingObjectNamesBucketKeyAndStatus) {
    S3Client client(test_config(moto_endpoint()));
    const std::string bucket = unique_bucket("missing");
    client.create_bucket(bucket);
    TempDir tmp;
    EXPECT_EQ(error_of([&] {
                  client.download(S3Url{bucket, "no/such.tar.gz"}, tmp.path() / "x");
              }),
              "s3://" + bucket +
                  "/no/such.tar.gz: GET failed: HTTP 404 NoSuchKey: The specified key does not exist.");
    write_random(tmp.path() / "f", 10, 1);
    EXPECT_EQ(error_of([&] {
                  client.upload(tmp.path() / "f", S3Url{"no-such-bucket-s3test", "k"});
              }),
              "s3://no-such-bucket-s3test/k: PUT failed: HTTP 404 NoSuchBucket: The specified bucket does "
              "not exist");
}

TEST(S3Client, UnreachableEndpointGivesUpAfterRetries) {
    ClientConfig config = test_config("http://127.0.0.1:9");
    config.retry = {3, std::chrono::milliseconds(1), std::chrono::milliseconds(5)};
    S3Client client(config);
    TempDir tmp;
    const std::string error = error_of([&] { client.download(S3Url{"b", "k"}, tmp.path() / "x"); });
    EXPECT_EQ(error.rfind("s3://b/k: GET failed: ", 0), 0u) << error;
    EXPECT_NE(error.find("(gave up after 3 attempts)"), std::string::npos) << error;
}

/// The fault proxy (fault_proxy.py) in front of moto, misbehaving for FAULT_SECONDS.
ScriptServer fault_proxy(const std::string& moto, double fault_seconds) {
    return ScriptServer("fault_proxy.py", {moto.substr(moto.rfind(':') + 1), std::to_string(fault_seconds)});
}

/// How many faults the fault proxy has made.
int faults(const ScriptServer& proxy) {
    std::istringstream in(proxy.file(".log"));
    std::string word;
    int n = 0;
    in >> word >> n;
    return n;
}

RetryPolicy patient_retries() { return {40, std::chrono::milliseconds(50), std::chrono::milliseconds(500)}; }

TEST(S3Client, RetriesThrough503sAndDroppedConnections) {
    const std::string moto = moto_endpoint();
    S3Client direct(test_config(moto));
    const std::string bucket = unique_bucket("faults");
    direct.create_bucket(bucket);

    ScriptServer proxy = fault_proxy(moto, 3.0);
    ClientConfig config = test_config(proxy.url());
    config.retry = patient_retries();
    config.part_size = 5 << 20;
    S3Client client(config);
    TempDir tmp;
    fs::create_directories(tmp.path() / "up");
    for (int i = 0; i < 12; ++i) {
        // Not "f" + std::to_string(i): GCC 12 warns falsely (-Wrestrict) on that at -O3 (GCC bug 105651).
        const std::string name = std::string("f").append(std::to_string(i));
        write_random(tmp.path() / "up" / name, 200 * 1024 + i, static_cast<unsigned>(i));
    }
    write_random(tmp.path() / "up/big", 12 << 20, 99);
    for (const auto& entry : fs::directory_iterator(tmp.path() / "up")) {
        client.upload(entry.path(), S3Url{bucket, "r/" + entry.path().filename().string()});
    }
    client.download(S3Url{bucket, "r/big"}, tmp.path() / "big.down");
    EXPECT_EQ(read_text(tmp.path() / "big.down"), read_text(tmp.path() / "up/big"));
    EXPECT_EQ(remote_checksums(moto, bucket, "r/"), local_checksums(tmp.path() / "up"));
    EXPECT_GE(faults(proxy), 3);
}

/// How many multipart uploads of `bucket` are open, asked through boto3.
int open_multipart_uploads(const std::string& endpoint, const std::string& bucket) {
    const std::string program =
        "import boto3, sys\n"
        "s3 = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1',\n"
        "                  aws_access_key_id='testing', aws_secret_access_key='testing')\n"
        "print(len(s3.list_multipart_uploads(Bucket=sys.argv[2]).get('Uploads', [])))\n";
    return std::stoi(run_and_capture({"python3", "-c", program, endpoint, bucket}));
}

TEST(S3Client, CancelledMultipartUploadIsAborted) {
    const std::string moto = moto_endpoint();
    const std::string bucket = unique_bucket("cancel");
    S3Client(test_config(moto)).create_bucket(bucket);

    // hold_proxy.py in front of moto: part uploads hang there.
    ScriptServer proxy("hold_proxy.py", {moto.substr(moto.rfind(':') + 1)});
    ClientConfig config = test_config(proxy.url());
    config.part_size = 5 << 20;
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    config.cancel = cancel;
    S3Client client(config);
    TempDir tmp;
    write_random(tmp.path() / "big", 12 << 20, 5);  // 3 parts

    std::string error;
    std::thread uploader([&] {
        error = error_of([&] { client.upload(tmp.path() / "big", S3Url{bucket, "held/big"}); });
    });
    // Cancel only once a part is held: the upload then exists on the server.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (proxy.file(".requests").find("partNumber=") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_NE(proxy.file(".requests").find("partNumber="), std::string::npos)
        << "no part upload reached the proxy";
    EXPECT_EQ(open_multipart_uploads(moto, bucket), 1);
    cancel->store(true);
    uploader.join();

    const std::string prefix = "s3://" + bucket + "/held/big: PUT part ";
    EXPECT_EQ(error.rfind(prefix, 0), 0u) << error;
    EXPECT_TRUE(error.size() > 10 && error.substr(error.size() - 10) == " cancelled") << error;
    EXPECT_NE(proxy.file(".requests").find("DELETE /" + bucket + "/held/big?uploadId="), std::string::npos)
        << proxy.file(".requests");
    EXPECT_EQ(open_multipart_uploads(moto, bucket), 0);
}

// ---- code download --------------------------------------------------------

/// A tarball written with Python's tarfile, from (name, type, data-or-target, mode) lines.
void python_tarball(const fs::path& out, const std::string& entries_py) {
    const std::string program =
        "import io, sys, tarfile\n"
        "with tarfile.open(sys.argv[1], 'w:gz') as t:\n"
        "    for name, kind, data, mode in " +
        entries_py +
        ":\n"
        "        i = tarfile.TarInfo(name); i.mode = mode\n"
        "        if kind == 'sym': i.type = tarfile.SYMTYPE; i.linkname = data; t.addfile(i)\n"
        "        else: i.size = len(data); t.addfile(i, io.BytesIO(data.encode()))\n";
    run_and_capture({"python3", "-c", program, out.string()});
}

TEST(CodeDownload, DownloadsAndExtractsSourcedir) {
    S3Client client(test_config(moto_endpoint()));
    const std::string bucket = unique_bucket("code");
    client.create_bucket(bucket);
    TempDir tmp;
    python_tarball(tmp.path() / "sourcedir.tar.gz",
                   "[('train.py', 'f', 'print(1)\\n', 0o755), ('lib/util.py', 'f', 'X = 1\\n', 0o644),"
                   " ('requirements.txt', 'f', 'numpy\\n', 0o644), ('run', 'sym', 'train.py', 0o777)]");
    client.upload(tmp.path() / "sourcedir.tar.gz", S3Url{bucket, "job/source/sourcedir.tar.gz"});

    const fs::path code = tmp.path() / "code";
    prepare_code_from_s3("s3://" + bucket + "/job/source/sourcedir.tar.gz", code, client);
    EXPECT_EQ(read_text(code / "train.py"), "print(1)\n");
    EXPECT_EQ(read_text(code / "lib/util.py"), "X = 1\n");
    EXPECT_EQ(read_text(code / "requirements.txt"), "numpy\n");
    EXPECT_EQ(fs::read_symlink(code / "run"), "train.py");
    struct stat st {};
    ASSERT_EQ(::stat((code / "train.py").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0755u);
}

TEST(CodeDownload, HostileTarballFromS3WritesNothingOutside) {
    S3Client client(test_config(moto_endpoint()));
    const std::string bucket = unique_bucket("evil");
    client.create_bucket(bucket);
    TempDir tmp;
    python_tarball(tmp.path() / "evil.tar.gz",
                   "[('ok.py', 'f', '', 0o644), ('../../etc/x', 'f', 'pwned', 0o644)]");
    client.upload(tmp.path() / "evil.tar.gz", S3Url{bucket, "evil.tar.gz"});
    fs::create_directories(tmp.path() / "opt/ml/code");
    const std::string url = "s3://" + bucket + "/evil.tar.gz";
    EXPECT_EQ(error_of([&] { prepare_code_from_s3(url, tmp.path() / "opt/ml/code", client); }),
              url + ": entry '../../etc/x': refused: '..' in the path");
    EXPECT_FALSE(fs::exists(tmp.path() / "opt/etc"));
    EXPECT_FALSE(fs::exists(tmp.path() / "etc"));
}

}  // namespace
