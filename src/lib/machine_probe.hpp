// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The machine probe behind TrainingEnv's num_gpus() and the like. Internal
/// (smtrain::internal): a program gets the facts from its TrainingEnv.

#include <smtrain/environ.hpp>
#include <smtrain/machine.hpp>

#include <chrono>
#include <string_view>

namespace smtrain {

/// Probes the machine. nvidia-smi and neuron-ls run in parallel, each killed
/// after `timeout` (a hung driver must not hang the job); PATH is searched
/// in-process, without `which`.
MachineFacts probe_machine(const Environ& env, std::string_view instance_type,
                           std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace smtrain
