// JSON: a small DOM reader/writer for TensorFlow.js model.json files and for printing summaries.
// Parsing never throws or crashes on bad input: errors come back as kParseError with a line and
// column. Objects keep their keys in text order. Accepts NaN/Infinity/-Infinity (Python writes them).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace nn {

// Deeper nesting is a parse error. The parser itself does not recurse, but code that walks the
// tree does (the destructor, to_json, loaders), and bad input must not overflow the stack.
constexpr int kMaxJsonDepth = 512;

class JsonValue {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

  JsonValue() = default;  // null
  ~JsonValue();
  JsonValue(const JsonValue& other);
  JsonValue(JsonValue&& other) noexcept : type_(other.type_), payload_(other.payload_) { other.forget(); }
  JsonValue& operator=(JsonValue other) noexcept;  // copy or move, then swap
  static JsonValue make_bool(bool b);
  static JsonValue make_number(double x);
  static JsonValue make_string(std::string s);
  static JsonValue make_array();
  static JsonValue make_object();

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  // Wrong type is a caller bug (check is_*() first): NN_ASSERT.
  bool as_bool() const;
  double as_number() const;
  const std::string& as_string() const;
  const std::vector<JsonValue>& as_array() const;
  const std::vector<std::pair<std::string, JsonValue>>& as_object() const;  // text order

  // nullptr when not an object or the key is missing. With duplicate keys the last one wins,
  // as in JavaScript's JSON.parse and Python's json.
  const JsonValue* find(std::string_view key) const;
  JsonValue* find_mutable(std::string_view key);
  size_t size() const;                          // array/object element count, else 0
  const JsonValue& operator[](size_t i) const;  // array element, NN_ASSERT in range

  // Building (writers, tests).
  void push_back(JsonValue v);             // array
  void set(std::string key, JsonValue v);  // object: replaces the value if the key exists

 private:
  friend class JsonParser;
  using Array = std::vector<JsonValue>;
  using Object = std::vector<std::pair<std::string, JsonValue>>;

  void forget() {
    type_ = Type::kNull;
    payload_.number = 0.0;
  }  // after a move: owns nothing

  // One word of payload: scalars inline, strings and containers behind a pointer the node
  // owns. A node is 16 bytes instead of 56 (wasm32) or 96 (native) with a member per type,
  // which is what a large model.json's DOM costs (issue 12 defect 11).
  union Payload {
    bool boolean;
    double number;
    std::string* string;
    Array* array;
    Object* object;
  };
  Type type_ = Type::kNull;
  Payload payload_ = {.number = 0.0};
};

// "null", "bool", "number", "string", "array", "object": for messages such as
// "'filters' is a string: expected a number".
const char* json_type_name(JsonValue::Type type);

// Parses RFC 8259 JSON (a leading UTF-8 BOM is skipped). On error returns kParseError with
// "JSON parse error at line L, column C: ..." (column counts bytes, from 1); *out is then null.
Status parse_json(std::string_view text, JsonValue* out);
// Reads and parses a file; the path is in every error message.
Status read_json_file(const std::string& path, JsonValue* out);

// indent < 0: compact ({"a":[1,2]}). indent >= 0: one member per line; arrays holding no
// arrays/objects stay on one line ("shape": [null, 28, 28, 1]). Numbers use the shortest
// form that round-trips (integers as 32, not 32.0); NaN/Infinity/-Infinity as those tokens.
std::string to_json(const JsonValue& v, int indent = -1);
// "\"...\"" with ", \ and control characters escaped; other bytes (UTF-8) pass through.
std::string json_quote(std::string_view s);

}  // namespace nn
