// SPDX-License-Identifier: Apache-2.0
// The failure exchange between the hosts of a job (issue 21): what each host
// announces, which failure is the job's first, and the hang notices a host
// whose watchdog fired sends to the others, over real loopback sockets. The
// two-host run is tests/runners/torchrun_hang_two_hosts.sh.
#include "launcher/lifecycle/failure_exchange.hpp"

#include "process/system.hpp"
#include "runners/host_announcement.hpp"

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

using namespace smtrain::launcher;
namespace runners = smtrain::runners;

namespace {

HeardCause heard(const std::string& host, const std::string& cause, runners::CauseKind kind,
                 bool earlier = false) {
    HeardCause h;
    h.host = host;
    h.cause = cause;
    h.kind = kind;
    h.earlier = earlier;
    return h;
}

/// A TCP port nothing listens on now: the kernel's pick for port 0.
int free_port() {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
        return -1;
    close(fd);
    return ntohs(address.sin_port);
}

const char* kHang = "Hang: no progress for 20 s (SMTRAIN_HANG_PROGRESS_S) on algo-2; no line of output";
const char* kValueError = "rank 1 (local rank 0) on algo-2 exited with code 1: ValueError: bad shard 17";
const char* kClosed = "Collective failure (NCCL/Gloo): rank 0 (local rank 0) on algo-1 exited with code 1";

}  // namespace

TEST(FailureExchange, AnnouncementsCarryTheirKind) {
    EXPECT_EQ(runners::announcement(runners::CauseKind::Failure, "x"), "0 x");
    EXPECT_EQ(runners::announcement(runners::CauseKind::Consequence, "x"), "1 x");
    EXPECT_EQ(runners::announcement(runners::CauseKind::Hang, kHang), std::string("2 ") + kHang);
    HeardCause h;
    ASSERT_TRUE(parse_announcement(std::string("2 ") + kHang, h));
    EXPECT_EQ(h.kind, runners::CauseKind::Hang);
    EXPECT_EQ(h.cause, kHang);
    EXPECT_FALSE(parse_announcement("3 x", h));
    EXPECT_FALSE(parse_announcement("2x", h));
    EXPECT_FALSE(parse_announcement("", h));
}

TEST(FailureExchange, ACollectiveFailureIsAConsequence) {
    RootCause cause;
    cause.failure_class = FailureClass::CollectiveFailure;
    EXPECT_EQ(kind_of(cause), runners::CauseKind::Consequence);
    cause.failure_class = FailureClass::Unknown;
    EXPECT_EQ(kind_of(cause), runners::CauseKind::Failure);
}

TEST(FailureExchange, AFailureComesBeforeAHangWhichComesBeforeAConsequence) {
    const std::vector<HeardCause> both{heard("algo-3", kHang, runners::CauseKind::Hang, true),
                                       heard("algo-2", kValueError, runners::CauseKind::Failure)};
    // A host's own failure is its own first.
    EXPECT_EQ(first_failure_elsewhere(runners::CauseKind::Failure, both), "");
    // A consequence (or a hang) puts another host's failure first.
    EXPECT_EQ(first_failure_elsewhere(runners::CauseKind::Consequence, both), kValueError);
    EXPECT_EQ(first_failure_elsewhere(runners::CauseKind::Hang, both), kValueError);
    // A consequence with only a hang heard: the hang.
    EXPECT_EQ(first_failure_elsewhere(runners::CauseKind::Consequence,
                                      {heard("algo-2", kHang, runners::CauseKind::Hang)}),
              kHang);
    // A consequence hears nothing better than another consequence.
    EXPECT_EQ(first_failure_elsewhere(runners::CauseKind::Consequence,
                                      {heard("algo-2", kClosed, runners::CauseKind::Consequence)}),
              "");
}

TEST(FailureExchange, AHangGoesBeforeThisHostsOwnHangOnlyWhenHeardWhileItsProgramRan) {
    EXPECT_EQ(first_failure_elsewhere(runners::CauseKind::Hang,
                                      {heard("algo-2", kHang, runners::CauseKind::Hang, true)}),
              kHang);
    // Heard in the exchange after this host's own hang: both hung; each keeps its own.
    EXPECT_EQ(first_failure_elsewhere(runners::CauseKind::Hang,
                                      {heard("algo-2", kHang, runners::CauseKind::Hang, false)}),
              "");
}

