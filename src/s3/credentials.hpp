// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// AWS credentials, found in the order the AWS SDKs use:
///  1. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN);
///  2. the container credentials endpoint: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
///     against http://169.254.170.2, or AWS_CONTAINER_CREDENTIALS_FULL_URI with
///     AWS_CONTAINER_AUTHORIZATION_TOKEN (or ..._TOKEN_FILE) as Authorization;
///  3. EC2 instance metadata, IMDSv2 (token PUT, then role and credentials GETs).
/// Temporary credentials are fetched again before they expire.
///
/// Errors (the S3 layer's convention): smtrain::Error when no source has
/// credentials, naming each source tried; a source that fails is skipped, not
/// an error of its own.

#include <smtrain/environ.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace smtrain::s3 {

struct Credentials {
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token;  ///< empty for long-term keys
    /// When temporary credentials stop working; empty for long-term keys.
    std::optional<std::chrono::system_clock::time_point> expiration;
};

/// `name`'s value in `env`; nullopt when it is unset or empty, as the AWS SDKs
/// read their variables. The S3 layer takes the environment it means as an
/// Environ (libsmtrain's one type for it): the launcher passes the job's,
/// tests their own, and the defaults are the process's (current_environ()).
std::optional<std::string> aws_variable(const Environ& env, std::string_view name);

/// Finds credentials on first use and keeps them fresh. Thread-safe.
class CredentialProvider {
public:
    explicit CredentialProvider(Environ env = current_environ());

    /// Current credentials; fetched again when they expire within
    /// `refresh_margin`. Throws smtrain::Error when no source has any, naming
    /// what was tried.
    Credentials get();

    /// Forgets cached temporary credentials (after S3 said ExpiredToken).
    void invalidate();

    /// Where the last credentials came from: "environment", "container", "imds".
    std::string source();

    /// Temporary credentials are refreshed when they expire within this
    /// (the SDKs use 5 to 15 minutes).
    static constexpr std::chrono::minutes refresh_margin{5};

private:
    std::optional<Credentials> from_environment() const;
    std::optional<Credentials> from_container() const;
    std::optional<Credentials> from_imds() const;
    Credentials fetch();

    Environ env_;
    std::mutex mutex_;
    std::optional<Credentials> cached_;
    std::string source_;
};

/// The region the toolkit would use: AWS_REGION, then SAGEMAKER_REGION, then
/// the `sagemaker_region` hyperparameter passed in, then AWS_DEFAULT_REGION,
/// then "us-east-1".
std::string resolve_region(const Environ& env, const std::string& sagemaker_region_hyperparameter = "");

/// Parses "2024-01-02T03:04:05Z" (also with fractional seconds or "+00:00").
std::optional<std::chrono::system_clock::time_point> parse_iso8601_utc(const std::string& text);

}  // namespace smtrain::s3
