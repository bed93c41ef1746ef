// SPDX-License-Identifier: Apache-2.0
// sm-train end to end with CA_REPOSITORY_ARN: the install step's pip gets the
// CodeArtifact index, asked of tests/s3/codeartifact_server.py (which checks
// the signatures with botocore), and the token never shows in a log or report.

#include <gtest/gtest.h>

#include "../s3/servers.hpp"
#include "launcher_fixture.hpp"

namespace smtrain::testing {
namespace {

namespace s3test = smtrain::s3::test;

const std::string kSmTrain = SMTRAIN_SM_TRAIN;
const std::string kToken = "eyJ2ZXIiOjEsImlzdSI6MTcwMDAwMDAwMH0.the-token";  // codeartifact_server.py's
const std::string kIndex =
    "https://aws:" + kToken +
    "@my_domain-012345678900.d.codeartifact.us-west-2.amazonaws.com/pypi/my/repo/simple/";

class CodeArtifactRun : public ::testing::Test {
protected:
    /// A python whose `-m pip` records its argv in model/pip-argv (one per line)
    /// and exits `code`; anything else goes to the real python3.
    std::filesystem::path fake_python(int code) {
        return tree.write("bin/python",
                          "#!/bin/sh\n[ \"$1\" = -m ] || exec python3 \"$@\"\n"
                          "for a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"" +
                              (tree.model() / "pip-argv").string() +
                              "\"\necho 'ERROR: No matching distribution' >&2\n"
                              "exit " +
                              std::to_string(code) + "\n",
                          true);
    }

    int run(const std::filesystem::path& python, const std::string& arn) {
        tree.write("code/requirements.txt", "numpy\n");
        tree.write("code/train.py", "open(__import__('os').environ['SM_MODEL_DIR'] + '/ran', 'w')\n");
        last = std::make_unique<Process>(
            std::vector<std::string>{kSmTrain, "train"},
            std::map<std::string, std::string>{{"SAGEMAKER_BASE_DIR", tree.base().string()},
                                               {"SAGEMAKER_PROGRAM", "train.py"},
                                               {"SM_STUDIO_LOCAL_MODE", "true"},
                                               {"SMTRAIN_PYTHON", python.string()},
                                               {"CA_REPOSITORY_ARN", arn},
                                               {"AWS_ACCESS_KEY_ID", "testing"},
                                               {"AWS_SECRET_ACCESS_KEY", "testing"},
                                               {"AWS_EC2_METADATA_DISABLED", "true"},
                                               {"AWS_ENDPOINT_URL_CODEARTIFACT", server.url()}},
            tree.root());
        return last->exit_code(std::chrono::seconds(60));
    }

    s3test::ScriptServer server{"codeartifact_server.py"};
    JobTree tree;
    std::unique_ptr<Process> last;
};

const std::string kArn = "arn:aws:codeartifact:us-west-2:012345678900:repository/my_domain/my/repo";

TEST_F(CodeArtifactRun, PipGetsTheIndexAndTheTokenIsMaskedInTheFailureReport) {
    const auto python = fake_python(1);
    EXPECT_EQ(run(python, kArn), 1);
    EXPECT_EQ(read_file(tree.model() / "pip-argv"),
              "-m\npip\ninstall\n-r\nrequirements.txt\n-i\n" + kIndex + "\n");
    EXPECT_EQ(tree.failure(),
              "InstallRequirementsError:\nExitCode 1\nErrorMessage \"pip install failed: ERROR: No matching "
              "distribution\n"
              "ERROR: No matching distribution\"\n"
              "Command \"" +
                  python.string() +
                  " -m pip install -r requirements.txt -i https://aws:****@my_domain-012345678900.d."
                  "codeartifact.us-west-2.amazonaws.com/pypi/my/repo/simple/\"");
    EXPECT_EQ(last->err().find(kToken), std::string::npos) << last->err();
    EXPECT_EQ(last->out().find(kToken), std::string::npos) << last->out();
    EXPECT_NE(last->err().find(
                  "configuring pip to use codeartifact (domain: my_domain, domain owner: 012345678900, "
                  "repository: my/repo, region: us-west-2)"),
              std::string::npos)
        << last->err();
}

TEST_F(CodeArtifactRun, AJobThatInstallsRunsItsProgramAfterwards) {
    ASSERT_EQ(run(fake_python(0), kArn), 0) << last->err();
    EXPECT_EQ(read_file(tree.model() / "pip-argv"),
              "-m\npip\ninstall\n-r\nrequirements.txt\n-i\n" + kIndex + "\n");
    EXPECT_TRUE(std::filesystem::exists(tree.model() / "ran"));
}

TEST_F(CodeArtifactRun, ABadArnOrARefusalFailsTheJobBeforePipRuns) {
    EXPECT_EQ(run(fake_python(0), "invalid_arn"), 1);
    EXPECT_EQ(tree.failure(), "sm-train: invalid CodeArtifact repository arn invalid_arn");
    EXPECT_FALSE(std::filesystem::exists(tree.model() / "pip-argv"));

    std::filesystem::remove(tree.output() / "failure");  // sm-train keeps a report it finds
    EXPECT_EQ(run(fake_python(0), "arn:aws:codeartifact:us-west-2:012345678900:repository/other_domain/r"),
              1);
    EXPECT_EQ(tree.failure(),
              "sm-train: failed to configure pip to use codeartifact: GetAuthorizationToken: HTTP 404 "
              "ResourceNotFoundException: Domain not found");
    EXPECT_FALSE(std::filesystem::exists(tree.model() / "pip-argv"));
}

}  // namespace
}  // namespace smtrain::testing
