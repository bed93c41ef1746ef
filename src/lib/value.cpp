// SPDX-License-Identifier: Apache-2.0
#include <smtrain/value.hpp>

#include <charconv>
#include <limits>
#include <stdexcept>
#include <system_error>

namespace smtrain {

namespace {

/// A list or dict with something in it: what the destructor must take apart.
bool nonempty_container(const Value& v) {
    return (v.is_list() && !v.as_list().empty()) || (v.is_dict() && !v.as_dict().empty());
}

}  // namespace

Value::~Value() {
    if (!nonempty_container(*this)) return;
    // Every nested non-empty container is moved into `pending` (leaving an empty
    // one behind), so each Value destroyed here holds only leaves and empty
    // containers, and its own destructor returns at once.
    std::vector<Value> pending;
    auto take_children = [&pending](Value& v) {
        if (v.is_list()) {
            for (Value& child : v.as_list()) {
                if (nonempty_container(child)) pending.push_back(std::move(child));
            }
        } else if (v.is_dict()) {
            for (auto& entry : v.as_dict()) {
                if (nonempty_container(entry.second)) pending.push_back(std::move(entry.second));
            }
        }
    };
    take_children(*this);
    while (!pending.empty()) {
        Value v = std::move(pending.back());
        pending.pop_back();
        take_children(v);
    }
}

bool Value::operator==(const Value& other) const {
    std::vector<std::pair<const Value*, const Value*>> todo{{this, &other}};
    while (!todo.empty()) {
        const auto [a, b] = todo.back();
        todo.pop_back();
        if (a->kind() != b->kind()) return false;
        if (a->is_list()) {
            const List &la = a->as_list(), &lb = b->as_list();
            if (la.size() != lb.size()) return false;
            for (std::size_t i = 0; i < la.size(); ++i) todo.emplace_back(&la[i], &lb[i]);
        } else if (a->is_dict()) {
            const Dict &da = a->as_dict(), &db = b->as_dict();
            if (da.size() != db.size()) return false;
            for (std::size_t i = 0; i < da.size(); ++i) {
                if (da[i].first != db[i].first) return false;
                todo.emplace_back(&da[i].second, &db[i].second);
            }
        } else if (a->data_ != b->data_) {  // a leaf: the variant compares it without recursing
            return false;
        }
    }
    return true;
}

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
