// JSON reader/writer: an iterative parser (explicit stack, depth bounded by kMaxJsonDepth) and
// a printer whose numbers round-trip. No exceptions: every parse failure becomes a kParseError Status
// that names the line and column of the offending byte.
#include "io/json.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace nn {

// ---- JsonValue ----

JsonValue::~JsonValue() {
  switch (type_) {
    case Type::kString:
      delete payload_.string;
      break;
    case Type::kArray:
      delete payload_.array;
      break;
    case Type::kObject:
      delete payload_.object;
      break;
    default:
      break;
  }
}

JsonValue::JsonValue(const JsonValue& other) : type_(other.type_), payload_(other.payload_) {
  switch (type_) {
    case Type::kString:
      payload_.string = new std::string(*other.payload_.string);
      break;
    case Type::kArray:
      payload_.array = new Array(*other.payload_.array);
      break;
    case Type::kObject:
      payload_.object = new Object(*other.payload_.object);
      break;
    default:
      break;
  }
}

JsonValue& JsonValue::operator=(JsonValue other) noexcept {
  std::swap(type_, other.type_);
  std::swap(payload_, other.payload_);
  return *this;
}

JsonValue JsonValue::make_bool(bool b) {
  JsonValue v;
  v.type_ = Type::kBool;
  v.payload_.boolean = b;
  return v;
}

JsonValue JsonValue::make_number(double x) {
  JsonValue v;
  v.type_ = Type::kNumber;
  v.payload_.number = x;
  return v;
}

JsonValue JsonValue::make_string(std::string s) {
  JsonValue v;
  v.type_ = Type::kString;
  v.payload_.string = new std::string(std::move(s));
  return v;
}

JsonValue JsonValue::make_array() {
  JsonValue v;
  v.type_ = Type::kArray;
  v.payload_.array = new Array();
  return v;
}

JsonValue JsonValue::make_object() {
  JsonValue v;
  v.type_ = Type::kObject;
  v.payload_.object = new Object();
  return v;
}

bool JsonValue::as_bool() const {
  NN_ASSERT(is_bool());
  return payload_.boolean;
}

double JsonValue::as_number() const {
  NN_ASSERT(is_number());
  return payload_.number;
}

const std::string& JsonValue::as_string() const {
  NN_ASSERT(is_string());
  return *payload_.string;
}

const std::vector<JsonValue>& JsonValue::as_array() const {
  NN_ASSERT(is_array());
  return *payload_.array;
}

const std::vector<std::pair<std::string, JsonValue>>& JsonValue::as_object() const {
  NN_ASSERT(is_object());
  return *payload_.object;
}

const JsonValue* JsonValue::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  // From the back, so that with duplicate keys the last one wins (as in JSON.parse).
  const Object& members = *payload_.object;
  for (size_t i = members.size(); i-- > 0;) {
    if (members[i].first == key) return &members[i].second;
  }
  return nullptr;
}

JsonValue* JsonValue::find_mutable(std::string_view key) {
  return const_cast<JsonValue*>(static_cast<const JsonValue*>(this)->find(key));
}

size_t JsonValue::size() const {
  if (is_array()) return payload_.array->size();
  if (is_object()) return payload_.object->size();
  return 0;
}

const JsonValue& JsonValue::operator[](size_t i) const {
  NN_ASSERT(is_array() && i < payload_.array->size());
  return (*payload_.array)[i];
}

void JsonValue::push_back(JsonValue v) {
  NN_ASSERT(is_array());
  payload_.array->push_back(std::move(v));
}

void JsonValue::set(std::string key, JsonValue v) {
  NN_ASSERT(is_object());
  if (JsonValue* existing = find_mutable(key)) {
    *existing = std::move(v);
    return;
  }
  payload_.object->emplace_back(std::move(key), std::move(v));
}

const char* json_type_name(JsonValue::Type type) {
  switch (type) {
    case JsonValue::Type::kNull:
      return "null";
    case JsonValue::Type::kBool:
      return "bool";
    case JsonValue::Type::kNumber:
      return "number";
    case JsonValue::Type::kString:
      return "string";
    case JsonValue::Type::kArray:
      return "array";
    case JsonValue::Type::kObject:
      return "object";
  }
  return "unknown";
}

// ---- Parser ----

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "'x'" for printable ASCII, "byte 0x0A" otherwise, so messages stay one readable line.
std::string describe_byte(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return cat("'", c, "'");
  char buf[16];
  std::snprintf(buf, sizeof buf, "byte 0x%02X", static_cast<unsigned>(u));
  return buf;
}

