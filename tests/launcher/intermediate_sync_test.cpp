// SPDX-License-Identifier: Apache-2.0
// sm-train end to end with `sagemaker_s3_output`: the real binary runs a real
// program that writes into SM_OUTPUT_INTERMEDIATE_DIR, against moto on
// loopback (the s3_moto CTest fixture); what arrived is read back with boto3,
// never through sm-train's own client.

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <regex>

#include <nlohmann/json.hpp>

#include "../s3/servers.hpp"
#include "launcher_fixture.hpp"

namespace smtrain::testing {
namespace {

using Clock = std::chrono::steady_clock;
namespace s3test = smtrain::s3::test;

const std::string kSmTrain = SMTRAIN_SM_TRAIN;
const std::string kObjects = SMTRAIN_S3_OBJECTS;
const std::string kJob = "job-7";

/// A loopback port that accepts connections (the kernel completes them from
/// the backlog) and never answers: an upload to it hangs until cancelled.
class SilentPort {
public:
    SilentPort() : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(fd_, 64) != 0 ||
            getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
            throw std::runtime_error("cannot listen on loopback");
        }
        port_ = ntohs(addr.sin_port);
    }
    ~SilentPort() { close(fd_); }
    SilentPort(const SilentPort&) = delete;
    SilentPort& operator=(const SilentPort&) = delete;
    std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
    int fd_;
    int port_ = 0;
};

class IntermediateSyncRun : public ::testing::Test {
protected:
    void SetUp() override {
        endpoint = s3test::moto_endpoint();
        bucket = s3test::unique_bucket("wire");
    }

    void create_bucket() { s3test::run_and_capture({"python3", kObjects, "create", endpoint, bucket}); }

    /// Every object under `prefix`, read back with boto3: {rest of the key: bytes}.
    std::map<std::string, std::string> objects(const std::string& prefix) {
        auto dump = nlohmann::json::parse(
            s3test::run_and_capture({"python3", kObjects, "dump", endpoint, bucket, prefix}));
        std::map<std::string, std::string> out;
        for (auto& [key, value] : dump.items()) out[key] = value.get<std::string>();
        return out;
    }

