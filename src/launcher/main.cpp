// SPDX-License-Identifier: Apache-2.0
// sm-train: the ENTRYPOINT of a SageMaker training image.
#include "cli.hpp"
#include "signals.hpp"

int main(int argc, char** argv) {
    // First of all: from here on no signal can kill sm-train or be lost; each
    // waits, pending, until the supervisor forwards it to the program.
    smtrain::launcher::SignalBlock signals;
    return smtrain::launcher::run_cli(argc, argv, signals);
}