void append_utf8(std::string* out, unsigned cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

// A friend of JsonValue so that it can parse straight into the parent's vectors (no copies).
// Each step returns false (begin_element: nullptr) after recording the error; callers just
// propagate it.
class JsonParser {
 public:
  explicit JsonParser(std::string_view text) : text_(text) {}

  Status parse(JsonValue* out) {
    JsonValue result;
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;  // UTF-8 BOM (some Windows tools write it)
    skip_whitespace();
    bool ok = false;
    if (at_end()) {
      fail(pos_, "empty input: expected a JSON value");
    } else if (parse_document(&result)) {
      skip_whitespace();
      if (at_end())
        ok = true;
      else
        fail(pos_, cat("unexpected trailing characters after the JSON value", found()));
    }
    if (!ok) {
      *out = JsonValue();
      return error_status();
    }
    *out = std::move(result);
    return Status::ok();
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  // '\0' at the end, which matches none of the bytes the parser looks for (an embedded NUL
  // byte fails the same comparisons), so callers need no separate end check.
  char peek() const { return at_end() ? '\0' : text_[pos_]; }

  void skip_whitespace() {
    while (!at_end()) {
      const char c = text_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
      ++pos_;
    }
  }

  // ", found 'x'" / ", found end of input": says what was there instead.
  std::string found() const {
    if (at_end()) return ", found end of input";
    return cat(", found ", describe_byte(text_[pos_]));
  }

  bool fail(size_t pos, std::string message) {
    error_pos_ = pos;
    error_ = std::move(message);
    return false;
  }

  Status error_status() const {
    // Line and column are only needed on failure, so count them here instead of while parsing.
    size_t line = 1, column = 1;
    const size_t end = error_pos_ < text_.size() ? error_pos_ : text_.size();
    for (size_t i = 0; i < end; ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return parse_error("JSON parse error at line ", line, ", column ", column, ": ", error_);
  }

  // Iterative, with the open arrays/objects on an explicit stack: native stack use stays
  // constant whatever the input, so it is safe on small thread stacks too.
  bool parse_document(JsonValue* root) {
    std::vector<JsonValue*> open;  // innermost last
    JsonValue* slot = root;        // where the next value goes
    for (;;) {
      // One value into *slot. A container is only opened here; its elements come in later turns.
      skip_whitespace();
      const char c = peek();
      if (c == '[' || c == '{') {
        if (open.size() >= static_cast<size_t>(kMaxJsonDepth)) {
          return fail(pos_, cat("nesting deeper than ", kMaxJsonDepth, " levels"));
        }
        ++pos_;
        *slot = c == '[' ? JsonValue::make_array() : JsonValue::make_object();
        skip_whitespace();
        if (peek() != (c == '[' ? ']' : '}')) {
          open.push_back(slot);
          slot = begin_element(slot);
          if (slot == nullptr) return false;
          continue;
        }
        ++pos_;  // empty: already complete
      } else if (!parse_scalar(slot)) {
        return false;
      }
      // The value is complete: close the containers it finishes, then start the next element.
      for (;;) {
        if (open.empty()) return true;
        const bool in_array = open.back()->is_array();
        const char closer = in_array ? ']' : '}';
        skip_whitespace();
        if (peek() == closer) {
          ++pos_;
          open.pop_back();
          continue;
        }
        if (peek() != ',') {
          return fail(pos_, cat(in_array ? "expected ',' or ']' after array element"
                                         : "expected ',' or '}' after object member",
                                found()));
        }
        ++pos_;
        skip_whitespace();
        if (peek() == closer) return fail(pos_, cat("trailing comma before '", closer, "'"));
        break;
      }
      slot = begin_element(open.back());
      if (slot == nullptr) return false;
    }
  }

  // Appends an empty element to `container` and returns it; for an object, first reads the
  // `"key":` in front of it. nullptr after an error. The element's address stays valid while
  // it is being filled: only the innermost open container ever grows.
  JsonValue* begin_element(JsonValue* container) {
    if (container->is_array()) {
      container->payload_.array->emplace_back();
      return &container->payload_.array->back();
    }
    skip_whitespace();
    if (peek() != '"') {
      fail(pos_, cat("expected a string key", found()));
      return nullptr;
    }
    std::string key;
    if (!parse_string(&key)) return nullptr;
    skip_whitespace();
    if (peek() != ':') {
      fail(pos_, cat("expected ':' after object key", found()));
      return nullptr;
    }
    ++pos_;
    container->payload_.object->emplace_back(std::move(key), JsonValue());
    return &container->payload_.object->back().second;
  }

  // Strings, numbers and literals (everything but arrays and objects).
  bool parse_scalar(JsonValue* out) {
    if (at_end()) return fail(pos_, "expected a value, found end of input");
    const char c = text_[pos_];
    if (c == '"') {
      *out = JsonValue::make_string("");
      return parse_string(out->payload_.string);
    }
    if (c == '-' || is_digit(c)) return parse_number(out);
    return parse_literal(out);
  }

  // Reads 4 hex digits at `at` (not moving pos_).
  bool read_hex4(size_t at, unsigned* out) const {
    if (at + 4 > text_.size()) return false;
    unsigned value = 0;
    for (size_t i = 0; i < 4; ++i) {
      const int h = hex_value(text_[at + i]);
      if (h < 0) return false;
      value = value * 16 + static_cast<unsigned>(h);
    }
    *out = value;
    return true;
  }

  bool parse_string(std::string* out) {
    const size_t start = pos_;
    ++pos_;  // '"'
    for (;;) {
      // Copy a run of ordinary bytes at once: most strings have no escapes.
      size_t run = pos_;
      while (run < text_.size()) {
        const char c = text_[run];
        if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) break;
        ++run;
      }
      out->append(text_.data() + pos_, run - pos_);
      pos_ = run;
      // Reported where the string starts: that is where the missing quote belongs.
      if (at_end()) return fail(start, "unterminated string");
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c != '\\') return fail(pos_, cat("unescaped control character ", describe_byte(c), " in string"));
      if (pos_ + 1 >= text_.size()) return fail(start, "unterminated string");
      const char e = text_[pos_ + 1];
      switch (e) {
        case '"':
          out->push_back('"');
          break;
        case '\\':
          out->push_back('\\');
          break;
        case '/':
          out->push_back('/');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u':
          if (!parse_unicode_escape(out)) return false;
          continue;
        default:
          return fail(pos_, cat("invalid escape '\\' followed by ", describe_byte(e), " in string"));
      }
      pos_ += 2;
    }
  }

  // At "\uXXXX"; joins a surrogate pair into one code point. A lone surrogate (Python's json
  // can write one) becomes U+FFFD instead of failing the whole file.
  bool parse_unicode_escape(std::string* out) {
    unsigned cp = 0;
    if (!read_hex4(pos_ + 2, &cp)) return fail(pos_, "invalid \\u escape: expected 4 hex digits");
    pos_ += 6;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      unsigned low = 0;
      if (pos_ + 1 < text_.size() && text_[pos_] == '\\' && text_[pos_ + 1] == 'u' && read_hex4(pos_ + 2, &low) &&
          low >= 0xDC00 && low <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        pos_ += 6;
      } else {
        cp = 0xFFFD;
      }
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
      cp = 0xFFFD;
    }
    append_utf8(out, cp);
    return true;
  }

  // RFC 8259 grammar checked here; strtod then converts the validated token.
  bool parse_number(JsonValue* out) {
    const size_t start = pos_;
    if (text_.substr(pos_, 9) == "-Infinity") {
      pos_ += 9;
      *out = JsonValue::make_number(-HUGE_VAL);
      return true;
    }
    if (peek() == '-') ++pos_;
    if (!is_digit(peek())) return fail(pos_, cat("invalid number: expected a digit after '-'", found()));
    if (peek() == '0') {
      ++pos_;
      if (is_digit(peek())) return fail(start, "invalid number: leading zeros are not allowed");
    } else {
      while (is_digit(peek())) ++pos_;
    }
    if (peek() == '.') {
      ++pos_;
      if (!is_digit(peek())) return fail(pos_, cat("invalid number: expected a digit after '.'", found()));
      while (is_digit(peek())) ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!is_digit(peek())) return fail(pos_, cat("invalid number: expected a digit in the exponent", found()));
      while (is_digit(peek())) ++pos_;
    }
    // strtod needs a terminated string, and the view is not; too large values become +-Infinity.
    const std::string token(text_.substr(start, pos_ - start));
    *out = JsonValue::make_number(std::strtod(token.c_str(), nullptr));
    return true;
  }

  bool parse_literal(JsonValue* out) {
    const std::string_view rest = text_.substr(pos_);
    struct Literal {
      std::string_view word;
      int kind;  // 0 null, 1 true, 2 false, 3 NaN, 4 Infinity
    };
    static constexpr Literal kLiterals[] = {{"null", 0}, {"true", 1}, {"false", 2}, {"NaN", 3}, {"Infinity", 4}};
    for (const Literal& lit : kLiterals) {
      if (rest.substr(0, lit.word.size()) != lit.word) continue;
      pos_ += lit.word.size();
      switch (lit.kind) {
        case 0:
          *out = JsonValue();
          break;
        case 1:
          *out = JsonValue::make_bool(true);
          break;
        case 2:
          *out = JsonValue::make_bool(false);
          break;
        case 3:
          *out = JsonValue::make_number(std::nan(""));
          break;
        default:
          *out = JsonValue::make_number(HUGE_VAL);
          break;
      }
      return true;
    }
    // Name a misspelt word whole ("invalid literal 'ture'"); anything else by its first byte.
    size_t end = pos_;
    while (end < text_.size() && end - pos_ < 20 &&
           ((text_[end] >= 'a' && text_[end] <= 'z') || (text_[end] >= 'A' && text_[end] <= 'Z'))) {
      ++end;
    }
    if (end > pos_) {
      return fail(pos_, cat("invalid literal '", text_.substr(pos_, end - pos_),
                            "': expected true, false, null, NaN or Infinity"));
    }
    return fail(pos_, cat("expected a value", found()));
  }

  std::string_view text_;
  size_t pos_ = 0;
  size_t error_pos_ = 0;
  std::string error_;
};

