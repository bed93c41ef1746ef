// SPDX-License-Identifier: Apache-2.0
// parse_json against what Python 3.11's json.loads does. Each expected value
// or message was checked with python3 and written here by hand.
#include "lib/json.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

namespace smtrain {
namespace {

// The message json.loads raises for `text`, or "" when it parses.
std::string error_of(std::string_view text) {
    try {
        (void)parse_json(text);
    } catch (const JsonSyntaxError& e) {
        return e.what();
    }
    return "";
}

static_assert(std::is_base_of_v<Error, JsonSyntaxError>);

TEST(JsonParse, SyntaxErrorIsASmtrainError) {
    try {
        (void)parse_json("{");
        FAIL() << "expected a JsonSyntaxError";
    } catch (const Error& e) {
        EXPECT_EQ(e.exit_code(), ExitCode::BadConfig);
        EXPECT_STREQ(e.what(), "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)");
        EXPECT_NE(dynamic_cast<const JsonSyntaxError*>(&e), nullptr);
    }
}

TEST(JsonParse, Scalars) {
    EXPECT_EQ(parse_json("null"), Value());
    EXPECT_EQ(parse_json("true"), Value(true));
    EXPECT_EQ(parse_json("false"), Value(false));
    EXPECT_EQ(parse_json("0"), Value::integer("0"));
    EXPECT_EQ(parse_json("-7"), Value::integer("-7"));
    EXPECT_EQ(parse_json("\"train.py\""), Value("train.py"));
    EXPECT_EQ(parse_json(" \t\r\n 1 \t\r\n"), Value::integer("1"));
}

TEST(JsonParse, MinusZeroIntegerIsZero) {
    // json.loads("-0") == 0, an int; "-0.0" and "-0e0" are the float -0.0.
    EXPECT_EQ(parse_json("-0"), Value::integer("0"));
    EXPECT_EQ(parse_json("[-1,-0]"), Value(Value::List{Value::integer("-1"), Value::integer("0")}));
    Value f = parse_json("-0.0");
    ASSERT_TRUE(f.is_float());
    EXPECT_TRUE(std::signbit(f.as_double()));
    EXPECT_TRUE(std::signbit(parse_json("-0e0").as_double()));
}

TEST(JsonParse, BigIntegersStayExact) {
    Value v = parse_json("123456789012345678901234567890");
    ASSERT_TRUE(v.is_int());
    EXPECT_EQ(v.int_digits(), "123456789012345678901234567890");
    EXPECT_EQ(parse_json("-123456789012345678901234567890").int_digits(), "-123456789012345678901234567890");

    std::string ten_thousand = "9" + std::string(9999, '1');
    Value big = parse_json("[" + ten_thousand + "]");
    ASSERT_TRUE(big.as_list()[0].is_int());
    EXPECT_EQ(big.as_list()[0].int_digits(), ten_thousand);
}

TEST(JsonParse, Floats) {
    EXPECT_EQ(parse_json("0.1").as_double(), 0.1);
    EXPECT_EQ(parse_json("1e5").as_double(), 100000.0);
    EXPECT_EQ(parse_json("1E+05").as_double(), 100000.0);
    EXPECT_EQ(parse_json("0.1e-2").as_double(), 0.001);
    EXPECT_TRUE(parse_json("1.0").is_float());
    EXPECT_EQ(parse_json("5e-324").as_double(), std::numeric_limits<double>::denorm_min());
    EXPECT_EQ(parse_json("1.7976931348623157e308").as_double(), std::numeric_limits<double>::max());
    // Correct rounding of a long decimal: the double nearest to 0.1 + 1e-30.
    EXPECT_EQ(parse_json("0.100000000000000000000000000001").as_double(), 0.1);
}

TEST(JsonParse, FloatsPastTheRangeBecomeInfOrZero) {
    // Python's float("1e400") is inf; float("1e-400") is 0.0.
    EXPECT_EQ(parse_json("1e400").as_double(), std::numeric_limits<double>::infinity());
    EXPECT_EQ(parse_json("2e308").as_double(), std::numeric_limits<double>::infinity());
    EXPECT_EQ(parse_json("-1e400").as_double(), -std::numeric_limits<double>::infinity());
    Value tiny = parse_json("1e-400");
    EXPECT_EQ(tiny.as_double(), 0.0);
    EXPECT_FALSE(std::signbit(tiny.as_double()));
    EXPECT_TRUE(std::signbit(parse_json("-1e-400").as_double()));
    EXPECT_EQ(parse_json("0.000000001e-320").as_double(), 0.0);
    EXPECT_EQ(parse_json("1000000000e300").as_double(), std::numeric_limits<double>::infinity());
}

TEST(JsonParse, NanAndInfinity) {
    Value list = parse_json("[NaN, Infinity, -Infinity]");
    ASSERT_EQ(list.as_list().size(), 3u);
    EXPECT_TRUE(std::isnan(list.as_list()[0].as_double()));
    EXPECT_EQ(list.as_list()[1].as_double(), std::numeric_limits<double>::infinity());
    EXPECT_EQ(list.as_list()[2].as_double(), -std::numeric_limits<double>::infinity());
    EXPECT_EQ(error_of("-NaN"), "Expecting value: line 1 column 1 (char 0)");
    EXPECT_EQ(error_of("infinity"), "Expecting value: line 1 column 1 (char 0)");
    EXPECT_EQ(error_of("-Inf"), "Expecting value: line 1 column 1 (char 0)");
}

TEST(JsonParse, Escapes) {
    EXPECT_EQ(parse_json(R"("\"\\\/\b\f\n\r\t")"), Value("\"\\/\b\f\n\r\t"));
    EXPECT_EQ(parse_json(R"("\u0041\u00e9\u20AC")"), Value("A\xC3\xA9\xE2\x82\xAC"));
    EXPECT_EQ(parse_json(R"("\u0000")"), Value(std::string(1, '\0')));
    // DEL and non-ASCII raw characters are allowed; only < 0x20 is refused.
    EXPECT_EQ(parse_json("\"\x7f\xC3\xA9\""), Value("\x7f\xC3\xA9"));
}

TEST(JsonParse, SurrogatePairsJoin) {
    EXPECT_EQ(parse_json(R"("\ud83d\ude00")"), Value("\xF0\x9F\x98\x80"));  // U+1F600
    EXPECT_EQ(parse_json(R"("\uD800\uDC00")"), Value("\xF0\x90\x80\x80"));  // U+10000
}

TEST(JsonParse, LoneSurrogatesSurviveAsWtf8) {
    EXPECT_EQ(parse_json(R"("\ud800")"), Value("\xED\xA0\x80"));
    EXPECT_EQ(parse_json(R"("\udc00\ud800")"), Value("\xED\xB0\x80\xED\xA0\x80"));
    // A high surrogate followed by a non-surrogate escape: both kept ('\ud83dA').
    EXPECT_EQ(parse_json(R"("\ud83d\u0041")"), Value("\xED\xA0\xBD"
                                                     "A"));
    // '\ud800\ud800' stays two lone surrogates; '\ud800\uD800\uDC00' joins the second pair.
    EXPECT_EQ(parse_json(R"("\ud800\ud800")"), Value("\xED\xA0\x80\xED\xA0\x80"));
    EXPECT_EQ(parse_json(R"("\ud800\uD800\uDC00")"), Value("\xED\xA0\x80\xF0\x90\x80\x80"));
    EXPECT_EQ(parse_json(R"("\ud800\n")"), Value("\xED\xA0\x80\n"));
}

TEST(JsonParse, SurrogateBytesInTheTextNeedTheOption) {
    // Raw ED A0 80 cannot come out of Python's UTF-8 codec...
    EXPECT_EQ(error_of("\"\xED\xA0\x80\""),
              "'utf-8' codec can't decode byte 0xed in position 1: invalid continuation byte: "
              "line 1 column 2 (char 1)");
    // ...but a Python str may hold one, and json.loads(str) keeps it.
    JsonParseOptions options;
    options.allow_surrogates = true;
    EXPECT_EQ(parse_json("\"\xED\xA0\x80\"", options), Value("\xED\xA0\x80"));
    try {
        (void)parse_json("\xED\xA0\x80", options);
        FAIL() << "a bare surrogate is not a value";
    } catch (const JsonSyntaxError& e) {
        EXPECT_STREQ(e.what(), "Expecting value: line 1 column 1 (char 0)");
    }
}

TEST(JsonParse, DuplicateKeysLaterWinsInPlace) {
    // json.loads('{"a":1,"a":2,"b":3}') == {'a': 2, 'b': 3}
    Value v = parse_json(R"({"a":1,"b":3,"a":2})");
    ASSERT_EQ(v.as_dict().size(), 2u);
    EXPECT_EQ(v.as_dict()[0].first, "a");
    EXPECT_EQ(v.as_dict()[0].second, Value::integer("2"));
    EXPECT_EQ(v.as_dict()[1].first, "b");
}

TEST(JsonParse, DuplicateKeysInALargeObject) {
    // Past the linear-scan size the hash index takes over; same semantics.
    std::string text = "{";
    for (int i = 0; i < 100; ++i) text += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
    text += "\"k3\":\"again\",\"k99\":null,\"new\":true}";
    Value v = parse_json(text);
    ASSERT_EQ(v.as_dict().size(), 101u);
    EXPECT_EQ(v.as_dict()[3].first, "k3");
    EXPECT_EQ(v.as_dict()[3].second, Value("again"));
    EXPECT_EQ(v.as_dict()[99].second, Value());
    EXPECT_EQ(v.as_dict()[100].first, "new");
}

TEST(JsonParse, KeepsInsertionOrder) {
    Value v = parse_json(R"({"z":1,"a":2,"m":3})");
    ASSERT_EQ(v.as_dict().size(), 3u);
    EXPECT_EQ(v.as_dict()[0].first, "z");
    EXPECT_EQ(v.as_dict()[1].first, "a");
    EXPECT_EQ(v.as_dict()[2].first, "m");
}

TEST(JsonParse, ErrorsExpectingValue) {
    EXPECT_EQ(error_of(""), "Expecting value: line 1 column 1 (char 0)");
    EXPECT_EQ(error_of(" "), "Expecting value: line 1 column 2 (char 1)");
    EXPECT_EQ(error_of("\n\n"), "Expecting value: line 3 column 1 (char 2)");
    EXPECT_EQ(error_of("["), "Expecting value: line 1 column 2 (char 1)");
    EXPECT_EQ(error_of("[1,]"), "Expecting value: line 1 column 4 (char 3)");
    EXPECT_EQ(error_of("]"), "Expecting value: line 1 column 1 (char 0)");
    EXPECT_EQ(error_of("nul"), "Expecting value: line 1 column 1 (char 0)");
    EXPECT_EQ(error_of("tru"), "Expecting value: line 1 column 1 (char 0)");
    EXPECT_EQ(error_of("-"), "Expecting value: line 1 column 1 (char 0)");
    EXPECT_EQ(error_of("[-]"), "Expecting value: line 1 column 2 (char 1)");
    EXPECT_EQ(error_of("{\"a\":}"), "Expecting value: line 1 column 6 (char 5)");
    EXPECT_EQ(error_of("[1,\n2,\n x]"), "Expecting value: line 3 column 2 (char 8)");
    EXPECT_EQ(error_of("\f1"), "Expecting value: line 1 column 1 (char 0)");  // \f is not JSON whitespace
    EXPECT_EQ(error_of("'a'"), "Expecting value: line 1 column 1 (char 0)");
}

TEST(JsonParse, ErrorsDelimiters) {
    EXPECT_EQ(error_of("[1"), "Expecting ',' delimiter: line 1 column 3 (char 2)");
    EXPECT_EQ(error_of("[1 2]"), "Expecting ',' delimiter: line 1 column 4 (char 3)");
    EXPECT_EQ(error_of("{\"a\":1"), "Expecting ',' delimiter: line 1 column 7 (char 6)");
    EXPECT_EQ(error_of("{\"a\":1 \"b\":2}"), "Expecting ',' delimiter: line 1 column 8 (char 7)");
    EXPECT_EQ(error_of("{\"a\""), "Expecting ':' delimiter: line 1 column 5 (char 4)");
    EXPECT_EQ(error_of("{\"a\" 1}"), "Expecting ':' delimiter: line 1 column 6 (char 5)");
    EXPECT_EQ(error_of("{"), "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)");
    EXPECT_EQ(error_of("{1:2}"),
              "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)");
    EXPECT_EQ(error_of("{\"a\":1,}"),
              "Expecting property name enclosed in double quotes: line 1 column 8 (char 7)");
    EXPECT_EQ(error_of("{'a':1}"),
              "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)");
}

TEST(JsonParse, ErrorsExtraData) {
    EXPECT_EQ(error_of("1 2"), "Extra data: line 1 column 3 (char 2)");
    EXPECT_EQ(error_of("[]]"), "Extra data: line 1 column 3 (char 2)");
    EXPECT_EQ(error_of("[1]\n\n  x"), "Extra data: line 3 column 3 (char 7)");
    // Numbers stop where Python's number pattern stops.
    EXPECT_EQ(error_of("01"), "Extra data: line 1 column 2 (char 1)");
    EXPECT_EQ(error_of("1."), "Extra data: line 1 column 2 (char 1)");
    EXPECT_EQ(error_of("1e"), "Extra data: line 1 column 2 (char 1)");
    EXPECT_EQ(error_of("1.5e+"), "Extra data: line 1 column 4 (char 3)");
}

TEST(JsonParse, ErrorPositionsCountCharactersNotBytes) {
    // "é" is two bytes but one character, as Python counts.
    EXPECT_EQ(error_of("\"\xC3\xA9\" x"), "Extra data: line 1 column 5 (char 4)");
    EXPECT_EQ(error_of("[\"\xF0\x9F\x98\x80\",\n \"\xC3\xA9\xC3\xA9\" x]"),
              "Expecting ',' delimiter: line 2 column 7 (char 12)");
}

TEST(JsonParse, ErrorsInStrings) {
    EXPECT_EQ(error_of("\"abc"), "Unterminated string starting at: line 1 column 1 (char 0)");
    EXPECT_EQ(error_of("[\"abc"), "Unterminated string starting at: line 1 column 2 (char 1)");
    EXPECT_EQ(error_of("\"\\"), "Unterminated string starting at: line 1 column 1 (char 0)");
    EXPECT_EQ(error_of("\"\\\""), "Unterminated string starting at: line 1 column 1 (char 0)");
    EXPECT_EQ(error_of("\"\\ud800\\\""), "Unterminated string starting at: line 1 column 1 (char 0)");
    EXPECT_EQ(error_of("\"\x01\""), "Invalid control character at: line 1 column 2 (char 1)");
    EXPECT_EQ(error_of("\"a\nb\""), "Invalid control character at: line 1 column 3 (char 2)");
    EXPECT_EQ(error_of("[\"a\x01"), "Invalid control character at: line 1 column 4 (char 3)");
    EXPECT_EQ(error_of("\"\\x\""), "Invalid \\escape: line 1 column 2 (char 1)");
    EXPECT_EQ(error_of("\"\\U0041\""), "Invalid \\escape: line 1 column 2 (char 1)");
    EXPECT_EQ(error_of("\"\\\xC3\xA9\""), "Invalid \\escape: line 1 column 2 (char 1)");
    EXPECT_EQ(error_of("\"\\ud800\\x\""), "Invalid \\escape: line 1 column 8 (char 7)");
}

TEST(JsonParse, ErrorsInUnicodeEscapes) {
    EXPECT_EQ(error_of(R"("\u12")"), "Invalid \\uXXXX escape: line 1 column 3 (char 2)");
    EXPECT_EQ(error_of(R"("\uzzzz")"), "Invalid \\uXXXX escape: line 1 column 3 (char 2)");
    EXPECT_EQ(error_of(R"("\u")"), "Invalid \\uXXXX escape: line 1 column 3 (char 2)");
    EXPECT_EQ(error_of(R"("\u+123")"), "Invalid \\uXXXX escape: line 1 column 3 (char 2)");
    // Python wants a character after the four digits, so this is not "Unterminated".
    EXPECT_EQ(error_of(R"("\u0041)"), "Invalid \\uXXXX escape: line 1 column 3 (char 2)");
    EXPECT_EQ(error_of(R"("\ud800\u12")"), "Invalid \\uXXXX escape: line 1 column 9 (char 8)");
    EXPECT_EQ(error_of(R"("\ud800\uzzzz")"), "Invalid \\uXXXX escape: line 1 column 9 (char 8)");
    EXPECT_EQ(error_of(R"("\ud800\udc00)"), "Invalid \\uXXXX escape: line 1 column 9 (char 8)");
}

TEST(JsonParse, ByteOrderMarkIsRefused) {
    EXPECT_EQ(error_of("\xEF\xBB\xBF{}"),
              "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)");
}

TEST(JsonParse, InvalidUtf8IsRefusedFirst) {
    // Python fails to decode the text before json sees it, so the codec error
    // wins even over a JSON error earlier in the text.
    EXPECT_EQ(
        error_of("[,\"\xFF\"]"),
        "'utf-8' codec can't decode byte 0xff in position 3: invalid start byte: line 1 column 4 (char 3)");
    EXPECT_EQ(
        error_of("\"\xC0\xAF\""),
        "'utf-8' codec can't decode byte 0xc0 in position 1: invalid start byte: line 1 column 2 (char 1)");
    EXPECT_EQ(error_of("\"\xE2\x82x\""),
              "'utf-8' codec can't decode bytes in position 1-2: invalid continuation byte: "
              "line 1 column 2 (char 1)");
    EXPECT_EQ(error_of("\"\xF4\x90\x80\x80\""),
              "'utf-8' codec can't decode byte 0xf4 in position 1: invalid continuation byte: "
              "line 1 column 2 (char 1)");
    EXPECT_EQ(
        error_of("a\xE2\x82"),
        "'utf-8' codec can't decode bytes in position 1-2: unexpected end of data: line 1 column 2 (char 1)");
    EXPECT_EQ(error_of("\xC3"),
              "'utf-8' codec can't decode byte 0xc3 in position 0: unexpected end of data: line 1 column 1 "
              "(char 0)");
}

TEST(JsonParse, ErrorCarriesItsParts) {
    try {
        (void)parse_json("{\n  \"a\": tru\n}");
        FAIL() << "expected a JsonSyntaxError";
    } catch (const JsonSyntaxError& e) {
        EXPECT_EQ(e.reason(), "Expecting value");
        EXPECT_EQ(e.line(), 2u);
        EXPECT_EQ(e.column(), 8u);
        EXPECT_EQ(e.offset(), 9u);
        EXPECT_STREQ(e.what(), "Expecting value: line 2 column 8 (char 9)");
    }
}

TEST(JsonParse, DeepNestingThrowsInsteadOfCrashing) {
    std::string deep(100000, '[');
    try {
        (void)parse_json(deep);
        FAIL() << "expected a JsonSyntaxError";
    } catch (const JsonSyntaxError& e) {
        EXPECT_EQ(e.reason(), "nesting too deep (more than 10000 levels)");
        EXPECT_EQ(e.offset(), 10000u);  // the bracket that opens level 10001
    }
    std::string objects;
    for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
    EXPECT_THROW((void)parse_json(objects), JsonSyntaxError);
}

TEST(JsonParse, NestingUpToTheLimitParses) {
    std::string text = std::string(5, '[') + std::string(5, ']');
    EXPECT_NO_THROW((void)parse_json(text, 5));
    EXPECT_THROW((void)parse_json("[" + text + "]", 5), JsonSyntaxError);
    std::string deep = std::string(10000, '[') + std::string(10000, ']');
    Value v = parse_json(deep);
    EXPECT_TRUE(v.is_list());
}

}  // namespace
}  // namespace smtrain
