// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// `smtrain::Value`: a JSON value with Python's data model.
///
/// SageMaker's files are read by Python's `json` module, so the toolkit sees
/// arbitrary-precision integers, NaN/Infinity floats, and dicts that keep
/// insertion order. `Value` keeps exactly that information, so every rendering
/// (env vars, argv, SM_TRAINING_ENV) can reproduce the toolkit byte for byte.

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace smtrain {

namespace detail {
/// bool and the character types, which Value's integer constructor refuses.
template <class T>
inline constexpr bool is_character_or_bool_v =
    std::same_as<T, bool> || std::same_as<T, char> || std::same_as<T, wchar_t> || std::same_as<T, char8_t> ||
    std::same_as<T, char16_t> || std::same_as<T, char32_t>;
}  // namespace detail

class Value {
public:
    enum class Kind { Null, Bool, Int, Float, String, List, Dict };

    using List = std::vector<Value>;
    /// Python dict: insertion order, unique keys (a later duplicate replaces the
    /// value in place, as `json.loads` does).
    using Dict = std::vector<std::pair<std::string, Value>>;

    /// An integer of any size, kept as its canonical decimal digits
    /// ("-12", "0", "123456789012345678901234567890").
    struct Integer {
        std::string digits;
        bool operator==(const Integer&) const = default;
    };

    Value() = default;  ///< None
    Value(const Value&) = default;
    Value(Value&&) noexcept = default;
    Value& operator=(const Value&) = default;
    Value& operator=(Value&&) noexcept = default;
    /// Takes nested lists and dicts apart with a work list, not by recursion, so
    /// that a value of any depth (built by hand; parse_json stops at max_depth)
    /// does not exhaust the stack when it goes.
    ~Value();
    Value(std::nullptr_t) {}
    Value(bool b) : data_(b) {}
    /// Any integer type (`Value(5u)`, `Value(std::size_t{n})`, `Value(5LL)`), held
    /// exactly. Not bool (its own constructor) nor the character types: a `char`
    /// is text, and `Value('a')` does not compile rather than become 97.
    template <std::integral T>
    requires(!detail::is_character_or_bool_v<T>) Value(T i) : data_(Integer{std::to_string(i)}) {}
    Value(double d) : data_(d) {}
    Value(std::string s) : data_(std::move(s)) {}
    Value(const char* s) : data_(std::string(s)) {}
    Value(std::string_view s) : data_(std::string(s)) {}
    Value(Integer i) : data_(std::move(i)) {}
    Value(List l) : data_(std::move(l)) {}
    Value(Dict d) : data_(std::move(d)) {}

    static Value list() { return Value(List{}); }
    static Value dict() { return Value(Dict{}); }
    /// Integer from decimal digits with an optional leading '-'; no validation beyond that.
    static Value integer(std::string digits) { return Value(Integer{std::move(digits)}); }

    Kind kind() const { return static_cast<Kind>(data_.index()); }
    bool is_null() const { return kind() == Kind::Null; }
    bool is_bool() const { return kind() == Kind::Bool; }
    bool is_int() const { return kind() == Kind::Int; }
    bool is_float() const { return kind() == Kind::Float; }
    bool is_number() const { return is_int() || is_float(); }
    bool is_string() const { return kind() == Kind::String; }
    bool is_list() const { return kind() == Kind::List; }
    bool is_dict() const { return kind() == Kind::Dict; }

    // Accessors throw std::bad_variant_access on the wrong kind; check first.
    bool as_bool() const { return std::get<bool>(data_); }
    const std::string& int_digits() const { return std::get<Integer>(data_).digits; }
    /// The integer when it fits in 64 bits.
    std::optional<std::int64_t> as_int64() const;
    /// Int or Float as a double (ints rounded as Python's float(int) does).
    double as_double() const;
    const std::string& as_string() const { return std::get<std::string>(data_); }
    const List& as_list() const { return std::get<List>(data_); }
    List& as_list() { return std::get<List>(data_); }
    const Dict& as_dict() const { return std::get<Dict>(data_); }
    Dict& as_dict() { return std::get<Dict>(data_); }

    /// Dict lookup; nullptr when absent or when this is not a dict.
    const Value* find(std::string_view key) const;
    /// Dict insert-or-replace (replacing keeps the key's position, as in Python).
    void set(std::string key, Value v);

    /// Python's truthiness (`bool(v)`): None, False, 0, 0.0, "", [], {} are false.
    bool truthy() const;

    /// Python's type name of this value for error messages: "null", "boolean",
    /// "number", "string", "array", "object" (JSON words, as our errors speak JSON).
    const char* json_type_name() const;

    /// Equal kinds and contents (dicts in the same order; NaN != NaN). Walks
    /// nested values with a work list, as the destructor does.
    bool operator==(const Value& other) const;

private:
    std::variant<std::monostate, bool, Integer, double, std::string, List, Dict> data_;
};

}  // namespace smtrain
