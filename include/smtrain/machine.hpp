// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// Facts about this machine that the toolkit exports (SM_NUM_CPUS, SM_NUM_GPUS, ...).

#include <smtrain/environ.hpp>

#include <chrono>
#include <string_view>

namespace smtrain {

struct MachineFacts {
    int num_cpus = 1;                   ///< sysconf(_SC_NPROCESSORS_ONLN), as os.cpu_count()
    int num_gpus = 0;                   ///< lines starting "GPU " in `nvidia-smi --list-gpus`
    int num_neurons = 0;                ///< sum of nc_count in `neuron-ls -j`; 64 on trn2.48xlarge
    bool smddprun_installed = false;    ///< `smddprun` on PATH
    bool smddpmprun_installed = false;  ///< `smddpmprun` on PATH
};

/// Probes the machine. nvidia-smi and neuron-ls run in parallel, each killed
/// after `timeout` (a hung driver must not hang the job); PATH is searched
/// in-process, without `which`.
MachineFacts probe_machine(const Environ& env, std::string_view instance_type,
                           std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace smtrain