    /// The job: `program` as train.sh, sagemaker_s3_output = s3://<bucket>/<path>.
    void job(const std::string& program, const std::string& s3_path = "runs/exp1") {
        tree.write("code/train.sh", program, true);
        tree.hyperparameters(R"({"sagemaker_s3_output":"s3://)" + bucket + "/" + s3_path + R"("})");
    }

    std::map<std::string, std::string> env(std::map<std::string, std::string> extra = {}) const {
        std::map<std::string, std::string> e = {{"SAGEMAKER_BASE_DIR", tree.base().string()},
                                                {"SAGEMAKER_PROGRAM", "train.sh"},
                                                {"SM_STUDIO_LOCAL_MODE", "true"},
                                                {"TRAINING_JOB_NAME", kJob},
                                                {"S3_ENDPOINT_URL", endpoint},
                                                {"AWS_REGION", "us-east-1"},
                                                {"AWS_ACCESS_KEY_ID", "testing"},
                                                {"AWS_SECRET_ACCESS_KEY", "testing"},
                                                {"AWS_EC2_METADATA_DISABLED", "true"}};
        for (auto& [k, v] : extra) e[k] = v;
        return e;
    }
    std::unique_ptr<Process> start(std::map<std::string, std::string> extra = {}) {
        return std::make_unique<Process>(std::vector<std::string>{kSmTrain, "train"}, env(std::move(extra)),
                                         tree.root());
    }
    int run(std::map<std::string, std::string> extra = {}) {
        last = start(std::move(extra));
        return last->exit_code(std::chrono::seconds(120));
    }
    std::string diagnostics() const { return last ? "sm-train stderr:\n" + last->err() : ""; }

    JobTree tree;
    std::string endpoint;
    std::string bucket;
    std::unique_ptr<Process> last;
};

TEST_F(IntermediateSyncRun, EverythingTheProgramWroteIsUploadedBeforeTheSuccessReport) {
    create_bucket();
    // Plain writes, a new sub-directory, a file saved atomically (written next
    // door, renamed in), a whole directory moved in, and a file rewritten.
    job("#!/bin/sh\n"
        "set -e\n"
        "d=\"$SM_OUTPUT_INTERMEDIATE_DIR\"\n"
        "printf 'loss=0.9\\n' > \"$d/metrics.txt\"\n"
        "mkdir -p \"$d/checkpoints/epoch-2\"\n"
        "printf 'weights of epoch 2' > \"$d/checkpoints/epoch-2/model.bin\"\n"
        "printf 'saved atomically' > \"$SM_OUTPUT_DIR/last.ckpt.partial\"\n"
        "mv \"$SM_OUTPUT_DIR/last.ckpt.partial\" \"$d/last.ckpt\"\n"
        "mkdir -p \"$SM_OUTPUT_DIR/staging/plots\"\n"
        "printf 'a plot' > \"$SM_OUTPUT_DIR/staging/plots/loss.svg\"\n"
        "mv \"$SM_OUTPUT_DIR/staging/plots\" \"$d/plots\"\n"
        "printf 'loss=0.5\\n' > \"$d/metrics.txt\"\n");
    ASSERT_EQ(run(), 0) << diagnostics();

    const std::map<std::string, std::string> expected = {
        {"checkpoints/epoch-2/model.bin", "weights of epoch 2"},
        {"last.ckpt", "saved atomically"},
        {"metrics.txt", "loss=0.5\n"},  // uploaded twice, in order: the last write wins
        {"plots/loss.svg", "a plot"},
    };
    EXPECT_EQ(objects("runs/exp1/job-7/output/intermediate/"), expected);
    EXPECT_TRUE(tree.has_success());
    EXPECT_FALSE(tree.has_failure()) << tree.failure();
    // Every temporary copy was removed after its upload; only directories are left.
    for (const auto& entry :
         fs::recursive_directory_iterator(tree.output() / "intermediate/.tmp.sagemaker_s3_sync")) {
        EXPECT_TRUE(entry.is_directory()) << entry.path();
    }
    // (5 or 6 uploads: a file written while its new directory is first listed may be taken twice.)
    EXPECT_NE(last->err().find(" file(s) uploaded"), std::string::npos) << diagnostics();
    EXPECT_EQ(last->err().find("not uploaded"), std::string::npos) << diagnostics();
    // The end-of-job timeline (docs/launcher.md) counts the same uploads, and the final sync's phase.
    std::smatch uploaded, timeline;
    const std::string err = last->err();
    ASSERT_TRUE(std::regex_search(err, uploaded, std::regex(R"(([0-9]+) file\(s\) uploaded)"))) << err;
    ASSERT_TRUE(std::regex_search(
        err, timeline,
        std::regex(
            R"(S3: downloaded 0\.0 MiB in 0 object\(s\), uploaded [0-9.]+ MiB in ([0-9]+) object\(s\))")))
        << err;
    EXPECT_EQ(uploaded[1], timeline[1]) << err;
    EXPECT_NE(err.find("  final sync "), std::string::npos) << err;
}

TEST_F(IntermediateSyncRun, AFailedUploadMakesTheJobFail) {
    // No bucket: S3 answers 404 NoSuchBucket, which no retry can mend.
    job("#!/bin/sh\nprintf 'loss=0.9\\n' > \"$SM_OUTPUT_INTERMEDIATE_DIR/metrics.txt\"\n", "runs");
    EXPECT_EQ(run(), 1) << diagnostics();
    EXPECT_FALSE(tree.has_success());
    EXPECT_EQ(tree.failure(),
              "sm-train: intermediate output sync: 1 file(s) not uploaded: metrics.txt: s3://" + bucket +
                  "/runs/job-7/output/intermediate/metrics.txt: PUT failed: HTTP 404 " +
                  "NoSuchBucket: The specified bucket does not exist");
    // The copy that could not be sent is kept for a person to find.
    EXPECT_EQ(std::distance(fs::directory_iterator(tree.output() / "intermediate/.tmp.sagemaker_s3_sync"),
                            fs::directory_iterator()),
              1);
}

TEST_F(IntermediateSyncRun, AFailedProgramStillUploadsWhatItWroteAndKeepsItsOwnReport) {
    create_bucket();
    job("#!/bin/sh\n"
        "mkdir \"$SM_OUTPUT_INTERMEDIATE_DIR/ckpt\"\n"
        "printf 'step 100' > \"$SM_OUTPUT_INTERMEDIATE_DIR/ckpt/state\"\n"
        "echo 'CUDA error: out of memory' >&2\n"
        "exit 3\n");
    EXPECT_EQ(run(), 3) << diagnostics();
    EXPECT_EQ(objects("runs/exp1/job-7/output/intermediate/"),
              (std::map<std::string, std::string>{{"ckpt/state", "step 100"}}));
    EXPECT_EQ(tree.failure(),
              "ExecuteUserScriptError:\nExitCode 3\nErrorMessage \"GPU out of memory: CUDA error: out of "
              "memory\"\nCommand "
              "\"./train.sh\"");
    EXPECT_FALSE(tree.has_success());
}

TEST_F(IntermediateSyncRun, TheFinalWaitIsBoundedAndTheReportWrittenAnyway) {
    // The endpoint takes the upload and never answers: only the bound ends the wait.
    SilentPort silent;
    job("#!/bin/sh\nprintf 'loss=0.9\\n' > \"$SM_OUTPUT_INTERMEDIATE_DIR/metrics.txt\"\n", "runs");
    const auto started = Clock::now();
    EXPECT_EQ(run({{"S3_ENDPOINT_URL", silent.endpoint()}, {"SMTRAIN_SYNC_WAIT_S", "1.5"}}), 1)
        << diagnostics();
    const auto took = Clock::now() - started;
    EXPECT_LT(took, std::chrono::seconds(20));  // the client alone would wait 60 s for a stalled answer
    EXPECT_FALSE(tree.has_success());
    EXPECT_EQ(tree.failure(),
              "sm-train: intermediate output sync: 1 file(s) not uploaded: metrics.txt: s3://" + bucket +
                  "/runs/job-7/output/intermediate/metrics.txt: PUT cancelled " +
                  "(the final wait for uploads ran out)");
}

TEST_F(IntermediateSyncRun, AfterSigtermTheReportIsOnDiskWithinTheStopBound) {
    // The program ignores SIGTERM and the endpoint never answers: sm-train kills
    // the program after the grace period, and the final wait ends at the stop bound.
    SilentPort silent;
    job("#!/bin/sh\n"
        "trap '' TERM\n"
        "printf 'loss=0.9\\n' > \"$SM_OUTPUT_INTERMEDIATE_DIR/metrics.txt\"\n"
        "touch \"$SM_OUTPUT_DIR/../running\"\n"
        "while :; do sleep 0.05; done\n",
        "runs");
    last = start({{"S3_ENDPOINT_URL", silent.endpoint()},
                  {"SMTRAIN_GRACE_PERIOD_S", "0.5"},
                  {"SMTRAIN_SYNC_STOP_WAIT_S", "2"}});
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (!fs::exists(tree.base() / "running") && Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(fs::exists(tree.base() / "running")) << diagnostics();
    const auto sigterm = Clock::now();
    kill(last->pid(), SIGTERM);
    EXPECT_EQ(last->exit_code(std::chrono::seconds(60)), 137) << diagnostics();
    const auto took = Clock::now() - sigterm;
    EXPECT_GE(took, std::chrono::milliseconds(1900));  // the upload had until the stop bound
    EXPECT_LT(took, std::chrono::seconds(10));
    EXPECT_EQ(tree.failure().rfind("ExecuteUserScriptError:\nExitCode 137\n", 0), 0u) << tree.failure();
    EXPECT_NE(last->err().find("Not uploaded: metrics.txt: s3://" + bucket +
                               "/runs/job-7/output/intermediate/metrics.txt: PUT cancelled"),
              std::string::npos)
        << diagnostics();
}

TEST_F(IntermediateSyncRun, ASigtermWithThePoolBusyIsReportedWithinTheStopBound) {
    // 4 uploads in flight to an endpoint that never answers, 8 more queued; the
    // program exits on SIGTERM: the final wait ends at the stop bound.
    SilentPort silent;
    job("#!/bin/sh\n"
        "trap 'exit 0' TERM\n"
        "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do printf x > \"$SM_OUTPUT_INTERMEDIATE_DIR/f$i\"; done\n"
        "touch \"$SM_OUTPUT_DIR/../running\"\n"
        "while :; do sleep 0.05; done\n",
        "runs");
    last = start({{"S3_ENDPOINT_URL", silent.endpoint()},
                  {"SMTRAIN_S3_MAX_CONCURRENCY", "4"},
                  {"SMTRAIN_SYNC_STOP_WAIT_S", "2"}});
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (!fs::exists(tree.base() / "running") && Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(fs::exists(tree.base() / "running")) << diagnostics();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the uploads have begun
    const auto sigterm = Clock::now();
    kill(last->pid(), SIGTERM);
    EXPECT_EQ(last->exit_code(std::chrono::seconds(60)), 1) << diagnostics();
    EXPECT_LT(Clock::now() - sigterm, std::chrono::seconds(10));
    EXPECT_EQ(tree.failure().rfind("sm-train: intermediate output sync: 12 file(s) not uploaded: ", 0), 0u)
        << tree.failure();
    EXPECT_NE(tree.failure().find("; and 9 more (see the log)"), std::string::npos) << tree.failure();
    // One "Not uploaded" log line per file: the 4 in flight were cancelled.
    size_t cancelled = 0;
    std::istringstream log(last->err());
    for (std::string line; std::getline(log, line);) {
        cancelled += line.find("Not uploaded: f") != std::string::npos &&
                     line.find(": PUT cancelled (the final wait") != std::string::npos;
    }
    EXPECT_EQ(cancelled, 4u) << diagnostics();
}

TEST_F(IntermediateSyncRun, AProgramThatSavesOnSigtermGetsItsCheckpointUploaded) {
    create_bucket();
    job("#!/bin/sh\n"
        "trap 'printf \"saved on stop\" > \"$SM_OUTPUT_INTERMEDIATE_DIR/final.ckpt\"; exit 0' TERM\n"
        "touch \"$SM_OUTPUT_DIR/../running\"\n"
        "while :; do sleep 0.05; done\n");
    last = start();
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (!fs::exists(tree.base() / "running") && Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(fs::exists(tree.base() / "running")) << diagnostics();
    kill(last->pid(), SIGTERM);
    EXPECT_EQ(last->exit_code(std::chrono::seconds(60)), 0) << diagnostics();
    EXPECT_EQ(objects("runs/exp1/job-7/output/intermediate/"),
              (std::map<std::string, std::string>{{"final.ckpt", "saved on stop"}}));
    EXPECT_TRUE(tree.has_success());
}

TEST_F(IntermediateSyncRun, WhatTheProgramWritesAfterMakingTheDirectoryAgainIsUploaded) {
    // Issue 11 item 5: as shutil.rmtree users do. Before the fix: exit 0,
    // output/success, and only before.ckpt in S3.
    create_bucket();
    job("#!/bin/sh\n"
        "set -e\n"
        "d=\"$SM_OUTPUT_INTERMEDIATE_DIR\"\n"
        "printf 'before' > \"$d/before.ckpt\"\n"
        "sleep 2\n"  // uploaded by then (a loopback PUT takes milliseconds)
        "rm -rf \"$d\"\n"
        "mkdir -p \"$d\"\n"
        "printf 'after 1' > \"$d/after-1.ckpt\"\n"
        "mkdir \"$d/sub\"\n"
        "printf 'after 2' > \"$d/sub/after-2.ckpt\"\n");
    ASSERT_EQ(run(), 0) << diagnostics();
    EXPECT_EQ(objects("runs/exp1/job-7/output/intermediate/"),
              (std::map<std::string, std::string>{
                  {"before.ckpt", "before"}, {"after-1.ckpt", "after 1"}, {"sub/after-2.ckpt", "after 2"}}));
    EXPECT_TRUE(tree.has_success());
}

TEST_F(IntermediateSyncRun, FileNamesOfUpTo255BytesAreUploaded) {
    // Issue 11 item 6: the staging copy's name went over NAME_MAX ("File name too long").
    create_bucket();
    const std::string name = std::string(251, 'n') + ".pt";
    ASSERT_EQ(name.size(), 254u);
    job("#!/bin/sh\nprintf 'weights' > \"$SM_OUTPUT_INTERMEDIATE_DIR/" + name + "\"\n");
    ASSERT_EQ(run(), 0) << diagnostics();
    EXPECT_EQ(objects("runs/exp1/job-7/output/intermediate/"),
              (std::map<std::string, std::string>{{name, "weights"}}));
    EXPECT_TRUE(tree.has_success());
}

TEST_F(IntermediateSyncRun, AnUnusableOutputUrlStopsTheJobBeforeTheProgramRuns) {
    job("#!/bin/sh\ntouch \"$SM_OUTPUT_DIR/../ran\"\n");
    tree.hyperparameters(R"({"sagemaker_s3_output":"ftp://host/path"})");
    EXPECT_EQ(run(), 1) << diagnostics();
    EXPECT_EQ(tree.failure(),
              "sm-train: sagemaker_s3_output: expected an s3:// or file:// URL, got 'ftp://host/path'");
    EXPECT_FALSE(fs::exists(tree.base() / "ran"));
}

TEST_F(IntermediateSyncRun, AFileUrlMeansNoSync) {
    job("#!/bin/sh\nprintf x > \"$SM_OUTPUT_INTERMEDIATE_DIR/x\"\n");
    tree.hyperparameters(R"({"sagemaker_s3_output":"file:///opt/ml/local"})");
    EXPECT_EQ(run(), 0) << diagnostics();
    EXPECT_TRUE(tree.has_success());
    // As the toolkit: the directories are created, nothing is watched.
    EXPECT_TRUE(fs::is_directory(tree.output() / "intermediate/.tmp.sagemaker_s3_sync"));
    EXPECT_EQ(last->err().find("Intermediate output sync"), std::string::npos) << diagnostics();
}

TEST_F(IntermediateSyncRun, TheProgramInheritsNoDescriptorOfTheSyncOrOfTheS3Client) {
    // Code from s3:// leaves a curl connection (and curl's wake-up socketpair,
    // which curl opens without close-on-exec) in sm-train; the sync adds its
    // inotify and eventfd descriptors. The program must see only 0, 1 and 2.
    create_bucket();
    const std::string program =
        "import os\n"
        "open_fds = []\n"
        "for name in os.listdir('/proc/self/fd'):\n"
        "    if int(name) > 2:\n"
        "        try:\n"
        "            open_fds.append(name + ' -> ' + os.readlink('/proc/self/fd/' + name))\n"
        "        except OSError:\n"
        "            pass  # the descriptor listdir itself used, closed by now\n"
        "with open(os.environ['SM_OUTPUT_INTERMEDIATE_DIR'] + '/fds.txt', 'w') as f:\n"
        "    f.write('\\n'.join(open_fds))\n";
    s3test::run_and_capture({"python3", kObjects, "put-tarball", endpoint, bucket, "code/sourcedir.tar.gz",
                             "train.py=" + program});
    fs::remove_all(tree.code());
    tree.hyperparameters(R"({"sagemaker_s3_output":"s3://)" + bucket +
                         R"(/runs","sagemaker_submit_directory":"s3://)" + bucket +
                         R"(/code/sourcedir.tar.gz"})");
    ASSERT_EQ(run({{"SAGEMAKER_PROGRAM", "train.py"}, {"SMTRAIN_PYTHON", "/usr/bin/python3"}}), 0)
        << diagnostics();
    EXPECT_EQ(objects("runs/job-7/output/intermediate/"),
              (std::map<std::string, std::string>{{"fds.txt", ""}}));
}

}  // namespace
}  // namespace smtrain::testing