Status parse_json(std::string_view text, JsonValue* out) {
  JsonParser parser(text);
  return parser.parse(out);
}

Status read_json_file(const std::string& path, JsonValue* out) {
  *out = JsonValue();
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return parse_error("cannot open JSON file '", path, "': ", std::strerror(errno));
  std::string text;
  constexpr size_t kChunk = 1 << 16;
  for (;;) {
    const size_t old_size = text.size();
    text.resize(old_size + kChunk);
    const size_t n = std::fread(&text[old_size], 1, kChunk, file);
    text.resize(old_size + n);
    if (n < kChunk) break;
  }
  const bool read_failed = std::ferror(file) != 0;
  const int read_errno = errno;
  std::fclose(file);
  // A directory opens fine on Linux and only fails here (EISDIR).
  if (read_failed) return parse_error("cannot read JSON file '", path, "': ", std::strerror(read_errno));
  Status status = parse_json(text, out);
  if (!status.is_ok()) return Status(status.code(), cat(path, ": ", status.message()));
  return Status::ok();
}

// ---- Writer ----

namespace {

void append_number(std::string* out, double x) {
  if (std::isnan(x)) {
    out->append("NaN");
    return;
  }
  if (std::isinf(x)) {
    out->append(x < 0 ? "-Infinity" : "Infinity");
    return;
  }
  char buf[64];
  // Integers below 2^53 are exact: print them plainly (32, not 32.0 or 3.2e+01). -0 keeps its sign via %g.
  if (x == std::floor(x) && std::fabs(x) < 9007199254740992.0 && !(x == 0 && std::signbit(x))) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(x));
  } else {
    // The shortest of 15..17 significant digits that reads back exactly: 0.1, not 0.10000000000000001.
    for (int precision = 15; precision <= 17; ++precision) {
      std::snprintf(buf, sizeof buf, "%.*g", precision, x);
      if (std::strtod(buf, nullptr) == x) break;
    }
  }
  out->append(buf);
}

