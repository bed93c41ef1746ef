// SPDX-License-Identifier: Apache-2.0
#pragma once
// Internal: pieces shared by the TrainingEnv sources.

#include <smtrain/environ.hpp>
#include <smtrain/machine.hpp>
#include <smtrain/training_env.hpp>
#include <smtrain/value.hpp>

#include <mutex>
#include <optional>
#include <string>

namespace smtrain {

/// Probes the machine at most once, when a fact is first asked for; copies of a
/// TrainingEnv share it (the machine is the same).
struct TrainingEnv::MachineProbe {
    std::once_flag once;
    std::optional<MachineFacts> facts;
    Environ environ;
    std::string instance_type;
};

namespace detail {

/// A value as the toolkit's mapping.to_env_vars writes it: strings as they are,
/// None as "", anything else as compact sorted JSON.
std::string env_value(const Value& v);

/// is_modelparallel_enabled: Python's `mp and mp != "{}"` over SM_HP_MP_PARAMETERS,
/// so None when unset, "" when empty, false for "{}", true otherwise.
Value modelparallel_enabled(const Environ& env);

}  // namespace detail
}  // namespace smtrain
