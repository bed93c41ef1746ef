// SPDX-License-Identifier: Apache-2.0
// sm-train: the ENTRYPOINT of a SageMaker training image.
#include "launcher/cli/cli.hpp"
#include "process/signals.hpp"
#include "process/stop.hpp"

int main(int argc, char** argv) {
    // First of all: from here on no signal can kill sm-train or be lost; each
    // waits, pending, until the supervisor forwards it to the program.
    //
    // And never unblocked again: SageMaker's SIGTERM can arrive after the program
    // has exited, while sm-train writes the report. Restoring the mask on the way
    // out (as a local's destructor would) would let that pending SIGTERM kill
    // sm-train with 143 instead of the program's exit code; pending signals die
    // with the process instead. Reachable from a static, so no leak is reported.
    static const auto* signals = new smtrain::process::SignalBlock;
    // Then a stop is taken in every phase: by this listener while no supervisor
    // runs, by the supervisor while a program does (see stop.hpp). The
    // listener's thread starts at the first wait for a stop (an S3 transfer,
    // the wait for hosts, a runner's wait): a job with none, the code in
    // place, has no second thread; meanwhile a stop is taken between steps.
    static auto* stop = new smtrain::process::StopRequest;
    auto* listener = new smtrain::process::StopListener(*signals, *stop,
                                                        smtrain::process::StopListener::Start::OnFirstWait);
    const int code =
        smtrain::launcher::run_cli(argc, argv, smtrain::launcher::Lifecycle{*signals, *stop, listener});
    // The listener's thread, if it started, is left to the exit, which ends it with the process:
    // ending it here would wait for it to be scheduled, at every job's end. It
    // touches nothing but the listener and the stop request, which are never
    // freed. Under AddressSanitizer it ends here, joined: LeakSanitizer cannot
    // suspend a thread as PID 1 and says so on stderr (the pid1 copies of the
    // asan tests). No program starts after this point, so ending a thread here
    // cannot meet qemu's fork (stop.hpp).
#if defined(__SANITIZE_ADDRESS__)
    delete listener;
#endif
    return code;
}
