// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// Facts about this machine that the toolkit exports (SM_NUM_CPUS, SM_NUM_GPUS, ...):
/// TrainingEnv probes them (lib/machine_probe.hpp, internal), a test gives them
/// (LoadOptions::machine, FakeTree::machine).

namespace smtrain {

struct MachineFacts {
    int num_cpus = 1;                   ///< sysconf(_SC_NPROCESSORS_ONLN), as os.cpu_count()
    int num_gpus = 0;                   ///< lines starting "GPU " in `nvidia-smi --list-gpus`
    int num_neurons = 0;                ///< sum of nc_count in `neuron-ls -j`; 64 on trn2.48xlarge
    bool smddprun_installed = false;    ///< `smddprun` on PATH
    bool smddpmprun_installed = false;  ///< `smddpmprun` on PATH
};

}  // namespace smtrain