// The plain process runner's hosts say when their program ended: "0@<ms> cause".
TEST(FailureExchange, AnnouncementsMayCarryWhenTheProgramEnded) {
    EXPECT_EQ(runners::announcement(runners::CauseKind::Failure, "x", 1733580000123), "0@1733580000123 x");
    HeardCause h;
    ASSERT_TRUE(parse_announcement("0@1733580000123 the program on algo-2 exited with code 1", h));
    EXPECT_EQ(h.kind, runners::CauseKind::Failure);
    EXPECT_EQ(h.cause, "the program on algo-2 exited with code 1");
    ASSERT_TRUE(h.ended_at_ms.has_value());
    EXPECT_EQ(*h.ended_at_ms, 1733580000123);
    ASSERT_TRUE(parse_announcement("1 x", h));
    EXPECT_FALSE(h.ended_at_ms.has_value());
    EXPECT_FALSE(parse_announcement("0@ x", h));
    EXPECT_FALSE(parse_announcement("0@12a x", h));
    EXPECT_FALSE(parse_announcement("0@123", h));
    EXPECT_FALSE(parse_announcement("0@123 ", h));
    EXPECT_FALSE(parse_announcement("0@123456789012345678901 x", h));
}

// Two plain programs' own failures: the one that ended first is the job's.
TEST(FailureExchange, AnOwnFailureGoesAfterAnotherThatEndedEarlier) {
    auto timed = [](const std::string& host, const std::string& cause, std::int64_t at) {
        HeardCause h = heard(host, cause, runners::CauseKind::Failure);
        h.ended_at_ms = at;
        return h;
    };
    const char* algo2 = "the program on algo-2 exited with code 1: ValueError: shard 17";
    const char* algo3 = "the program on algo-3 exited with code 1: KeyError: 'x'";
    const std::vector<HeardCause> both{timed("algo-2", algo2, 1000), timed("algo-3", algo3, 900)};
    // algo-3's ended first (900), before this host's (1500).
    EXPECT_EQ(first_failure_elsewhere(runners::CauseKind::Failure, both, 1500), algo3);
    // Only algo-3's before this host's (950).
    EXPECT_EQ(first_failure_elsewhere(runners::CauseKind::Failure, both, 950), algo3);
    // This host's ended first: its own.
    EXPECT_EQ(first_failure_elsewhere(runners::CauseKind::Failure, both, 800), "");
    // At the same millisecond: its own.
    EXPECT_EQ(first_failure_elsewhere(runners::CauseKind::Failure, both, 900), "");
    // No time of its own (torchrun's hosts): its own failure stays first.
    EXPECT_EQ(first_failure_elsewhere(runners::CauseKind::Failure, both), "");
    // A failure that said no time is not ordered before an own failure.
    EXPECT_EQ(first_failure_elsewhere(runners::CauseKind::Failure,
                                      {heard("algo-2", algo2, runners::CauseKind::Failure)}, 1500),
              "");
    // A consequence takes the failure that ended first, not the first heard.
    EXPECT_EQ(first_failure_elsewhere(runners::CauseKind::Consequence, both, 1500), algo3);
}

TEST(FailureExchange, HangNoticesNameTheirHost) {
    EXPECT_EQ(hang_notice("algo-2", kHang), std::string("algo-2 2 ") + kHang);
    HeardCause h;
    ASSERT_TRUE(parse_hang_notice(std::string("algo-2 2 ") + kHang, h));
    EXPECT_EQ(h.host, "algo-2");
    EXPECT_EQ(h.cause, kHang);
    EXPECT_EQ(h.kind, runners::CauseKind::Hang);
    EXPECT_TRUE(h.earlier);
    EXPECT_FALSE(parse_hang_notice(std::string("algo-2 0 ") + kValueError, h));  // not a hang
    EXPECT_FALSE(parse_hang_notice("", h));
    EXPECT_FALSE(parse_hang_notice(" 2 x", h));
}

// A real listener on loopback: a notice sent is heard, with its host; the
// listener ends at once when destroyed.
TEST(FailureExchange, AHangNoticeSentIsHeardOverLoopback) {
    const int port = free_port();
    ASSERT_GT(port, 0);
    const auto system = smtrain::process::make_posix_system(nullptr);
    auto notices = std::make_unique<HangNotices>(*system, port);
    // The listener is a thread: send until it took one (at most 5 s).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    bool sent = false;
    while (!sent && std::chrono::steady_clock::now() < deadline) {
        sent = system->send_notice("127.0.0.1", port, hang_notice("algo-2", kHang), std::chrono::seconds(1));
        if (!sent) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_TRUE(sent);
    std::vector<HeardCause> got;
    while (got.empty() && std::chrono::steady_clock::now() < deadline) {
        got = notices->heard();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].host, "algo-2");
    EXPECT_EQ(got[0].cause, kHang);
    EXPECT_TRUE(got[0].earlier);
    // Not a notice: ignored.
    ASSERT_TRUE(system->send_notice("127.0.0.1", port, "junk", std::chrono::seconds(1)));
    const auto before = std::chrono::steady_clock::now();
    notices.reset();
    EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(900));
}

