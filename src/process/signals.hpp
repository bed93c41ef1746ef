// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The signals sm-train handles synchronously, and the mask it holds them in.
///
/// sm-train blocks every asynchronous signal at the very start of main(), before
/// any thread or child exists, and handles them with signalfd/sigtimedwait. A
/// signal that arrives before the program has started stays pending and is
/// forwarded as soon as the supervisor runs (tini's model).
///
/// Errors (the process layer's convention: a program that cannot be started
/// throws SpawnError, a kernel refusal smtrain::Error(Internal); a program's
/// end is a value, never an exception): SignalBlock's constructor cannot fail
/// (sigprocmask with valid arguments); nothing here throws.

#include <signal.h>

#include <array>
#include <string>

namespace smtrain::process {

/// Signals passed on to the program's process group.
inline constexpr std::array<int, 6> kForwardedSignals = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

/// True for the signals that ask a process to stop (TERM, INT, HUP, QUIT).
bool is_stop_signal(int signo);

/// "SIGTERM", "SIGKILL", ... ("signal 42" for others).
std::string signal_name(int signo);

/// Blocks every signal except the synchronous faults (SEGV, BUS, FPE, ILL,
/// ABRT, TRAP, SYS), which must stay deliverable so a bug in sm-train still
/// crashes visibly. Remembers the mask in force before, which children get back.
class SignalBlock {
public:
    SignalBlock();
    ~SignalBlock();
    SignalBlock(const SignalBlock&) = delete;
    SignalBlock& operator=(const SignalBlock&) = delete;

    /// The mask to restore in a child before execve.
    const sigset_t& original_mask() const { return original_; }
    /// The set now blocked (what signalfd/sigtimedwait wait for).
    const sigset_t& blocked() const { return blocked_; }

private:
    sigset_t original_{};
    sigset_t blocked_{};
};

}  // namespace smtrain::process
