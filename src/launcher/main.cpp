// SPDX-License-Identifier: Apache-2.0
// sm-train: the ENTRYPOINT of a SageMaker training image.
#include "cli.hpp"
#include "signals.hpp"

int main(int argc, char** argv) {
    // First of all: from here on no signal can kill sm-train or be lost; each
    // waits, pending, until the supervisor forwards it to the program.
    //
    // And never unblocked again: SageMaker's SIGTERM can arrive after the program
    // has exited, while sm-train writes the report. Restoring the mask on the way
    // out (as a local's destructor would) would let that pending SIGTERM kill
    // sm-train with 143 instead of the program's exit code; pending signals die
    // with the process instead. Reachable from a static, so no leak is reported.
    static const auto* signals = new smtrain::launcher::SignalBlock;
    return smtrain::launcher::run_cli(argc, argv, *signals);
}
