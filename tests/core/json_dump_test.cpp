// SPDX-License-Identifier: Apache-2.0
// dump_json against Python 3.11's
// json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
// and json.dumps(v, indent=N). Expected texts written by hand, checked with python3.
#include "lib/json.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace smtrain {
namespace {

std::string pretty(const Value& v, int indent, bool sort_keys = false) {
    JsonDumpOptions options;
    options.indent = indent;
    options.sort_keys = sort_keys;
    return dump_json(v, options);
}

TEST(JsonDump, Scalars) {
    EXPECT_EQ(dump_json(Value()), "null");
    EXPECT_EQ(dump_json(Value(true)), "true");
    EXPECT_EQ(dump_json(Value(false)), "false");
    EXPECT_EQ(dump_json(Value(0)), "0");
    EXPECT_EQ(dump_json(Value(-42)), "-42");
    EXPECT_EQ(dump_json(Value::integer("123456789012345678901234567890")), "123456789012345678901234567890");
    EXPECT_EQ(dump_json(Value("train.py")), "\"train.py\"");
    EXPECT_EQ(dump_json(Value("")), "\"\"");
}

TEST(JsonDump, SpacedIsJsonDumpsDefaultSeparators) {
    // json.dumps({"b": [1, 2], "a": {"x": None}}) in Python: insertion order, ", " and ": ".
    const Value v(Value::Dict{{"b", Value(Value::List{Value(1), Value(2)})},
                              {"a", Value(Value::Dict{{"x", Value()}})}});
    EXPECT_EQ(dump_json(v, JsonDumpOptions{.sort_keys = false, .indent = -1, .spaced = true}),
              R"({"b": [1, 2], "a": {"x": null}})");
    // With an indent, spaced changes nothing: json.dumps(indent=N) uses (",", ": ").
    EXPECT_EQ(dump_json(v, JsonDumpOptions{.sort_keys = false, .indent = 0, .spaced = true}), pretty(v, 0));
}

TEST(JsonDump, EveryAsciiEscape) {
    std::string s = "\"\\\n\r\t\b\f";
    s += '\0';
    s += "\x01\x1f\x7f /";
    EXPECT_EQ(dump_json(Value(s)), R"("\"\\\n\r\t\b\f\u0000\u0001\u001f\u007f /")");
}

TEST(JsonDump, NonAsciiAsLowercaseEscapes) {
    // 'é€😀' + '\ud800\udfff' (lone surrogates) + '\uffff'
    EXPECT_EQ(dump_json(Value("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xED\xA0\x80\xED\xBF\xBF\xEF\xBF\xBF")),
              R"("\u00e9\u20ac\ud83d\ude00\ud800\udfff\uffff")");
    EXPECT_EQ(dump_json(Value("stra\xC3\x9F"
                              "e")),
              R"("stra\u00dfe")");
}

TEST(JsonDump, InvalidBytesShowAsSurrogateEscapes) {
    // What Python holds for undecodable bytes (surrogateescape, e.g. in os.environ).
    EXPECT_EQ(dump_json(Value("a\xFF"
                              "b\xC3")),
              R"("a\udcffb\udcc3")");
}

TEST(JsonDump, ParsedSurrogatesRoundTrip) {
    EXPECT_EQ(dump_json(parse_json(R"(["\ud800","\udc00\ud800","\ud83d\ude00"])")),
              R"(["\ud800","\udc00\ud800","\ud83d\ude00"])");
}

TEST(JsonDump, FloatsAsPythonRepr) {
    EXPECT_EQ(dump_json(Value(0.1)), "0.1");
    EXPECT_EQ(dump_json(Value(1e-05)), "1e-05");
    EXPECT_EQ(dump_json(Value(1e16)), "1e+16");
    EXPECT_EQ(dump_json(Value(1e15)), "1000000000000000.0");
    EXPECT_EQ(dump_json(Value(100.0)), "100.0");
    EXPECT_EQ(dump_json(Value(1e22)), "1e+22");
    EXPECT_EQ(dump_json(Value(5e-324)), "5e-324");
    EXPECT_EQ(dump_json(Value(1.7976931348623157e308)), "1.7976931348623157e+308");
    EXPECT_EQ(dump_json(Value(-0.0)), "-0.0");
}

TEST(JsonDump, NanAndInfinitySpelledAsPython) {
    const double inf = std::numeric_limits<double>::infinity();
    Value v(Value::List{Value(std::numeric_limits<double>::quiet_NaN()), Value(inf), Value(-inf)});
    EXPECT_EQ(dump_json(v), "[NaN,Infinity,-Infinity]");
}

TEST(JsonDump, KeysSortedByCodePoint) {
    Value::Dict d;
    d.emplace_back("b", 1);
    d.emplace_back("a", 2);
    d.emplace_back("\xC3\xA9", 3);  // é U+00E9
    d.emplace_back("z", 4);
    d.emplace_back("\xF0\x9F\x98\x80", 5);  // 😀 U+1F600
    d.emplace_back("\xEF\xBF\xBF", 6);      // U+FFFF
    d.emplace_back("A", 7);
    d.emplace_back("", 8);
    d.emplace_back("lr-rate", 9);
    d.emplace_back("lr_rate", 10);
    EXPECT_EQ(
        dump_json(Value(d)),
        R"({"":8,"A":7,"a":2,"b":1,"lr-rate":9,"lr_rate":10,"z":4,"\u00e9":3,"\uffff":6,"\ud83d\ude00":5})");
}

TEST(JsonDump, LoneSurrogateKeysSortBetweenBmpAndAstral) {
    // Python: sorted(['\ue000', '\ud800', '\ud7ff', '😀']) == ['\ud7ff', '\ud800', '\ue000', '😀']
    Value v = parse_json(R"({"\ue000":1,"\ud800":2,"\ud7ff":3,"\ud83d\ude00":4})");
    EXPECT_EQ(dump_json(v), R"({"\ud7ff":3,"\ud800":2,"\ue000":1,"\ud83d\ude00":4})");
}

TEST(JsonDump, UnsortedKeepsInsertionOrder) {
    JsonDumpOptions options;
    options.sort_keys = false;
    EXPECT_EQ(dump_json(parse_json(R"({"b":1,"a":[2,{"d":3,"c":4}]})"), options),
              R"({"b":1,"a":[2,{"d":3,"c":4}]})");
    EXPECT_EQ(dump_json(parse_json(R"({"b":1,"a":[2,{"d":3,"c":4}]})")), R"({"a":[2,{"c":4,"d":3}],"b":1})");
}

TEST(JsonDump, EmptyContainers) {
    EXPECT_EQ(dump_json(parse_json("[[],{},[[]],{\"a\":{}}]")), R"([[],{},[[]],{"a":{}}])");
    EXPECT_EQ(pretty(Value::list(), 4), "[]");
    EXPECT_EQ(pretty(Value::dict(), 4), "{}");
}

TEST(JsonDump, IndentedAsPython) {
    Value v = parse_json(R"({"b":[1,{},[]],"a":{},"c":{"x":"\u00e9"}})");
    EXPECT_EQ(pretty(v, 4),
              "{\n"
              "    \"b\": [\n"
              "        1,\n"
              "        {},\n"
              "        []\n"
              "    ],\n"
              "    \"a\": {},\n"
              "    \"c\": {\n"
              "        \"x\": \"\\u00e9\"\n"
              "    }\n"
              "}");
    Value w = parse_json(R"({"b":[1,2],"a":null})");
    EXPECT_EQ(pretty(w, 2), "{\n  \"b\": [\n    1,\n    2\n  ],\n  \"a\": null\n}");
    EXPECT_EQ(pretty(w, 0), "{\n\"b\": [\n1,\n2\n],\n\"a\": null\n}");
    EXPECT_EQ(pretty(w, 2, true), "{\n  \"a\": null,\n  \"b\": [\n    1,\n    2\n  ]\n}");
}

TEST(JsonDump, RoundTripsAParsedDocument) {
    const std::string text =
        R"({"a":[1,-2,0.5,1e-07,true,false,null,"x\"y"],"b":{"c":123456789012345678901234567890,"d":NaN}})";
    EXPECT_EQ(dump_json(parse_json(text)), text);
}

}  // namespace
}  // namespace smtrain

namespace smtrain {
namespace {

TEST(JsonDump, DeepestParsableValueRenders) {
    // Whatever parse_json accepts (10,000 levels by default) must also render.
    std::string deep = std::string(10000, '[') + std::string(10000, ']');
    Value v = parse_json(deep);
    EXPECT_EQ(dump_json(v), deep);
    JsonDumpOptions options;
    options.indent = 0;
    EXPECT_EQ(dump_json(v, options).size(),
              deep.size() + 9999 * 2);  // "[\n" ... "\n]" around each inner level
}

}  // namespace
}  // namespace smtrain
