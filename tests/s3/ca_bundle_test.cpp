// SPDX-License-Identifier: Apache-2.0
// Where sm-train finds the CA bundle it verifies HTTPS peers with, and the
// defaults every curl handle gets (CurlApi).
#include <gtest/gtest.h>

#include "../support/temp_tree.hpp"
#include "s3/ca_bundle.hpp"
#include "s3/curl_api.hpp"
#include "test_util.hpp"

using namespace smtrain::s3;
using namespace smtrain::s3::test;
using smtrain::testing::TempDir;
using smtrain::testing::write_file;

namespace {

const char* const kPem = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";

TEST(CaBundle, DebianPathFirst) {
    TempDir root;
    write_file(root.path() / "etc/ssl/certs/ca-certificates.crt", kPem);
    write_file(root.path() / "etc/pki/tls/certs/ca-bundle.crt", kPem);
    EXPECT_EQ(find_ca_bundle(smtrain::Environ{}, root.path()),
              (root.path() / "etc/ssl/certs/ca-certificates.crt").string());
}

TEST(CaBundle, AmazonLinuxPath) {
    TempDir root;
    write_file(root.path() / "etc/pki/tls/certs/ca-bundle.crt", kPem);
    EXPECT_EQ(find_ca_bundle(smtrain::Environ{}, root.path()),
              (root.path() / "etc/pki/tls/certs/ca-bundle.crt").string());
}

TEST(CaBundle, LastFallbackPath) {
    TempDir root;
    write_file(root.path() / "etc/ssl/cert.pem", kPem);
    EXPECT_EQ(find_ca_bundle(smtrain::Environ{}, root.path()), (root.path() / "etc/ssl/cert.pem").string());
}

TEST(CaBundle, DirectoryIsNoBundle) {
    TempDir root;
    std::filesystem::create_directories(root.path() / "etc/ssl/certs/ca-certificates.crt");
    write_file(root.path() / "etc/ssl/ca-bundle.pem", kPem);
    EXPECT_EQ(find_ca_bundle(smtrain::Environ{}, root.path()),
              (root.path() / "etc/ssl/ca-bundle.pem").string());
}

TEST(CaBundle, VariablesComeBeforeThePaths) {
    TempDir root;
    write_file(root.path() / "etc/ssl/certs/ca-certificates.crt", kPem);
    const std::string aws = (root.path() / "aws.pem").string(), ssl = (root.path() / "ssl.pem").string();
    write_file(aws, kPem);
    write_file(ssl, kPem);
    EXPECT_EQ(find_ca_bundle(smtrain::Environ({{"AWS_CA_BUNDLE", aws}, {"SSL_CERT_FILE", ssl}}), root.path()),
              aws);
    EXPECT_EQ(find_ca_bundle(smtrain::Environ({{"SSL_CERT_FILE", ssl}}), root.path()), ssl);
    EXPECT_EQ(find_ca_bundle(smtrain::Environ({{"AWS_CA_BUNDLE", ""}, {"SSL_CERT_FILE", ssl}}), root.path()),
              ssl);
}

TEST(CaBundle, VariableNamingAMissingFileIsOneLine) {
    TempDir root;
    write_file(root.path() / "etc/ssl/certs/ca-certificates.crt", kPem);
    EXPECT_EQ(error_of([&] {
                  find_ca_bundle(smtrain::Environ({{"AWS_CA_BUNDLE", "/nonexistent/ca.pem"}}), root.path());
              }),
              "AWS_CA_BUNDLE=/nonexistent/ca.pem: no such file");
}

TEST(CaBundle, NoneIsOneLine) {
    TempDir root;
    EXPECT_EQ(error_of([&] { find_ca_bundle(smtrain::Environ{}, root.path()); }),
              "no CA certificate bundle for HTTPS: set AWS_CA_BUNDLE or install ca-certificates in the image "
              "(looked in /etc/ssl/certs/ca-certificates.crt, /etc/pki/tls/certs/ca-bundle.crt and 4 more)");
}

// On this (Debian) build machine the process-wide instance uses Debian's bundle.
TEST(CaBundle, CurlUsesTheBundleFound) {
    CurlApi::get();
    EXPECT_EQ(CurlApi::ca_bundle(), find_ca_bundle(smtrain::current_environ()));
    EXPECT_FALSE(CurlApi::ca_bundle().empty());
}

/// What perform() gives for `url` on a handle from `api` (after a reset too).
CURLcode perform_url(const CurlApi& api, const char* url, bool reset) {
    CURL* handle = api.easy_init();
    if (reset) api.easy_reset(handle);
    api.easy_setopt(handle, CURLOPT_URL, url);
    const CURLcode rc = api.easy_perform(handle);
    api.easy_cleanup(handle);
    return rc;
}

// file:// would read /etc/hostname; ldap:// and rtmp:// would reach the stand-ins.
TEST(CurlDefaults, OnlyHttpAndHttps) {
    const CurlApi& api = CurlApi::get();
    for (bool reset : {false, true}) {
        EXPECT_EQ(perform_url(api, "file:///etc/hostname", reset), CURLE_UNSUPPORTED_PROTOCOL);
        EXPECT_EQ(perform_url(api, "ldap://127.0.0.1:1/", reset), CURLE_UNSUPPORTED_PROTOCOL);
        EXPECT_EQ(perform_url(api, "rtmp://127.0.0.1:1/", reset), CURLE_UNSUPPORTED_PROTOCOL);
        // http is allowed: it gets as far as the connection (nothing listens on port 1).
        EXPECT_EQ(perform_url(api, "http://127.0.0.1:1/", reset), CURLE_COULDNT_CONNECT);
    }
}

}  // namespace
