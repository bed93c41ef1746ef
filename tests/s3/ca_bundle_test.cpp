// SPDX-License-Identifier: Apache-2.0
// Where sm-train finds the CA bundle it verifies HTTPS peers with.
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
    EXPECT_EQ(find_ca_bundle(map_env({}), root.path()),
              (root.path() / "etc/ssl/certs/ca-certificates.crt").string());
}

TEST(CaBundle, AmazonLinuxPath) {
    TempDir root;
    write_file(root.path() / "etc/pki/tls/certs/ca-bundle.crt", kPem);
    EXPECT_EQ(find_ca_bundle(map_env({}), root.path()),
              (root.path() / "etc/pki/tls/certs/ca-bundle.crt").string());
}

TEST(CaBundle, LastFallbackPath) {
    TempDir root;
    write_file(root.path() / "etc/ssl/cert.pem", kPem);
    EXPECT_EQ(find_ca_bundle(map_env({}), root.path()), (root.path() / "etc/ssl/cert.pem").string());
}

TEST(CaBundle, DirectoryIsNoBundle) {
    TempDir root;
    std::filesystem::create_directories(root.path() / "etc/ssl/certs/ca-certificates.crt");
    write_file(root.path() / "etc/ssl/ca-bundle.pem", kPem);
    EXPECT_EQ(find_ca_bundle(map_env({}), root.path()), (root.path() / "etc/ssl/ca-bundle.pem").string());
}

TEST(CaBundle, VariablesComeBeforeThePaths) {
    TempDir root;
    write_file(root.path() / "etc/ssl/certs/ca-certificates.crt", kPem);
    const std::string aws = (root.path() / "aws.pem").string(), ssl = (root.path() / "ssl.pem").string();
    write_file(aws, kPem);
    write_file(ssl, kPem);
    EXPECT_EQ(find_ca_bundle(map_env({{"AWS_CA_BUNDLE", aws}, {"SSL_CERT_FILE", ssl}}), root.path()), aws);
    EXPECT_EQ(find_ca_bundle(map_env({{"SSL_CERT_FILE", ssl}}), root.path()), ssl);
    EXPECT_EQ(find_ca_bundle(map_env({{"AWS_CA_BUNDLE", ""}, {"SSL_CERT_FILE", ssl}}), root.path()), ssl);
}

TEST(CaBundle, VariableNamingAMissingFileIsOneLine) {
    TempDir root;
    write_file(root.path() / "etc/ssl/certs/ca-certificates.crt", kPem);
    EXPECT_EQ(error_of([&] {
                  find_ca_bundle(map_env({{"AWS_CA_BUNDLE", "/nonexistent/ca.pem"}}), root.path());
              }),
              "AWS_CA_BUNDLE=/nonexistent/ca.pem: no such file");
}

TEST(CaBundle, NoneIsOneLine) {
    TempDir root;
    EXPECT_EQ(error_of([&] { find_ca_bundle(map_env({}), root.path()); }),
              "no CA certificate bundle for HTTPS: set AWS_CA_BUNDLE or install ca-certificates in the image "
              "(looked in /etc/ssl/certs/ca-certificates.crt, /etc/pki/tls/certs/ca-bundle.crt and 4 more)");
}

// On this (Debian) build machine the process-wide instance uses Debian's bundle.
TEST(CaBundle, CurlUsesTheBundleFound) {
    CurlApi::get();
    EXPECT_EQ(CurlApi::ca_bundle(), find_ca_bundle(process_env()));
    EXPECT_FALSE(CurlApi::ca_bundle().empty());
}

}  // namespace
