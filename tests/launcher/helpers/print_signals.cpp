// SPDX-License-Identifier: Apache-2.0
// Test program: writes "ready <pid>" to $READY_FILE, then one line per signal
// received ("TERM", ...) to stdout. Exits 128+15 on SIGTERM, unless its
// first argument is --ignore-term (then it keeps running until SIGKILL).
// Run by sm-train as the user program (dumb-init's testing/print_signals.py).
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fstream>

int main(int argc, char** argv) {
    bool ignore_term = argc > 1 && strcmp(argv[1], "--ignore-term") == 0;
    // The mask sm-train gave us must be empty (it restores the original one).
    sigset_t current;
    sigprocmask(SIG_SETMASK, nullptr, &current);
    bool mask_empty = true;
    for (int s = 1; s < 32; ++s) mask_empty = mask_empty && !sigismember(&current, s);
    // Taken with sigwaitinfo, not a handler and pause(): a signal that came
    // between "ready" and pause() was overwritten by the next one's handler, so
    // a test that sent USR1 right after "ready" saw only HUP and TERM (CI at
    // 4b8052d). Blocked signals stay pending until they are waited for.
    sigset_t handled;
    sigemptyset(&handled);
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2}) sigaddset(&handled, s);
    sigprocmask(SIG_BLOCK, &handled, nullptr);
    if (const char* ready = getenv("READY_FILE")) {
        std::ofstream(ready) << "ready " << getpid() << (mask_empty ? " mask-empty" : " mask-NOT-empty")
                             << "\n";
    }
    while (true) {
        const int signo = sigwaitinfo(&handled, nullptr);
        if (signo <= 0) continue;
        printf("%s\n", sigabbrev_np(signo));
        fflush(stdout);
        if (signo == SIGTERM && !ignore_term) return 128 + SIGTERM;
    }
}
