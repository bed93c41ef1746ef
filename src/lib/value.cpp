// SPDX-License-Identifier: Apache-2.0
#include <smtrain/value.hpp>

#include <charconv>
#include <limits>
#include <stdexcept>
#include <system_error>

namespace smtrain {

std::optional<std::int64_t> Value::as_int64() const {
    const std::string& digits = int_digits();
    std::int64_t result = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), result);
    if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    return result;
}

double Value::as_double() const {
    if (is_float()) return std::get<double>(data_);
    // The digits are an exact decimal integer, and from_chars rounds it
    // correctly to nearest-even: the same double Python's float(int) gives.
    const std::string& digits = int_digits();
    double result = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), result);
    if (ec == std::errc::result_out_of_range) {
        // Python raises OverflowError here rather than returning inf.
        throw std::overflow_error("int too large to convert to float");
    }
    if (ec != std::errc() || end != digits.data() + digits.size()) {
        throw std::invalid_argument("not a decimal integer: " + digits);
    }
    return result;
}

const Value* Value::find(std::string_view key) const {
    if (!is_dict()) return nullptr;
    for (const auto& [k, v] : as_dict()) {
        if (k == key) return &v;
    }
    return nullptr;
}

void Value::set(std::string key, Value v) {
    Dict& dict = as_dict();
    for (auto& [k, existing] : dict) {
        if (k == key) {
            existing = std::move(v);
            return;
        }
    }
    dict.emplace_back(std::move(key), std::move(v));
}

bool Value::truthy() const {
    switch (kind()) {
        case Kind::Null:
            return false;
        case Kind::Bool:
            return as_bool();
        case Kind::Int:
            return int_digits() != "0";
        case Kind::Float:
            return std::get<double>(data_) != 0.0;  // NaN is true in Python too
        case Kind::String:
            return !as_string().empty();
        case Kind::List:
            return !as_list().empty();
        case Kind::Dict:
            return !as_dict().empty();
    }
    return false;
}

const char* Value::json_type_name() const {
    switch (kind()) {
        case Kind::Null:
            return "null";
        case Kind::Bool:
            return "boolean";
        case Kind::Int:
        case Kind::Float:
            return "number";
        case Kind::String:
            return "string";
        case Kind::List:
            return "array";
        case Kind::Dict:
            return "object";
    }
    return "unknown";
}

}  // namespace smtrain
