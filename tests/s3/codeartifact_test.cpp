// SPDX-License-Identifier: Apache-2.0
// CodeArtifact's pip index (CA_REPOSITORY_ARN): the ARN and URL rules as the
// toolkit applies them, and the two signed calls against codeartifact_server.py,
// which checks each signature with botocore.

#include "s3/codeartifact.hpp"

#include <gtest/gtest.h>

#include <smtrain/error.hpp>
#include "servers.hpp"

namespace {

using namespace smtrain::s3;
using namespace smtrain::s3::test;

const std::string kArn = "arn:aws:codeartifact:us-west-2:012345678900:repository/my_domain/my/repo";
const std::string kToken = "eyJ2ZXIiOjEsImlzdSI6MTcwMDAwMDAwMH0.the-token";  // codeartifact_server.py's

TEST(CodeArtifactArn, FieldsAsTheToolkitMatchesThem) {
    auto repo = CodeArtifactRepository::parse(
        "arn:aws:codeartifact:my-region:012345678900:repository/my_domain/my_repo");
    ASSERT_TRUE(repo);
    EXPECT_EQ(repo->partition, "aws");
    EXPECT_EQ(repo->region, "my-region");
    EXPECT_EQ(repo->account, "012345678900");
    EXPECT_EQ(repo->domain, "my_domain");
    EXPECT_EQ(repo->repository, "my_repo");

    // The repository runs to the end of the line, slashes and all; the rest is ignored.
    repo = CodeArtifactRepository::parse("arn:aws-cn:codeartifact:cn-north-1:1:repository/d/a/b\nnext line");
    ASSERT_TRUE(repo);
    EXPECT_EQ(repo->partition, "aws-cn");
    EXPECT_EQ(repo->domain, "d");
    EXPECT_EQ(repo->repository, "a/b");
}

TEST(CodeArtifactArn, WhatDoesNotMatch) {
    for (const char* arn :
         {"invalid_arn", "", "arn:aws:codeartifact:r:1:repository/d/",
          "arn:aws:codeartifact:r:1:repository/d", "arn:aws:codeartifact:r:1:repository//repo",
          "arn::codeartifact:r:1:repository/d/r", "arn:aws:s3:r:1:repository/d/r",
          "arn:aws:codeartifact::1:repository/d/r", "arn:aws:codeartifact:r:1:package/d/r",
          "arn:aws:codeartifact:r:1:repository/d/\nr", " arn:aws:codeartifact:r:1:repository/d/r"}) {
        EXPECT_FALSE(CodeArtifactRepository::parse(arn)) << arn;
    }
    EXPECT_EQ(error_of([] { codeartifact_pip_index("invalid_arn", smtrain::Environ{}); }),
              "invalid CodeArtifact repository arn invalid_arn");
}

TEST(CodeArtifactIndex, UrlAsTheToolkitBuildsIt) {
    // The toolkit's own unit test case.
    const std::string expected =
        "https://aws:the-auth-token@domain-012345678900.d.codeartifact.my-region.amazonaws.com/pypi/my_repo/"
        "simple/";
    EXPECT_EQ(
        pip_index_url("https://domain-012345678900.d.codeartifact.my-region.amazonaws.com/pypi/my_repo/",
                      "my_repo", "the-auth-token"),
        expected);
    EXPECT_EQ(pip_index_url("https://domain-012345678900.d.codeartifact.my-region.amazonaws.com/pypi/my_repo",
                            "my_repo", "the-auth-token"),
              expected);
    // An endpoint that does not end with the repository keeps its path.
    EXPECT_EQ(pip_index_url("https://h/pypi/other/", "my_repo", "t"), "https://aws:t@h/pypi/other/");
}

/// The variables boto3 would see in a job: static keys and the endpoint override.
smtrain::Environ job_env(const ScriptServer& server, const std::string& secret = "testing") {
    return smtrain::Environ({{"AWS_ACCESS_KEY_ID", "testing"},
                             {"AWS_SECRET_ACCESS_KEY", secret},
                             {"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9"},
                             {"AWS_ENDPOINT_URL_CODEARTIFACT", server.url()}});
}

TEST(CodeArtifactIndex, SignedCallsGiveTheAuthenticatedIndex) {
    ScriptServer server("codeartifact_server.py");
    const PipIndex index = codeartifact_pip_index(kArn, job_env(server));
    EXPECT_EQ(index.url,
              "https://aws:" + kToken +
                  "@my_domain-012345678900.d.codeartifact.us-west-2.amazonaws.com/pypi/my/repo/simple/");
    EXPECT_EQ(index.token, kToken);
    EXPECT_EQ(
        server.file(".log"),
        "POST /v1/authorization-token?domain=my_domain&domain-owner=012345678900 signed\n"
        "GET "
        "/v1/repository/endpoint?domain=my_domain&domain-owner=012345678900&format=pypi&repository=my%2Frepo "
        "signed\n");
}

TEST(CodeArtifactIndex, AwsEndpointUrlIsTheFallbackOverride) {
    ScriptServer server("codeartifact_server.py");
    const PipIndex index =
        codeartifact_pip_index(kArn, smtrain::Environ({{"AWS_ACCESS_KEY_ID", "testing"},
                                                       {"AWS_SECRET_ACCESS_KEY", "testing"},
                                                       {"AWS_ENDPOINT_URL", server.url("/")}}));
    EXPECT_EQ(index.token, kToken);
}

TEST(CodeArtifactIndex, ErrorsSayWhatCodeArtifactSaid) {
    ScriptServer server("codeartifact_server.py");
    EXPECT_EQ(
        error_of([&] { codeartifact_pip_index(kArn, job_env(server, "wrong")); }),
        "failed to configure pip to use codeartifact: GetAuthorizationToken: HTTP 403 "
        "InvalidSignatureException: The request signature we calculated does not match the signature you "
        "provided.");
    EXPECT_EQ(error_of([&] {
                  codeartifact_pip_index(
                      "arn:aws:codeartifact:us-west-2:012345678900:repository/my_domain/nope",
                      job_env(server));
              }),
              "failed to configure pip to use codeartifact: GetRepositoryEndpoint: HTTP 404 "
              "ResourceNotFoundException: Repository not found");
    EXPECT_EQ(error_of([&] {
                  codeartifact_pip_index(
                      kArn, smtrain::Environ({{"AWS_ACCESS_KEY_ID", "testing"},
                                              {"AWS_SECRET_ACCESS_KEY", "testing"},
                                              {"AWS_ENDPOINT_URL_CODEARTIFACT", "http://127.0.0.1:9"}}));
              }).rfind("failed to configure pip to use codeartifact: GetAuthorizationToken: ", 0),
              0u);
}

}  // namespace
