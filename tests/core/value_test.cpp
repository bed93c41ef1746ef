// SPDX-License-Identifier: Apache-2.0
#include <smtrain/value.hpp>

#include <gtest/gtest.h>
#include <pthread.h>

#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace smtrain {
namespace {

TEST(Value, KindsAndConstructors) {
    EXPECT_TRUE(Value().is_null());
    EXPECT_TRUE(Value(nullptr).is_null());
    EXPECT_TRUE(Value(true).is_bool());
    EXPECT_TRUE(Value(3).is_int());
    EXPECT_EQ(Value(-12).int_digits(), "-12");
    EXPECT_EQ(Value(std::int64_t{-9223372036854775807 - 1}).int_digits(), "-9223372036854775808");
    EXPECT_TRUE(Value(1.5).is_float());
    EXPECT_TRUE(Value("s").is_string());
    EXPECT_TRUE(Value::list().is_list());
    EXPECT_TRUE(Value::dict().is_dict());
    EXPECT_STREQ(Value(1.5).json_type_name(), "number");
    EXPECT_STREQ(Value(1).json_type_name(), "number");
    EXPECT_STREQ(Value().json_type_name(), "null");
    EXPECT_STREQ(Value(false).json_type_name(), "boolean");
    EXPECT_STREQ(Value("x").json_type_name(), "string");
    EXPECT_STREQ(Value::list().json_type_name(), "array");
    EXPECT_STREQ(Value::dict().json_type_name(), "object");
}

// Value(5u), Value(std::size_t{5}) and Value(5LL) were ambiguous (int or int64_t?).
static_assert(std::is_constructible_v<Value, unsigned>);
static_assert(std::is_constructible_v<Value, std::size_t>);
static_assert(std::is_constructible_v<Value, long long>);
static_assert(std::is_constructible_v<Value, unsigned short>);
static_assert(std::is_convertible_v<std::uint64_t, Value>);
// A char is text, not a number: no silent 97 for 'a'.
static_assert(!std::is_constructible_v<Value, char>);

TEST(Value, EveryIntegerTypeHoldsItsExactNumber) {
    EXPECT_EQ(Value(5u).int_digits(), "5");
    EXPECT_EQ(Value(std::size_t{5}).int_digits(), "5");
    EXPECT_EQ(Value(5LL).int_digits(), "5");
    EXPECT_EQ(Value(-5L).int_digits(), "-5");
    EXPECT_EQ(Value(std::numeric_limits<std::uint64_t>::max()).int_digits(), "18446744073709551615");
    EXPECT_EQ(Value(std::numeric_limits<long long>::min()).int_digits(), "-9223372036854775808");
    EXPECT_EQ(Value(static_cast<short>(-7)).int_digits(), "-7");
    EXPECT_EQ(Value(static_cast<unsigned char>(200)).int_digits(), "200");
    EXPECT_EQ(Value(static_cast<signed char>(-100)).int_digits(), "-100");
    EXPECT_TRUE(Value(std::uint16_t{1}).is_int());
    EXPECT_TRUE(Value(true).is_bool());  // still a bool, not 1
    const Value list = Value::List{Value(std::size_t{3}), Value(2u)};
    EXPECT_EQ(list.as_list()[0].as_int64(), 3);
}

TEST(Value, AsInt64ChecksRange) {
    EXPECT_EQ(Value::integer("9223372036854775807").as_int64(), std::optional<std::int64_t>(INT64_MAX));
    EXPECT_EQ(Value::integer("-9223372036854775808").as_int64(), std::optional<std::int64_t>(INT64_MIN));
    EXPECT_EQ(Value::integer("9223372036854775808").as_int64(), std::nullopt);
    EXPECT_EQ(Value::integer("-9223372036854775809").as_int64(), std::nullopt);
    EXPECT_EQ(Value::integer("123456789012345678901234567890").as_int64(), std::nullopt);
    EXPECT_EQ(Value(42).as_int64(), std::optional<std::int64_t>(42));
    EXPECT_THROW((void)Value("42").as_int64(), std::bad_variant_access);
}

TEST(Value, AsDoubleRoundsBigIntsLikePythonFloat) {
    EXPECT_EQ(Value(0.5).as_double(), 0.5);
    EXPECT_EQ(Value(7).as_double(), 7.0);
    // float(2**53 + 1) == 9007199254740992.0 (ties to even)
    EXPECT_EQ(Value::integer("9007199254740993").as_double(), 9007199254740992.0);
    // float(2**53 + 3) == 9007199254740996.0 (ties to even, upward)
    EXPECT_EQ(Value::integer("9007199254740995").as_double(), 9007199254740996.0);
    EXPECT_EQ(Value::integer("123456789012345678901234567890").as_double(), 1.2345678901234568e+29);
    EXPECT_EQ(Value::integer("-5").as_double(), -5.0);
    // float(10**400) raises OverflowError in Python.
    EXPECT_THROW((void)Value::integer("1" + std::string(400, '0')).as_double(), std::overflow_error);
}

TEST(Value, FindAndSetKeepInsertionOrder) {
    Value d = Value::dict();
    d.set("b", 1);
    d.set("a", 2);
    d.set("b", 3);  // replaced where it stands, as a Python dict does
    ASSERT_EQ(d.as_dict().size(), 2u);
    EXPECT_EQ(d.as_dict()[0].first, "b");
    EXPECT_EQ(d.as_dict()[0].second, Value(3));
    EXPECT_EQ(d.as_dict()[1].first, "a");
    ASSERT_NE(d.find("a"), nullptr);
    EXPECT_EQ(*d.find("a"), Value(2));
    EXPECT_EQ(d.find("c"), nullptr);
    EXPECT_EQ(Value(1).find("a"), nullptr);
    EXPECT_THROW(Value(1).set("a", 1), std::bad_variant_access);
}

TEST(Value, TruthyFollowsPython) {
    EXPECT_FALSE(Value().truthy());
    EXPECT_FALSE(Value(false).truthy());
    EXPECT_FALSE(Value(0).truthy());
    EXPECT_FALSE(Value(0.0).truthy());
    EXPECT_FALSE(Value(-0.0).truthy());
    EXPECT_FALSE(Value("").truthy());
    EXPECT_FALSE(Value::list().truthy());
    EXPECT_FALSE(Value::dict().truthy());
    EXPECT_TRUE(Value(true).truthy());
    EXPECT_TRUE(Value(-1).truthy());
    EXPECT_TRUE(Value(std::nan("")).truthy());  // bool(float('nan')) is True
    EXPECT_TRUE(Value("0").truthy());
    EXPECT_TRUE(Value("False").truthy());
    EXPECT_TRUE(Value(Value::List{Value()}).truthy());
}

TEST(Value, EqualityComparesKindsContentsAndOrder) {
    Value a = Value::dict();
    a.set("x", Value(Value::List{1, "two", 3.5, nullptr}));
    a.set("y", Value::dict());
    Value b = Value::dict();
    b.set("x", Value(Value::List{1, "two", 3.5, nullptr}));
    b.set("y", Value::dict());
    EXPECT_TRUE(a == b);
    Value c = Value::dict();  // the same entries, in the other order
    c.set("y", Value::dict());
    c.set("x", Value(Value::List{1, "two", 3.5, nullptr}));
    EXPECT_FALSE(a == c);
    b.as_dict()[0].second.as_list()[1] = "2";
    EXPECT_FALSE(a == b);
    EXPECT_FALSE(Value(1) == Value(1.0));  // int and float are different kinds here
    EXPECT_FALSE(Value(std::nan("")) == Value(std::nan("")));
    EXPECT_FALSE(Value(Value::List{}) == Value::dict());
    EXPECT_FALSE(Value(Value::List{1}) == Value(Value::List{1, 2}));
}

/// Runs `body` on a thread with a 256 KiB stack: far less than a recursive walk
/// of a million levels would need (tens of MiB).
void on_small_stack(std::function<void()> body) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    pthread_t thread;
    auto run = [](void* arg) -> void* {
        (*static_cast<std::function<void()>*>(arg))();
        return nullptr;
    };
    ASSERT_EQ(pthread_create(&thread, &attr, run, &body), 0);
    pthread_join(thread, nullptr);
    pthread_attr_destroy(&attr);
}

/// [[[...[leaf]...]]], `depth` lists deep, built without recursion.
Value nested_lists(int depth, Value leaf) {
    Value v = std::move(leaf);
    for (int i = 0; i < depth; ++i) {
        Value outer = Value::list();
        outer.as_list().push_back(std::move(v));
        outer.as_list().push_back(Value::dict());
        v = std::move(outer);
    }
    return v;
}

TEST(Value, AMillionLevelsCompareAndGoWithoutRecursion) {
    bool equal = false, different = true;
    on_small_stack([&] {
        Value a = nested_lists(1'000'000, Value("leaf"));
        Value b = nested_lists(1'000'000, Value("leaf"));
        Value c = nested_lists(1'000'000, Value("leaf!"));
        equal = a == b;
        different = a == c;
    });  // all three destroyed on the small stack
    EXPECT_TRUE(equal);
    EXPECT_FALSE(different);
}

}  // namespace
}  // namespace smtrain
