// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The CA certificates that TLS peers (S3, STS, CodeArtifact) are verified with.
///
/// sm-train carries its own libcurl and OpenSSL, so it cannot rely on a path
/// compiled into a distribution's libcurl: it looks where each family of
/// images keeps its bundle, in the order botocore and OpenSSL users expect.
///
/// Errors (the S3 layer's convention: every failure is one smtrain::Error line
/// naming what failed; nothing returns an error code): find_ca_bundle throws
/// when a variable names a file that is not there; no bundle at all is not an
/// error (the empty result).

#include <array>
#include <filesystem>
#include <string>

#include "s3/credentials.hpp"

namespace smtrain::s3 {

/// The places images keep a PEM bundle, tried in this order after the variables.
inline constexpr std::array<const char*, 6> kCaBundlePaths = {
    "/etc/ssl/certs/ca-certificates.crt",                 // Debian, Ubuntu, Alpine
    "/etc/pki/tls/certs/ca-bundle.crt",                   // Amazon Linux, RHEL, Fedora
    "/etc/ssl/ca-bundle.pem",                             // openSUSE
    "/etc/pki/tls/cacert.pem",                            // OpenELEC
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  // RHEL 7 and later
    "/etc/ssl/cert.pem",                                  // Alpine, macOS-like layouts
};

/// The bundle to verify peers with: $AWS_CA_BUNDLE, else $SSL_CERT_FILE (each
/// only when set and non-empty), else the first of kCaBundlePaths that is a
/// regular file. `root` prefixes the fixed paths (tests use a temp tree).
///
/// Throws smtrain::Error, one line, when a variable names a file that does not
/// exist ("AWS_CA_BUNDLE=/x: no such file"; a variable set on purpose is never
/// skipped silently) or when no bundle is found at all (the line names the
/// variables and the package to install). Nothing is retried.
std::string find_ca_bundle(const Environ& env, const std::filesystem::path& root = "/");

}  // namespace smtrain::s3
