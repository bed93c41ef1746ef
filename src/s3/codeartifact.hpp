// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The pip index of an AWS CodeArtifact repository, for the install step: with
/// CA_REPOSITORY_ARN set, the toolkit installs requirements.txt from
/// `https://aws:<token>@<repository endpoint>/simple/` instead of PyPI.
///
/// Errors (the S3 layer's convention): smtrain::Error, one line naming the ARN
/// or the HTTP status of the token request.

#include <optional>
#include <string>
#include <string_view>

#include "s3/credentials.hpp"

namespace smtrain::s3 {

/// arn:<partition>:codeartifact:<region>:<account>:repository/<domain>/<repository>
struct CodeArtifactRepository {
    std::string partition;
    std::string region;
    std::string account;  ///< the domain owner
    std::string domain;
    std::string repository;

    /// As the toolkit matches it: from the start of `arn`; the repository runs to
    /// the end of the first line and may hold '/'. nullopt when it does not match.
    static std::optional<CodeArtifactRepository> parse(std::string_view arn);
};

struct PipIndex {
    std::string url;    ///< the authenticated index URL for pip's -i
    std::string token;  ///< the secret inside it, to be masked wherever the URL is shown
};

/// Asks CodeArtifact (GetAuthorizationToken, GetRepositoryEndpoint, SigV4-signed
/// with the credentials found through `env`) for the repository's pip index.
/// The endpoint is AWS_ENDPOINT_URL_CODEARTIFACT, else AWS_ENDPOINT_URL (as
/// boto3 reads them), else the region's public one. Throws smtrain::Error:
/// "invalid CodeArtifact repository arn <arn>" or "failed to configure pip to
/// use codeartifact: <why>".
PipIndex codeartifact_pip_index(const std::string& arn, const Environ& env = current_environ());

/// The toolkit's index URL from a repository endpoint and a token:
/// `<endpoint ending in repository[/]>` becomes `.../<repository>/simple/`, and
/// every "https://" becomes "https://aws:<token>@".
std::string pip_index_url(const std::string& repository_endpoint, const std::string& repository,
                          const std::string& token);

}  // namespace smtrain::s3