void append_newline(std::string* out, int indent, int level) {
  out->push_back('\n');
  out->append(static_cast<size_t>(indent) * static_cast<size_t>(level), ' ');
}

bool is_container(const JsonValue& v) { return v.is_array() || v.is_object(); }

void write_value(std::string* out, const JsonValue& v, int indent, int level) {
  switch (v.type()) {
    case JsonValue::Type::kNull:
      out->append("null");
      return;
    case JsonValue::Type::kBool:
      out->append(v.as_bool() ? "true" : "false");
      return;
    case JsonValue::Type::kNumber:
      append_number(out, v.as_number());
      return;
    case JsonValue::Type::kString:
      out->append(json_quote(v.as_string()));
      return;
    case JsonValue::Type::kArray: {
      const std::vector<JsonValue>& items = v.as_array();
      bool flat = true;  // shapes and other scalar lists read best on one line
      for (const JsonValue& item : items) flat = flat && !is_container(item);
      const bool multiline = indent >= 0 && !flat;
      out->push_back('[');
      for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out->append(indent >= 0 && flat ? ", " : ",");
        if (multiline) append_newline(out, indent, level + 1);
        write_value(out, items[i], indent, level + 1);
      }
      if (multiline && !items.empty()) append_newline(out, indent, level);
      out->push_back(']');
      return;
    }
    case JsonValue::Type::kObject: {
      const std::vector<std::pair<std::string, JsonValue>>& members = v.as_object();
      out->push_back('{');
      for (size_t i = 0; i < members.size(); ++i) {
        if (i > 0) out->push_back(',');
        if (indent >= 0) append_newline(out, indent, level + 1);
        out->append(json_quote(members[i].first));
        out->append(indent >= 0 ? ": " : ":");
        write_value(out, members[i].second, indent, level + 1);
      }
      if (indent >= 0 && !members.empty()) append_newline(out, indent, level);
      out->push_back('}');
      return;
    }
  }
}

}  // namespace

std::string to_json(const JsonValue& v, int indent) {
  std::string out;
  write_value(&out, v, indent, 0);
  return out;
}

std::string json_quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (const char c : s) {
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out.append(buf);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace nn
