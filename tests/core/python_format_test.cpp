// SPDX-License-Identifier: Apache-2.0
// python_str / python_repr / python_float_repr / python_upper against what
// Python 3.11 prints. Expected texts written by hand, checked with python3.
#include "lib/python_format.hpp"
#include "lib/json.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace smtrain {
namespace {

std::string repr_of(std::string s) { return python_repr(Value(std::move(s))); }

TEST(PythonFloatRepr, FixedNotation) {
    EXPECT_EQ(python_float_repr(0.1), "0.1");
    EXPECT_EQ(python_float_repr(100.0), "100.0");
    EXPECT_EQ(python_float_repr(0.0), "0.0");
    EXPECT_EQ(python_float_repr(-0.0), "-0.0");
    EXPECT_EQ(python_float_repr(2.5), "2.5");
    EXPECT_EQ(python_float_repr(0.0001), "0.0001");
    EXPECT_EQ(python_float_repr(1e15), "1000000000000000.0");
    EXPECT_EQ(python_float_repr(9999999999999998.0), "9999999999999998.0");
    EXPECT_EQ(python_float_repr(123456789.125), "123456789.125");
    EXPECT_EQ(python_float_repr(0.1 + 0.2), "0.30000000000000004");
    EXPECT_EQ(python_float_repr(1.0 / 3.0), "0.3333333333333333");
}

TEST(PythonFloatRepr, ExponentNotation) {
    EXPECT_EQ(python_float_repr(1e-05), "1e-05");
    EXPECT_EQ(python_float_repr(1.234e-05), "1.234e-05");
    EXPECT_EQ(python_float_repr(1e-07), "1e-07");
    EXPECT_EQ(python_float_repr(-1.5e-10), "-1.5e-10");
    EXPECT_EQ(python_float_repr(1e16), "1e+16");
    EXPECT_EQ(python_float_repr(1e22), "1e+22");
    EXPECT_EQ(python_float_repr(1.5e300), "1.5e+300");
    EXPECT_EQ(python_float_repr(9223372036854775808.0), "9.223372036854776e+18");
    EXPECT_EQ(python_float_repr(5e-324), "5e-324");
    EXPECT_EQ(python_float_repr(1.7976931348623157e308), "1.7976931348623157e+308");
}

TEST(PythonFloatRepr, NonFinite) {
    EXPECT_EQ(python_float_repr(std::numeric_limits<double>::infinity()), "inf");
    EXPECT_EQ(python_float_repr(-std::numeric_limits<double>::infinity()), "-inf");
    EXPECT_EQ(python_float_repr(std::numeric_limits<double>::quiet_NaN()), "nan");
}

TEST(PythonRepr, QuoteChoice) {
    EXPECT_EQ(repr_of("abc"), "'abc'");
    EXPECT_EQ(repr_of(""), "''");
    EXPECT_EQ(repr_of("it's"), "\"it's\"");
    EXPECT_EQ(repr_of("a\"b"), "'a\"b'");
    EXPECT_EQ(repr_of("it's \"x\""), "'it\\'s \"x\"'");
    EXPECT_EQ(repr_of("\\"), "'\\\\'");
}

TEST(PythonRepr, ControlCharacters) {
    std::string s = "\n\r\t";
    s += '\0';
    s += "\x01\x1f\x7f\x0b\x0c\x08";
    EXPECT_EQ(repr_of(s), R"('\n\r\t\x00\x01\x1f\x7f\x0b\x0c\x08')");
}

TEST(PythonRepr, NonAsciiPrintableKeptOthersEscaped) {
    // 'é😀' printable; U+00A0 (Zs) and U+00AD (Cf) as \xNN; U+2028/2029/200B/3000
    // as \uNNNN; private use U+E000, tag U+E0001, unassigned U+0378, U+10FFFF and a
    // lone surrogate escaped; 'ñ' kept.
    EXPECT_EQ(
        repr_of("\xC3\xA9\xF0\x9F\x98\x80\xC2\xA0\xC2\xAD\xE2\x80\xA8\xE2\x80\xA9\xE2\x80\x8B\xE3\x80\x80"
                "\xEE\x80\x80\xF3\xA0\x80\x81\xCD\xB8\xF4\x8F\xBF\xBF\xED\xA0\x80 \xC3\xB1"),
        "'\xC3\xA9\xF0\x9F\x98\x80\\xa0\\xad\\u2028\\u2029\\u200b\\u3000\\ue000\\U000e0001\\u0378"
        "\\U0010ffff\\ud800 \xC3\xB1'");
}

TEST(PythonRepr, InvalidBytesShowAsSurrogateEscapes) { EXPECT_EQ(repr_of("a\xFF"), "'a\\udcff'"); }

TEST(PythonRepr, ScalarsAndContainers) {
    EXPECT_EQ(python_repr(Value()), "None");
    EXPECT_EQ(python_repr(Value(true)), "True");
    EXPECT_EQ(python_repr(Value(false)), "False");
    EXPECT_EQ(python_repr(Value::integer("123456789012345678901234567890")),
              "123456789012345678901234567890");
    Value v =
        parse_json(R"([1,"a",true,null,1.5,1e16,1e15,NaN,Infinity,-Infinity,[],{},{"k":"v","n":[null]}])");
    EXPECT_EQ(python_repr(v),
              "[1, 'a', True, None, 1.5, 1e+16, 1000000000000000.0, nan, inf, -inf, [], {}, {'k': 'v', 'n': "
              "[None]}]");
}

TEST(PythonRepr, DictsKeepInsertionOrder) {
    EXPECT_EQ(python_repr(parse_json(R"({"b":"it's","a":{"x":1e-05}})")),
              "{'b': \"it's\", 'a': {'x': 1e-05}}");
}

TEST(PythonStr, StringsAsTheyAreOthersAsRepr) {
    EXPECT_EQ(python_str(Value("it's \xC3\xA9\n")), "it's \xC3\xA9\n");
    EXPECT_EQ(python_str(Value(true)), "True");
    EXPECT_EQ(python_str(Value(false)), "False");
    EXPECT_EQ(python_str(Value()), "None");
    EXPECT_EQ(python_str(Value(64)), "64");
    EXPECT_EQ(python_str(Value(1e-05)), "1e-05");
    EXPECT_EQ(python_str(Value(1e15)), "1000000000000000.0");
    EXPECT_EQ(python_str(Value(std::numeric_limits<double>::infinity())), "inf");
    EXPECT_EQ(python_str(parse_json(R"([1, "a"])")), "[1, 'a']");
    EXPECT_EQ(python_str(parse_json(R"({"k": "v"})")), "{'k': 'v'}");
}

TEST(PythonUpper, Ascii) {
    EXPECT_EQ(python_upper("lr-rate"), "LR-RATE");
    EXPECT_EQ(python_upper("batch_size_2"), "BATCH_SIZE_2");
    EXPECT_EQ(python_upper(""), "");
}

TEST(PythonUpper, SpecialCasing) {
    EXPECT_EQ(python_upper("stra\xC3\x9F"
                           "e"),
              "STRASSE");                            // straße
    EXPECT_EQ(python_upper("\xEF\xAC\x81"), "FI");   // ﬁ
    EXPECT_EQ(python_upper("\xEF\xAC\x83"), "FFI");  // ﬃ
    EXPECT_EQ(python_upper("\xC5\x89"),
              "\xCA\xBC"
              "N");                                                   // ŉ -> ʼN
    EXPECT_EQ(python_upper("\xCE\x90"), "\xCE\x99\xCC\x88\xCC\x81");  // ΐ -> Ϊ́ (3 code points)
    EXPECT_EQ(python_upper("\xC7\xB0"), "J\xCC\x8C");                 // ǰ -> J̌
    EXPECT_EQ(python_upper("\xEF\xAC\x93"), "\xD5\x84\xD5\x86");      // ﬓ -> ՄՆ
    EXPECT_EQ(python_upper("\xE1\xBE\xB3"), "\xCE\x91\xCE\x99");      // ᾳ -> ΑΙ
}

TEST(PythonUpper, SimpleMappings) {
    EXPECT_EQ(python_upper("\xCF\x82 \xCF\x83"), "\xCE\xA3 \xCE\xA3");  // final sigma and sigma -> Σ
    EXPECT_EQ(python_upper("\xC4\xB1 i"), "I I");                       // dotless i and i -> I
    EXPECT_EQ(python_upper("\xC7\x85 \xC7\x86"), "\xC7\x84 \xC7\x84");  // ǅ ǆ -> Ǆ (titlecase too)
    EXPECT_EQ(python_upper("\xC2\xB5"), "\xCE\x9C");                    // micro sign -> Μ
    EXPECT_EQ(python_upper("\xC3\xBF"), "\xC5\xB8");                    // ÿ -> Ÿ
    EXPECT_EQ(python_upper("\xC4\x81\xC4\x83"), "\xC4\x80\xC4\x82");  // āă -> ĀĂ (every other code point)
    EXPECT_EQ(python_upper("\xF0\x90\x90\xA8"), "\xF0\x90\x90\x80");  // Deseret 𐐨 -> 𐐀
    EXPECT_EQ(python_upper("\xE2\x82\xAC\xE4\xB8\xAD"), "\xE2\x82\xAC\xE4\xB8\xAD");  // no case: unchanged
}

TEST(PythonUpper, InvalidBytesAndSurrogatesUnchanged) {
    EXPECT_EQ(python_upper("a\xFF"
                           "b"),
              "A\xFF"
              "B");
    EXPECT_EQ(python_upper("\xED\xA0\x80x"), "\xED\xA0\x80X");
    EXPECT_EQ(python_upper("\xC3"), "\xC3");
}

}  // namespace
}  // namespace smtrain

namespace smtrain {
namespace {

TEST(PythonRepr, DeepestParsableValueRenders) {
    std::string deep = std::string(10000, '[') + std::string(10000, ']');
    Value v = parse_json(deep);
    EXPECT_EQ(python_repr(v), deep);
}

}  // namespace
}  // namespace smtrain
