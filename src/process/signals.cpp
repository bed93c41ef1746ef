// SPDX-License-Identifier: Apache-2.0
#include "process/signals.hpp"

#include <string.h>

namespace smtrain::process {

bool is_stop_signal(int signo) {
    return signo == SIGTERM || signo == SIGINT || signo == SIGHUP || signo == SIGQUIT;
}

std::string signal_name(int signo) {
    // sigabbrev_np is glibc >= 2.32; bookworm has 2.36.
    if (const char* abbrev = sigabbrev_np(signo)) return std::string("SIG") + abbrev;
    return "signal " + std::to_string(signo);
}

SignalBlock::SignalBlock() {
    sigfillset(&blocked_);
    // Synchronous faults stay deliverable: blocking them would turn a crash
    // into undefined behaviour (tini does the same).
    for (int fault : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS}) sigdelset(&blocked_, fault);
    sigprocmask(SIG_SETMASK, &blocked_, &original_);
}

SignalBlock::~SignalBlock() { sigprocmask(SIG_SETMASK, &original_, nullptr); }

}  // namespace smtrain::process