TEST(FailureExchange, TellOfHangReachesAListeningPeerByName) {
    const int port = free_port();
    ASSERT_GT(port, 0);
    const auto system = smtrain::process::make_posix_system(nullptr);
    HangNotices notices(*system, port);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the listener binds
    tell_of_hang(*system, {"localhost"}, port, "algo-2", kHang);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    std::vector<HeardCause> got;
    while (got.empty() && std::chrono::steady_clock::now() < deadline) {
        got = notices.heard();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].cause, kHang);
}

// An MPI master whose watchdog fired asks its workers for their ranks' stacks
// (mpirun cannot reach them without ending the job); each answers with how
// many it asked (mpi_local_two_hosts.sh hang shows the stacks of all 4 ranks).
TEST(FailureExchange, StacksRequestsAndAnswersHaveTheirOwnWords) {
    EXPECT_EQ(runners::stacks_request("algo-1"), "stacks? algo-1");
    EXPECT_EQ(runners::parse_stacks_request("stacks? algo-1"), "algo-1");
    EXPECT_FALSE(runners::parse_stacks_request("stacks? "));
    EXPECT_FALSE(runners::parse_stacks_request("stacks? algo 1"));
    EXPECT_FALSE(runners::parse_stacks_request("stacks algo-2 2"));
    EXPECT_EQ(runners::stacks_written("algo-2", 2), "stacks algo-2 2");
    const auto written = runners::parse_stacks_written("stacks algo-2 2");
    ASSERT_TRUE(written);
    EXPECT_EQ(written->host, "algo-2");
    EXPECT_EQ(written->ranks, 2u);
    EXPECT_FALSE(runners::parse_stacks_written("stacks algo-2"));
    EXPECT_FALSE(runners::parse_stacks_written("stacks algo-2 two"));
    EXPECT_FALSE(runners::parse_stacks_written("stacks  2"));
    EXPECT_FALSE(runners::parse_stacks_written("stacks? algo-1"));
    // None of them is a hang notice, nor a hang notice one of them.
    HeardCause h;
    EXPECT_FALSE(parse_hang_notice("stacks? algo-1", h));
    EXPECT_FALSE(parse_hang_notice("stacks algo-2 2", h));
    EXPECT_FALSE(runners::parse_stacks_request(hang_notice("algo-2", kHang)));
    EXPECT_FALSE(runners::parse_stacks_written(hang_notice("algo-2", kHang)));
    EXPECT_TRUE(all_stacks_written({}, {}));
    EXPECT_TRUE(all_stacks_written({"algo-2"}, {{"algo-3", 1}, {"algo-2", 0}}));
    EXPECT_FALSE(all_stacks_written({"algo-2", "algo-3"}, {{"algo-2", 2}}));
}

// Over loopback, one listener plays both hosts: the request reaches the
// worker's listener, which asks its ranks once (a second request, as the
// master's later hang notice, finds them gone) and sends its answer back to
// the asking host's same port, where the master's listener records it.
TEST(FailureExchange, AStacksRequestIsAnsweredOnceOnTheAskingHostsPort) {
    const int port = free_port();
    ASSERT_GT(port, 0);
    const auto system = smtrain::process::make_posix_system(nullptr);
    std::atomic<int> asked{0};
    HangNotices notices(*system, port, StacksAnswer{"algo-2", [&asked] {
                                                        ++asked;
                                                        return std::size_t{2};
                                                    }});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    std::vector<std::string> took;
    while (took.empty() && std::chrono::steady_clock::now() < deadline) {
        took = ask_for_stacks(*system, {"127.0.0.1"}, port, "127.0.0.1", std::chrono::seconds(1));
        if (took.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the listener binds
    }
    ASSERT_EQ(took, std::vector<std::string>{"127.0.0.1"});
    while (!all_stacks_written({"algo-2"}, notices.stacks_written()) &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const auto written = notices.stacks_written();
    ASSERT_EQ(written.size(), 1u);
    EXPECT_EQ(written[0].host, "algo-2");
    EXPECT_EQ(written[0].ranks, 2u);
    EXPECT_EQ(ask_for_stacks(*system, {"127.0.0.1"}, port, "127.0.0.1", std::chrono::seconds(1)).size(), 1u);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(asked.load(), 1);
    EXPECT_TRUE(notices.heard().empty());  // neither is a hang notice
    // A host that does not listen does not take the request: the master does not wait for it.
    EXPECT_TRUE(
        ask_for_stacks(*system, {"127.0.0.1"}, free_port(), "127.0.0.1", std::chrono::seconds(1)).empty());
}
