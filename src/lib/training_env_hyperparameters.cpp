// SPDX-License-Identifier: Apache-2.0
// Typed access to hyperparameters (TrainingEnv::hyperparameter<T>).
#include <smtrain/training_env.hpp>

#include "lib/config_files.hpp"

#include <charconv>

namespace smtrain {

const Value& TrainingEnv::required_hyperparameter(std::string_view name) const {
    const Value* v = hyperparameters_.find(name);
    if (v == nullptr) throw LookupError("Hyperparameter " + std::string(name) + " is not set");
    return *v;
}

namespace detail {
namespace {

[[noreturn]] void type_error(std::string_view name, std::string_view expected, const Value& got,
                             const HyperparameterOrigin& origin) {
    Checker(std::string(origin.source))
        .wrong_type(json_path_key(std::string(origin.path_prefix), name), expected, got);
}

[[noreturn]] void range_error(std::string_view name, const Value& got, std::string_view type,
                              const HyperparameterOrigin& origin) {
    Checker(std::string(origin.source))
        .fail(json_path_key(std::string(origin.path_prefix), name),
              got.int_digits() + " is out of range for " + std::string(type));
}

}  // namespace

bool hyperparameter_as_bool(const Value& v, std::string_view name, const HyperparameterOrigin& origin) {
    if (v.is_bool()) return v.as_bool();
    if (v.is_string()) {
        const std::string& s = v.as_string();
        if (s == "true" || s == "True") return true;
        if (s == "false" || s == "False") return false;
    }
    type_error(name, "boolean", v, origin);
}

std::int64_t hyperparameter_as_signed(const Value& v, std::string_view name, std::int64_t min,
                                      std::int64_t max, std::string_view type,
                                      const HyperparameterOrigin& origin) {
    if (!v.is_int()) type_error(name, "integer", v, origin);
    const std::string& digits = v.int_digits();
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc() || end != digits.data() + digits.size() || n < min || n > max) {
        range_error(name, v, type, origin);
    }
    return n;
}

std::uint64_t hyperparameter_as_unsigned(const Value& v, std::string_view name, std::uint64_t max,
                                         std::string_view type, const HyperparameterOrigin& origin) {
    if (!v.is_int()) type_error(name, "integer", v, origin);
    const std::string& digits = v.int_digits();
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    // from_chars refuses a leading '-', so negative numbers land here too.
    if (ec != std::errc() || end != digits.data() + digits.size() || n > max) {
        range_error(name, v, type, origin);
    }
    return n;
}

double hyperparameter_as_double(const Value& v, std::string_view name, const HyperparameterOrigin& origin) {
    if (!v.is_number()) type_error(name, "number", v, origin);
    return v.as_double();
}

const std::string& hyperparameter_as_string(const Value& v, std::string_view name,
                                            const HyperparameterOrigin& origin) {
    if (!v.is_string()) type_error(name, "string", v, origin);
    return v.as_string();
}

}  // namespace detail
}  // namespace smtrain
