// SPDX-License-Identifier: Apache-2.0
// StopRequest and StopListener (stop.hpp): a stop signal sent to the process is
// taken by the listener into the request, once; while the listener is paused
// it stays pending for the supervisor; other signals are never taken.
#include "process/signals.hpp"
#include "process/stop.hpp"

#include <gtest/gtest.h>

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace smtrain::process {
namespace {

using Clock = std::chrono::steady_clock;

bool pending(int signo) {
    sigset_t set;
    sigpending(&set);
    return sigismember(&set, signo) == 1;
}

/// Takes `signo` if it is pending, so it reaches no later test.
void take_pending(int signo) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signo);
    const timespec now{0, 0};
    while (sigtimedwait(&set, nullptr, &now) == signo) {
    }
}

/// Whether `condition` holds within 5 s.
template <class Condition>
bool within_5s(Condition condition) {
    const auto until = Clock::now() + std::chrono::seconds(5);
    while (!condition()) {
        if (Clock::now() > until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

TEST(StopListener, TakesAStopSignalIntoTheRequestWithItsPhase) {
    SignalBlock signals;
    StopRequest stop;
    StopListener listener(signals, stop);
    stop.enter("the code download");
    const auto sent = Clock::now();
    ASSERT_EQ(kill(getpid(), SIGTERM), 0);
    ASSERT_TRUE(within_5s([&] { return stop.requested(); }));
    EXPECT_EQ(stop.signal(), SIGTERM);
    EXPECT_EQ(stop.stopped_in(), "the code download");
    EXPECT_EQ(stop.reason(), "stopped by SIGTERM during the code download");
    ASSERT_TRUE(stop.at().has_value());
    EXPECT_GE(*stop.at(), sent);
    EXPECT_FALSE(pending(SIGTERM)) << "taken, not left for anyone else";
}

TEST(StopListener, OnlyTheFirstStopCounts) {
    SignalBlock signals;
    StopRequest stop;
    StopListener listener(signals, stop);
    ASSERT_EQ(kill(getpid(), SIGINT), 0);
    ASSERT_TRUE(within_5s([&] { return stop.requested(); }));
    stop.enter("the final sync");
    ASSERT_EQ(kill(getpid(), SIGTERM), 0);
    EXPECT_TRUE(within_5s([] { return !pending(SIGTERM); })) << "the second one is taken too";
    EXPECT_EQ(stop.signal(), SIGINT);
    EXPECT_EQ(stop.reason(), "stopped by SIGINT");
}

TEST(StopListener, WhilePausedAStopStaysPendingAndIsTakenOnResume) {
    SignalBlock signals;
    StopRequest stop;
    StopListener listener(signals, stop);
    listener.pause();
    ASSERT_EQ(kill(getpid(), SIGHUP), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_FALSE(stop.requested()) << "the listener read a signal while paused";
    EXPECT_TRUE(pending(SIGHUP)) << "the supervisor's signalfd would not see it";
    listener.resume();
    EXPECT_TRUE(within_5s([&] { return stop.requested(); }));
    EXPECT_EQ(stop.signal(), SIGHUP);
    take_pending(SIGHUP);
}

TEST(StopListener, AStopSentJustBeforeAPauseIsEitherTakenOrLeftPendingNeverLost) {
    // pause() does not wait for the thread to acknowledge: it relies on the
    // thread reading the signalfd only under the mutex and only while listening
    // is wanted. Whatever the thread was doing when the pause came, the stop is
    // in the request or pending for the supervisor, exactly one of the two, and
    // the paused listener takes nothing more.
    SignalBlock signals;
    for (int round = 0; round < 300; ++round) {
        StopRequest stop;
        StopListener listener(signals, stop);
        if (round % 3 == 1) std::this_thread::yield();
        if (round % 3 == 2) std::this_thread::sleep_for(std::chrono::microseconds(round % 200));
        ASSERT_EQ(kill(getpid(), SIGTERM), 0);
        listener.pause();
        const bool taken = stop.requested();
        ASSERT_NE(taken, pending(SIGTERM))
            << "round " << round << (taken ? ": taken and still pending" : ": lost");
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        ASSERT_EQ(stop.requested(), taken) << "round " << round << ": the paused listener took the stop";
        take_pending(SIGTERM);
    }
}

TEST(StopListener, PausedForAScopeOnly) {
    SignalBlock signals;
    StopRequest stop;
    StopListener listener(signals, stop);
    {
        StopListener::Paused paused(&listener);
        ASSERT_EQ(kill(getpid(), SIGQUIT), 0);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        EXPECT_FALSE(stop.requested());
    }
    EXPECT_TRUE(within_5s([&] { return stop.requested(); }));
    EXPECT_EQ(stop.signal(), SIGQUIT);
    take_pending(SIGQUIT);
}

TEST(StopListener, LeavesOtherSignalsPending) {
    SignalBlock signals;
    StopRequest stop;
    StopListener listener(signals, stop);
    ASSERT_EQ(kill(getpid(), SIGUSR1), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_FALSE(stop.requested());
    EXPECT_TRUE(pending(SIGUSR1)) << "a signal for the program was taken by the listener";
    take_pending(SIGUSR1);
}

// Start::OnFirstWait, as sm-train makes its listener: no thread until the
// request is first waited on; meanwhile the request takes a pending stop itself.

TEST(StopListener, OnFirstWaitHasNoThreadUntilAWaitAndTakesAStopBetweenSteps) {
    SignalBlock signals;
    StopRequest stop;
    StopListener listener(signals, stop, StopListener::Start::OnFirstWait);
    stop.enter("the load");
    EXPECT_FALSE(stop.requested());
    ASSERT_EQ(kill(getpid(), SIGTERM), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_TRUE(pending(SIGTERM)) << "taken with no thread and no question";
    stop.enter("the install");  // the next step: the stop is taken in the one it arrived in
    EXPECT_FALSE(pending(SIGTERM));
    EXPECT_TRUE(stop.requested());
    EXPECT_EQ(stop.reason(), "stopped by SIGTERM during the load");
    EXPECT_FALSE(listener.started()) << "asking about a stop is no wait";
}

TEST(StopListener, OnFirstWaitRequestedTakesAPendingStop) {
    SignalBlock signals;
    StopRequest stop;
    StopListener listener(signals, stop, StopListener::Start::OnFirstWait);
    ASSERT_EQ(kill(getpid(), SIGINT), 0);
    const auto sent = Clock::now();
    EXPECT_TRUE(stop.requested());
    EXPECT_EQ(stop.signal(), SIGINT);
    ASSERT_TRUE(stop.at().has_value());
    EXPECT_GE(*stop.at(), sent);
    EXPECT_FALSE(pending(SIGINT));
    EXPECT_FALSE(listener.started());
}

TEST(StopListener, OnFirstWaitAWaitStartsTheThreadWhichTakesTheStopAtOnce) {
    SignalBlock signals;
    StopRequest stop;
    StopListener listener(signals, stop, StopListener::Start::OnFirstWait);
    pollfd p{stop.fd(), POLLIN, 0};
    EXPECT_TRUE(listener.started());
    EXPECT_EQ(poll(&p, 1, 0), 0);
    ASSERT_EQ(kill(getpid(), SIGQUIT), 0);
    // Nobody asks requested(): only the thread can take it.
    EXPECT_EQ(poll(&p, 1, 5000), 1) << "the thread did not take the stop";
    EXPECT_EQ(stop.signal(), SIGQUIT);
    EXPECT_FALSE(pending(SIGQUIT));
}

TEST(StopListener, OnFirstWaitEachWaitStartsTheThread) {
    SignalBlock signals;
    {
        StopRequest stop;
        StopListener listener(signals, stop, StopListener::Start::OnFirstWait);
        (void)stop.flag();
        EXPECT_TRUE(listener.started()) << "flag()";
    }
    {
        StopRequest stop;
        StopListener listener(signals, stop, StopListener::Start::OnFirstWait);
        EXPECT_TRUE(stop.sleep_for(std::chrono::milliseconds(1)));
        EXPECT_TRUE(listener.started()) << "sleep_for()";
    }
    {
        StopRequest stop;
        StopListener listener(signals, stop, StopListener::Start::OnFirstWait);
        stop.before_wait();
        EXPECT_TRUE(listener.started()) << "before_wait()";
    }
}

TEST(StopListener, OnFirstWaitWhilePausedRequestedTakesNothing) {
    SignalBlock signals;
    StopRequest stop;
    StopListener listener(signals, stop, StopListener::Start::OnFirstWait);
    {
        StopListener::Paused paused(&listener);
        ASSERT_EQ(kill(getpid(), SIGHUP), 0);
        EXPECT_FALSE(stop.requested()) << "taken while the supervisor owns the signals";
        EXPECT_TRUE(pending(SIGHUP));
    }
    EXPECT_TRUE(stop.requested());
    EXPECT_EQ(stop.signal(), SIGHUP);
    EXPECT_FALSE(listener.started());
}

TEST(StopListener, OnFirstWaitLeavesOtherSignalsPending) {
    SignalBlock signals;
    StopRequest stop;
    StopListener listener(signals, stop, StopListener::Start::OnFirstWait);
    ASSERT_EQ(kill(getpid(), SIGUSR1), 0);
    EXPECT_FALSE(stop.requested());
    EXPECT_TRUE(pending(SIGUSR1));
    take_pending(SIGUSR1);
}

TEST(StopRequest, ASleepEndsAtTheStop) {
    StopRequest stop;
    std::thread stopper([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        stop.request(SIGTERM);
    });
    const auto start = Clock::now();
    EXPECT_FALSE(stop.sleep_for(std::chrono::seconds(60)));
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(30));
    stopper.join();
    EXPECT_FALSE(stop.sleep_for(std::chrono::seconds(60))) << "a stop already requested ends it at once";
}

TEST(StopRequest, ASleepWithoutAStopLastsItsTime) {
    StopRequest stop;
    const auto start = Clock::now();
    EXPECT_TRUE(stop.sleep_for(std::chrono::milliseconds(100)));
    EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(100));
}

TEST(StopRequest, ItsDescriptorBecomesReadableAtTheStop) {
    StopRequest stop;
    pollfd p{stop.fd(), POLLIN, 0};
    EXPECT_EQ(poll(&p, 1, 0), 0);
    stop.request(SIGTERM);
    EXPECT_EQ(poll(&p, 1, 1000), 1);
}

}  // namespace
}  // namespace smtrain::process
