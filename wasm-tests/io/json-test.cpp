// Tests for io/json: parsing (values, escapes, unicode, numbers, key order), building, printing,
// round trips, and that every kind of bad input gives kParseError with a line and column
// instead of a crash (including 100000 nested brackets).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <unistd.h>

#include "io/json.h"

namespace nn {
namespace {

JsonValue parse_ok(std::string_view text) {
  JsonValue v;
  Status status = parse_json(text, &v);
  INFO("input: ", std::string(text), "  message: ", status.message());
  CHECK(status.is_ok());
  return v;
}

// Returns the error message after checking the code, the line/column and that *out was reset.
std::string parse_fails(std::string_view text, int line, int column) {
  JsonValue v = JsonValue::make_array();
  Status status = parse_json(text, &v);
  INFO("input: ", std::string(text.substr(0, 80)), "  message: ", status.message());
  CHECK(status.code() == StatusCode::kParseError);
  CHECK(status.message().find(cat("JSON parse error at line ", line, ", column ", column, ": ")) == 0);
  CHECK(v.is_null());
  return status.message();
}

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("json: scalars") {
  CHECK(parse_ok("null").is_null());
  CHECK(parse_ok("true").as_bool() == true);
  CHECK(parse_ok("false").as_bool() == false);
  CHECK(parse_ok("  \t\r\n 7 \n").as_number() == 7);
  CHECK(parse_ok("\"hi\"").as_string() == "hi");
  CHECK(parse_ok("\"\"").as_string().empty());
  CHECK(parse_ok("\xEF\xBB\xBF{}").is_object());  // UTF-8 BOM skipped
  CHECK(parse_ok("true").type() == JsonValue::Type::kBool);
  CHECK(std::string(json_type_name(JsonValue::Type::kObject)) == "object");
}

TEST_CASE("json: numbers") {
  CHECK(parse_ok("0").as_number() == 0);
  CHECK(parse_ok("42").as_number() == 42);
  CHECK(parse_ok("-17").as_number() == -17);
  CHECK(parse_ok("3.25").as_number() == 3.25);
  CHECK(parse_ok("-0.5").as_number() == -0.5);
  CHECK(parse_ok("1e3").as_number() == 1000);
  CHECK(parse_ok("1E-2").as_number() == 0.01);
  CHECK(parse_ok("-2.5e+3").as_number() == -2500);
  CHECK(parse_ok("123456789012").as_number() == 123456789012.0);
  CHECK(parse_ok("0.1").as_number() == 0.1);
  CHECK(parse_ok("2.2250738585072014e-308").as_number() == 2.2250738585072014e-308);
  const double minus_zero = parse_ok("-0").as_number();
  CHECK(minus_zero == 0);
  CHECK(std::signbit(minus_zero));
  CHECK(std::isinf(parse_ok("1e999").as_number()));  // out of range: Infinity, as in Python

  // Python's json writes these for non-finite floats.
  CHECK(std::isnan(parse_ok("NaN").as_number()));
  CHECK(parse_ok("Infinity").as_number() == HUGE_VAL);
  CHECK(parse_ok("-Infinity").as_number() == -HUGE_VAL);
  const JsonValue list = parse_ok("[NaN,-Infinity,Infinity]");
  REQUIRE(list.size() == 3);
  CHECK(std::isnan(list[0].as_number()));
  CHECK(list[1].as_number() == -HUGE_VAL);
}

TEST_CASE("json: arrays and nesting") {
  const JsonValue v = parse_ok("[1, [2, [3, []]], {\"a\": [true, null]}, \"x\"]");
  REQUIRE(v.is_array());
  REQUIRE(v.size() == 4);
  CHECK(v[0].as_number() == 1);
  CHECK(v[1][0].as_number() == 2);
  CHECK(v[1][1][0].as_number() == 3);
  CHECK(v[1][1][1].is_array());
  CHECK(v[1][1][1].size() == 0);
  CHECK(v[2].find("a")->as_array().size() == 2);
  CHECK(v[2].find("a")->as_array()[0].as_bool());
  CHECK((*v[2].find("a"))[1].is_null());
  CHECK(v[3].as_string() == "x");
  CHECK(parse_ok("[]").size() == 0);
  CHECK(parse_ok("[ ]").is_array());
  CHECK(v[0].size() == 0);  // not a container

  // Exactly kMaxJsonDepth levels is fine.
  const std::string deep = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  CHECK(parse_ok(deep).is_array());
}

TEST_CASE("json: objects keep key order; find and find_mutable") {
  JsonValue v = parse_ok(R"({"zeta": 1, "alpha": {"inner": "x"}, "mid": [1, 2], "empty": {}})");
  REQUIRE(v.is_object());
  REQUIRE(v.size() == 4);
  const auto& members = v.as_object();
  CHECK(members[0].first == "zeta");
  CHECK(members[1].first == "alpha");
  CHECK(members[2].first == "mid");
  CHECK(members[3].first == "empty");
  CHECK(v.find("zeta")->as_number() == 1);
  CHECK(v.find("alpha")->find("inner")->as_string() == "x");
  CHECK(v.find("empty")->is_object());
  CHECK(v.find("empty")->size() == 0);
  CHECK(v.find("missing") == nullptr);
  CHECK(v.find("mid")->find("zeta") == nullptr);  // not an object
  CHECK(parse_ok("3").find("a") == nullptr);

  JsonValue* mid = v.find_mutable("mid");
  REQUIRE(mid != nullptr);
  mid->push_back(JsonValue::make_number(3));
  CHECK(v.find("mid")->size() == 3);
  CHECK(v.find_mutable("nope") == nullptr);

  // set() replaces in place (order kept) or appends.
  v.set("alpha", JsonValue::make_bool(false));
  v.set("new", JsonValue::make_string("n"));
  REQUIRE(v.size() == 5);
  CHECK(v.as_object()[1].first == "alpha");
  CHECK(v.as_object()[1].second.as_bool() == false);
  CHECK(v.as_object()[4].first == "new");

  // Duplicate keys: all kept in order, lookup gives the last (JSON.parse semantics).
  const JsonValue dup = parse_ok(R"({"a": 1, "a": 2})");
  CHECK(dup.size() == 2);
  CHECK(dup.find("a")->as_number() == 2);
}

TEST_CASE("json: string escapes") {
  CHECK(parse_ok(R"("a\"b\\c\/d")").as_string() == "a\"b\\c/d");
  CHECK(parse_ok(R"("\b\f\n\r\t")").as_string() == "\b\f\n\r\t");
  CHECK(parse_ok(R"("tab\there")").as_string() == "tab\there");
  CHECK(parse_ok(R"("\u0041\u0062")").as_string() == "Ab");
  const std::string nul = parse_ok(R"("x\u0000y")").as_string();
  CHECK(nul.size() == 3);
  CHECK(nul[1] == '\0');
  // Keys are unescaped too.
  CHECK(parse_ok(R"({"a\nb": 1})").find("a\nb") != nullptr);
}

TEST_CASE("json: unicode") {
  CHECK(parse_ok(R"("\u00e9")").as_string() == "\xC3\xA9");                                   // é, 2 bytes
  CHECK(parse_ok(R"("\u20AC")").as_string() == "\xE2\x82\xAC");                               // €, 3 bytes
  CHECK(parse_ok(R"("\ud83d\ude00")").as_string() == "\xF0\x9F\x98\x80");                     // U+1F600, surrogate pair
  CHECK(parse_ok(R"("\uD834\uDD1E")").as_string() == "\xF0\x9D\x84\x9E");                     // U+1D11E, upper-case hex
  CHECK(parse_ok("\"caf\xC3\xA9 \xE2\x82\xAC\"").as_string() == "caf\xC3\xA9 \xE2\x82\xAC");  // raw UTF-8
  // Lone surrogates become U+FFFD rather than an error.
  CHECK(parse_ok(R"("\ud83dx")").as_string() == "\xEF\xBF\xBDx");
  CHECK(parse_ok(R"("\ude00")").as_string() == "\xEF\xBF\xBD");
  CHECK(parse_ok(R"("\ud83d\u0041")").as_string() ==
        "\xEF\xBF\xBD"
        "A");
}

TEST_CASE("json: to_json and json_quote") {
  CHECK(json_quote("plain") == "\"plain\"");
  CHECK(json_quote("a\"b\\c\n\t\x01") == R"("a\"b\\c\n\t\u0001")");
  CHECK(json_quote("\xC3\xA9") == "\"\xC3\xA9\"");  // UTF-8 passes through

  CHECK(to_json(JsonValue()) == "null");
  CHECK(to_json(JsonValue::make_bool(true)) == "true");
  CHECK(to_json(JsonValue::make_number(32)) == "32");
  CHECK(to_json(JsonValue::make_number(-7)) == "-7");
  CHECK(to_json(JsonValue::make_number(0.1)) == "0.1");
  CHECK(to_json(JsonValue::make_number(0.001)) == "0.001");
  CHECK(to_json(JsonValue::make_number(1.0 / 3.0)) == "0.3333333333333333");
  CHECK(to_json(JsonValue::make_number(-0.0)) == "-0");
  CHECK(to_json(JsonValue::make_number(1e20)) == "1e+20");
  CHECK(to_json(JsonValue::make_number(9007199254740991.0)) == "9007199254740991");
  CHECK(to_json(JsonValue::make_number(std::nan(""))) == "NaN");
  CHECK(to_json(JsonValue::make_number(HUGE_VAL)) == "Infinity");
  CHECK(to_json(JsonValue::make_number(-HUGE_VAL)) == "-Infinity");

  JsonValue model = JsonValue::make_object();
  model.set("name", JsonValue::make_string("conv"));
  JsonValue shape = JsonValue::make_array();
  shape.push_back(JsonValue());
  shape.push_back(JsonValue::make_number(28));
  shape.push_back(JsonValue::make_number(1));
  model.set("shape", shape);
  JsonValue layers = JsonValue::make_array();
  layers.push_back(JsonValue::make_object());
  JsonValue layer = JsonValue::make_object();
  layer.set("units", JsonValue::make_number(10));
  layers.push_back(layer);
  model.set("layers", layers);
  model.set("empty", JsonValue::make_array());

  CHECK(to_json(model) == R"({"name":"conv","shape":[null,28,1],"layers":[{},{"units":10}],"empty":[]})");
  CHECK(to_json(model, 2) ==
        "{\n"
        "  \"name\": \"conv\",\n"
        "  \"shape\": [null, 28, 1],\n"
        "  \"layers\": [\n"
        "    {},\n"
        "    {\n"
        "      \"units\": 10\n"
        "    }\n"
        "  ],\n"
        "  \"empty\": []\n"
        "}");
  CHECK(to_json(JsonValue::make_object(), 2) == "{}");
}

TEST_CASE("json: round trip parse -> to_json -> parse") {
  const char* text = R"({
    "format": "layers-model",
    "modelTopology": {"class_name": "Sequential", "config": {"name": "seq", "layers": [
      {"class_name": "Conv2D", "config": {"filters": 8, "kernel_size": [3, 3], "strides": [1, 1],
       "batch_input_shape": [null, 28, 28, 1], "use_bias": true, "rate": 0.25, "eps": 1e-7,
       "momentum": 0.99, "big": -1.5e300, "tiny": 4.9406564584124654e-324, "name": "c\u00e9\n\"q\""}}]}},
    "nonfinite": [NaN, Infinity, -Infinity, -0],
    "weightsManifest": [{"paths": ["group1-shard1of1.bin"], "weights": []}]
  })";
  const JsonValue first = parse_ok(text);
  for (int indent : {-1, 0, 2, 4}) {
    const std::string printed = to_json(first, indent);
    const JsonValue second = parse_ok(printed);
    CHECK(to_json(second, indent) == printed);
    CHECK(to_json(second) == to_json(first));
  }
  const JsonValue& config = (*first.find("modelTopology")->find("config")->find("layers"))[0].as_object()[1].second;
  CHECK(config.find("eps")->as_number() == 1e-7);
  CHECK(config.find("tiny")->as_number() == 4.9406564584124654e-324);
  const JsonValue again = parse_ok(to_json(first));
  const JsonValue& config2 = (*again.find("modelTopology")->find("config")->find("layers"))[0].as_object()[1].second;
  for (const char* key : {"rate", "eps", "momentum", "big", "tiny"}) {
    CHECK(config2.find(key)->as_number() == config.find(key)->as_number());
  }
  CHECK(config2.find("name")->as_string() == "c\xC3\xA9\n\"q\"");
  CHECK(std::isnan((*again.find("nonfinite"))[0].as_number()));
  CHECK(std::signbit((*again.find("nonfinite"))[3].as_number()));
}

