// What the Keras layer readers and writers share (io/layer-config.cpp, io/augmentation-config.cpp):
// ConfigReader, and the declaration of every reader and writer that layers/layer-registry.inc
// names. Only those two files include this; everyone else goes through io/layer-config.h.
#pragma once

#include <cmath>
#include <memory>
#include <string>

#include "core/status.h"
#include "io/json.h"
#include "layers/augmentation.h"
#include "layers/layers.h"

namespace nn {

// Reads typed config entries with defaults; every error names the layer and the key.
class ConfigReader {
 public:
  ConfigReader(const std::string& class_name, const JsonValue& config) : class_name_(class_name), config_(config) {
    const JsonValue* name = config.find("name");
    name_ = name && name->is_string() ? name->as_string() : std::string();
    who_ = cat(class_name, " '", name_, "'");
  }
  const std::string& class_name() const { return class_name_; }  // as the file spells it (maybe an alias)
  const JsonValue& config() const { return config_; }
  const std::string& name() const { return name_; }
  const std::string& who() const { return who_; }

  // Sizes and axes are int32 in Keras; seeds (wide) may be any integer a double holds exactly.
  Status integer(const char* key, int64_t fallback, int64_t* out, bool wide = false) const {
    const JsonValue* v = config_.find(key);
    if (!v || v->is_null()) {
      *out = fallback;
      return Status::ok();
    }
    if (wide && v->is_number() && v->as_number() == std::floor(v->as_number()) &&
        std::fabs(v->as_number()) <= 9007199254740992.0) {
      *out = static_cast<int64_t>(v->as_number());
      return Status::ok();
    }
    if (wide) return bad(key, "an integer of at most 2^53 in magnitude");
    if (!integral(*v)) return bad(key, "an integer from -2147483648 to 2147483647");
    *out = static_cast<int64_t>(v->as_number());
    return Status::ok();
  }
  // An int or a list of two ints (Keras accepts both for kernel_size, strides, pool_size).
  Status pair(const char* key, int64_t fallback, int64_t* a, int64_t* b) const {
    const JsonValue* v = config_.find(key);
    if (!v || v->is_null()) {
      *a = *b = fallback;
      return Status::ok();
    }
    if (v->is_number()) return integer(key, fallback, a).is_ok() ? (*b = *a, Status::ok()) : bad(key, "an integer");
    if (!v->is_array() || v->size() != 2 || !integral((*v)[0]) || !integral((*v)[1])) {
      return bad(key, "an integer or a list of 2 integers (each from -2147483648 to 2147483647)");
    }
    *a = static_cast<int64_t>((*v)[0].as_number());
    *b = static_cast<int64_t>((*v)[1].as_number());
    return Status::ok();
  }
  Status number(const char* key, double fallback, double* out) const {
    const JsonValue* v = config_.find(key);
    if (!v || v->is_null()) {
      *out = fallback;
      return Status::ok();
    }
    if (!v->is_number()) return bad(key, "a number");
    *out = v->as_number();
    return Status::ok();
  }
  Status boolean(const char* key, bool fallback, bool* out) const {
    const JsonValue* v = config_.find(key);
    if (!v || v->is_null()) {
      *out = fallback;
      return Status::ok();
    }
    if (!v->is_bool()) return bad(key, "true or false");
    *out = v->as_bool();
    return Status::ok();
  }
  Status string(const char* key, const char* fallback, std::string* out) const {
    const JsonValue* v = config_.find(key);
    if (!v || v->is_null()) {
      *out = fallback;
      return Status::ok();
    }
    if (!v->is_string()) return bad(key, "a string");
    *out = v->as_string();
    return Status::ok();
  }
  Status activation(Activation* out) const {
    std::string s;
    NN_RETURN_IF_ERROR(string("activation", "linear", &s));
    Status st = parse_activation(s, out);
    return st.is_ok() ? st : Status(st.code(), cat(who_, ": ", st.message()));
  }
  Status padding(Padding* out) const {
    std::string s;
    NN_RETURN_IF_ERROR(string("padding", "valid", &s));
    Status st = parse_padding(s, out);
    return st.is_ok() ? st : Status(st.code(), cat(who_, ": ", st.message()));
  }
  Status channels_last() const {
    std::string s;
    NN_RETURN_IF_ERROR(string("data_format", "channels_last", &s));
    if (s != "channels_last") {
      return unsupported(who_, ": data_format '", s, "' is not supported: convnet-wasm is channels_last (NHWC) only");
    }
    return Status::ok();
  }
  Status expect_ones(const char* key) const {
    int64_t a, b;
    NN_RETURN_IF_ERROR(pair(key, 1, &a, &b));
    if (a != 1 || b != 1) return unsupported(who_, ": ", key, " ", a, "x", b, " is not supported (only 1)");
    return Status::ok();
  }

 private:
  // Keras keeps these options in int32; outside that range a double -> int64 cast is undefined.
  static bool integral(const JsonValue& v) {
    return v.is_number() && v.as_number() == std::floor(v.as_number()) && v.as_number() >= -2147483648.0 &&
           v.as_number() <= 2147483647.0;
  }
  Status bad(const char* key, const char* what) const { return parse_error(who_, ": config.", key, " must be ", what); }
  std::string class_name_;
  const JsonValue& config_;
  std::string name_, who_;
};

namespace layer_io {

// Writers' shared JSON pieces (layer-config.cpp).
JsonValue float_json(float f);                      // the shortest decimal that reads back as f
JsonValue seed_json(bool has_seed, uint64_t seed);  // the seed, or null without one

// Status read_conv2d(const ConfigReader&, std::unique_ptr<Layer>*); void write_conv2d(const Conv2D&,
// JsonValue*); ... A writer fills the config object it is given (the caller adds name, trainable).
#define NN_LAYER(type, keras_class, reader, writer)                  \
  Status reader(const ConfigReader& r, std::unique_ptr<Layer>* out); \
  void writer(const type& layer, JsonValue* config);
#include "layers/layer-registry.inc"

}  // namespace layer_io
}  // namespace nn
