// SPDX-License-Identifier: Apache-2.0
// Test program: writes "ready <pid>" to $READY_FILE, then one line per signal
// received ("SIGTERM", ...) to stdout. Exits 128+15 on SIGTERM, unless its
// first argument is --ignore-term (then it keeps running until SIGKILL).
// Run by sm-train as the user program (dumb-init's testing/print_signals.py).
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fstream>

namespace {
volatile sig_atomic_t last = 0;
void on_signal(int signo) { last = signo; }
}  // namespace

int main(int argc, char** argv) {
    bool ignore_term = argc > 1 && strcmp(argv[1], "--ignore-term") == 0;
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2}) signal(s, on_signal);
    sigset_t none;
    sigemptyset(&none);
    // The mask sm-train gave us must be empty (it restores the original one).
    sigset_t current;
    sigprocmask(SIG_SETMASK, nullptr, &current);
    bool mask_empty = true;
    for (int s = 1; s < 32; ++s) mask_empty = mask_empty && !sigismember(&current, s);
    if (const char* ready = getenv("READY_FILE")) {
        std::ofstream(ready) << "ready " << getpid() << (mask_empty ? " mask-empty" : " mask-NOT-empty") << "\n";
    }
    while (true) {
        pause();
        int signo = last;
        last = 0;
        if (signo == 0) continue;
        printf("%s\n", sigabbrev_np(signo));
        fflush(stdout);
        if (signo == SIGTERM && !ignore_term) return 128 + SIGTERM;
    }
}