TEST_CASE("json: errors give kParseError with line and column") {
  CHECK(contains(parse_fails("", 1, 1), "empty input"));
  CHECK(contains(parse_fails("  \n   ", 2, 4), "empty input"));
  // Truncated input.
  CHECK(contains(parse_fails("[1, 2", 1, 6), "expected ',' or ']' after array element, found end of input"));
  CHECK(contains(parse_fails("{\"a\": 1", 1, 8), "expected ',' or '}' after object member, found end of input"));
  CHECK(contains(parse_fails("{\"a\":", 1, 6), "expected a value, found end of input"));
  CHECK(contains(parse_fails("[", 1, 2), "expected a value, found end of input"));
  CHECK(contains(parse_fails("{", 1, 2), "expected a string key, found end of input"));
  CHECK(contains(parse_fails("tr", 1, 1), "invalid literal 'tr'"));
  // Structure.
  CHECK(contains(parse_fails("{\"a\" 1}", 1, 6), "expected ':' after object key, found '1'"));
  CHECK(contains(parse_fails("[1,2,]", 1, 6), "trailing comma before ']'"));
  CHECK(contains(parse_fails("{\"a\":1,}", 1, 8), "trailing comma before '}'"));
  CHECK(contains(parse_fails("{1: 2}", 1, 2), "expected a string key, found '1'"));
  CHECK(contains(parse_fails("[1 2]", 1, 4), "expected ',' or ']' after array element, found '2'"));
  CHECK(contains(parse_fails("[1,,2]", 1, 4), "expected a value, found ','"));
  CHECK(contains(parse_fails("{\n  \"a\": 1,\n  \"b\": 2\n  \"c\": 3\n}", 4, 3),
                 "expected ',' or '}' after object member, found '\"'"));
  // Trailing garbage.
  CHECK(contains(parse_fails("[1] x", 1, 5), "unexpected trailing characters after the JSON value, found 'x'"));
  CHECK(contains(parse_fails("{}{}", 1, 3), "trailing characters"));
  CHECK(contains(parse_fails("truex", 1, 5), "trailing characters"));
  // Strings.
  CHECK(contains(parse_fails(R"("a\qb")", 1, 3), R"(invalid escape '\' followed by 'q')"));
  CHECK(contains(parse_fails(R"("\u12G4")", 1, 2), R"(invalid \u escape: expected 4 hex digits)"));
  CHECK(contains(parse_fails(R"("\u12)", 1, 2), R"(invalid \u escape)"));
  CHECK(contains(parse_fails(R"(["abc)", 1, 2), "unterminated string"));
  CHECK(contains(parse_fails(R"("abc\)", 1, 1), "unterminated string"));
  CHECK(contains(parse_fails("\"ab\ncd\"", 1, 4), "unescaped control character byte 0x0A in string"));
  // Numbers and literals.
  CHECK(contains(parse_fails("01", 1, 1), "leading zeros"));
  CHECK(contains(parse_fails("-", 1, 2), "expected a digit after '-', found end of input"));
  CHECK(contains(parse_fails("-x", 1, 2), "expected a digit after '-', found 'x'"));
  CHECK(contains(parse_fails("1.", 1, 3), "expected a digit after '.'"));
  CHECK(contains(parse_fails("1.e5", 1, 3), "expected a digit after '.'"));
  CHECK(contains(parse_fails("1e+", 1, 4), "expected a digit in the exponent"));
  CHECK(contains(parse_fails("+1", 1, 1), "expected a value, found '+'"));
  CHECK(contains(parse_fails(".5", 1, 1), "expected a value, found '.'"));
  CHECK(contains(parse_fails("[nul]", 1, 2), "invalid literal 'nul'"));
  CHECK(contains(parse_fails("nan", 1, 1), "invalid literal 'nan'"));
  CHECK(contains(parse_fails("'a'", 1, 1), "expected a value, found '''"));
  CHECK(contains(parse_fails(std::string_view("\x01", 1), 1, 1), "found byte 0x01"));
  CHECK(contains(parse_fails(std::string_view("[1]\0", 4), 1, 4), "found byte 0x00"));
}

TEST_CASE("json: deep nesting is an error, not a crash") {
  CHECK(contains(parse_fails(std::string(100000, '['), 1, kMaxJsonDepth + 1), "nesting deeper than 512 levels"));
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
  CHECK(contains(parse_fails(objects, 1, 5 * kMaxJsonDepth + 1), "nesting deeper than 512 levels"));
  std::string mixed;
  for (int i = 0; i < 50000; ++i) mixed += "[{\"k\":";
  CHECK(contains(parse_fails(mixed, 1, 3 * kMaxJsonDepth + 1), "nesting deeper"));
  const std::string one_too_deep = std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']');
  CHECK(contains(parse_fails(one_too_deep, 1, kMaxJsonDepth + 1), "nesting deeper"));
}

TEST_CASE("json: read_json_file") {
  JsonValue v = JsonValue::make_array();
  const std::string missing = "/nonexistent-dir/no-such-model.json";
  Status status = read_json_file(missing, &v);
  CHECK(status.code() == StatusCode::kParseError);
  CHECK(contains(status.message(), missing));
  CHECK(v.is_null());

  // A per-process, per-variant name so that parallel test runs do not collide.
#if defined(__EMSCRIPTEN_PTHREADS__)
  const char* variant = "wasm-mt";
#elif defined(__EMSCRIPTEN__)
  const char* variant = "wasm-st";
#else
  const char* variant = "native";
#endif
  const std::string path = cat("/tmp/nn-json-test-", variant, "-", static_cast<long>(getpid()), ".json");
  std::FILE* file = std::fopen(path.c_str(), "wb");
  REQUIRE(file != nullptr);
  std::fputs("{\"format\": \"layers-model\",\n \"n\": [1, 2,]}", file);
  std::fclose(file);
  status = read_json_file(path, &v);
  CHECK(status.code() == StatusCode::kParseError);
  CHECK(status.message() == path + ": JSON parse error at line 2, column 13: trailing comma before ']'");

  file = std::fopen(path.c_str(), "wb");
  REQUIRE(file != nullptr);
  std::fputs("{\"format\": \"layers-model\", \"n\": [1, 2]}\n", file);
  std::fclose(file);
  status = read_json_file(path, &v);
  CHECK(status.is_ok());
  CHECK(v.find("format")->as_string() == "layers-model");
  CHECK(v.find("n")->size() == 2);
  std::remove(path.c_str());

  // A directory opens but cannot be read.
  status = read_json_file("/tmp", &v);
  CHECK(status.code() == StatusCode::kParseError);
  CHECK(contains(status.message(), "'/tmp'"));
}

TEST_CASE("JSON nodes are one word of payload; copies are deep and moves leave null (issue 12)") {
  // The DOM of a large model.json is mostly nodes: at 56 (wasm32) or 96 (native) bytes a node,
  // a 56 MB file of numbers grew the wasm heap by ~980 MiB.
  CHECK(sizeof(JsonValue) <= 16);
  JsonValue v;
  REQUIRE(parse_json(R"({"a": [1, "two", {"b": null}], "c": true})", &v).is_ok());
  JsonValue copy = v;
  JsonValue& inner = *copy.find_mutable("a");
  inner.push_back(JsonValue::make_number(4));
  CHECK(copy.find("a")->size() == 4);
  CHECK(v.find("a")->size() == 3);  // the copy is deep
  JsonValue moved = std::move(copy);
  CHECK(copy.is_null());
  CHECK(to_json(moved) == R"({"a":[1,"two",{"b":null},4],"c":true})");
  moved = v;  // copy-assign over a container
  CHECK(to_json(moved) == to_json(v));
  moved = JsonValue::make_string("s");
  CHECK(moved.as_string() == "s");
}

}  // namespace nn
