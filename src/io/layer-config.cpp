// Keras config -> layer (see layer-config.h). Options Keras has but we do not implement
// (dilation, channels_first, groups) are rejected with a message rather than ignored.
#include "io/layer-config.h"

#include <cmath>

#include "layers/layers.h"

namespace nn {
namespace {

// Reads typed config entries with defaults; every error names the layer and the key.
class ConfigReader {
 public:
  ConfigReader(const std::string& class_name, const JsonValue& config) : config_(config) {
    const JsonValue* name = config.find("name");
    name_ = name && name->is_string() ? name->as_string() : std::string();
    who_  = cat(class_name, " '", name_, "'");
  }
  const std::string& name() const { return name_; }
  const std::string& who() const { return who_; }

  Status integer(const char* key, int64_t fallback, int64_t* out) const {
    const JsonValue* v = config_.find(key);
    if (!v || v->is_null()) { *out = fallback; return Status::ok(); }
    if (!v->is_number() || v->as_number() != std::floor(v->as_number())) return bad(key, "an integer");
    *out = static_cast<int64_t>(v->as_number());
    return Status::ok();
  }
  // An int or a list of two ints (Keras accepts both for kernel_size, strides, pool_size).
  Status pair(const char* key, int64_t fallback, int64_t* a, int64_t* b) const {
    const JsonValue* v = config_.find(key);
    if (!v || v->is_null()) { *a = *b = fallback; return Status::ok(); }
    if (v->is_number()) return integer(key, fallback, a).is_ok() ? (*b = *a, Status::ok()) : bad(key, "an integer");
    if (!v->is_array() || v->size() != 2 || !(*v)[0].is_number() || !(*v)[1].is_number()) {
      return bad(key, "an integer or a list of 2 integers");
    }
    *a = static_cast<int64_t>((*v)[0].as_number());
    *b = static_cast<int64_t>((*v)[1].as_number());
    return Status::ok();
  }
  Status number(const char* key, double fallback, double* out) const {
    const JsonValue* v = config_.find(key);
    if (!v || v->is_null()) { *out = fallback; return Status::ok(); }
    if (!v->is_number()) return bad(key, "a number");
    *out = v->as_number();
    return Status::ok();
  }
  Status boolean(const char* key, bool fallback, bool* out) const {
    const JsonValue* v = config_.find(key);
    if (!v || v->is_null()) { *out = fallback; return Status::ok(); }
    if (!v->is_bool()) return bad(key, "true or false");
    *out = v->as_bool();
    return Status::ok();
  }
  Status string(const char* key, const char* fallback, std::string* out) const {
    const JsonValue* v = config_.find(key);
    if (!v || v->is_null()) { *out = fallback; return Status::ok(); }
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
  Status bad(const char* key, const char* what) const {
    return parse_error(who_, ": config.", key, " must be ", what);
  }
  const JsonValue& config_;
  std::string      name_, who_;
};

Status conv2d(const ConfigReader& r, std::unique_ptr<Layer>* out) {
  Conv2DOptions o;
  NN_RETURN_IF_ERROR(r.channels_last());
  NN_RETURN_IF_ERROR(r.expect_ones("dilation_rate"));
  int64_t groups;
  NN_RETURN_IF_ERROR(r.integer("groups", 1, &groups));
  if (groups != 1) return unsupported(r.who(), ": groups ", groups, " is not supported (only 1)");
  NN_RETURN_IF_ERROR(r.integer("filters", 0, &o.filters));
  NN_RETURN_IF_ERROR(r.pair("kernel_size", 0, &o.kernel_h, &o.kernel_w));
  NN_RETURN_IF_ERROR(r.pair("strides", 1, &o.stride_h, &o.stride_w));
  NN_RETURN_IF_ERROR(r.padding(&o.padding));
  NN_RETURN_IF_ERROR(r.boolean("use_bias", true, &o.use_bias));
  NN_RETURN_IF_ERROR(r.activation(&o.activation));
  *out = std::make_unique<Conv2D>(r.name(), o);
  return Status::ok();
}

Status pooling(const ConfigReader& r, PoolKind kind, std::unique_ptr<Layer>* out) {
  Pool2DOptions o;
  NN_RETURN_IF_ERROR(r.channels_last());
  NN_RETURN_IF_ERROR(r.pair("pool_size", 2, &o.pool_h, &o.pool_w));
  NN_RETURN_IF_ERROR(r.pair("strides", 0, &o.stride_h, &o.stride_w));
  NN_RETURN_IF_ERROR(r.padding(&o.padding));
  *out = std::make_unique<Pooling2D>(r.name(), kind, o);
  return Status::ok();
}

}  // namespace

const char* supported_layer_classes() {
  return "InputLayer, Rescaling, Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, Flatten, Dense, "
         "Activation, Add, Sequential";
}

Status shape_from_json(const JsonValue& list, bool has_batch, const std::string& who, Shape* out) {
  if (!list.is_array() || list.size() < (has_batch ? 2u : 1u) || list.size() > Shape::kMaxRank + (has_batch ? 1u : 0u)) {
    return parse_error(who, ": the input shape must be a list like [null, height, width, channels]");
  }
  Shape s;
  for (size_t i = has_batch ? 1 : 0; i < list.size(); ++i) {
    if (!list[i].is_number()) {
      return unsupported(who, ": input dimension ", i, " is not a number: convnet-wasm needs a fixed input size");
    }
    s.dims[s.rank++] = static_cast<int64_t>(list[i].as_number());
  }
  *out = s;
  return Status::ok();
}

Status layer_from_config(const std::string& class_name, const JsonValue& config, std::unique_ptr<Layer>* out) {
  if (!config.is_object()) return parse_error(class_name, " layer: config must be an object");
  ConfigReader r(class_name, config);
  if (r.name().empty()) return parse_error(class_name, " layer: config.name is missing");
  if (class_name == "Conv2D" || class_name == "Convolution2D") return conv2d(r, out);
  if (class_name == "MaxPooling2D" || class_name == "MaxPool2D") return pooling(r, PoolKind::kMax, out);
  if (class_name == "AveragePooling2D" || class_name == "AvgPool2D") return pooling(r, PoolKind::kAverage, out);
  if (class_name == "Dense") {
    DenseOptions o;
    NN_RETURN_IF_ERROR(r.integer("units", 0, &o.units));
    NN_RETURN_IF_ERROR(r.boolean("use_bias", true, &o.use_bias));
    NN_RETURN_IF_ERROR(r.activation(&o.activation));
    *out = std::make_unique<Dense>(r.name(), o);
    return Status::ok();
  }
  if (class_name == "Rescaling") {
    double scale, offset;
    NN_RETURN_IF_ERROR(r.number("scale", 1.0, &scale));
    NN_RETURN_IF_ERROR(r.number("offset", 0.0, &offset));
    *out = std::make_unique<Rescaling>(r.name(), static_cast<float>(scale), static_cast<float>(offset));
    return Status::ok();
  }
  if (class_name == "GlobalAveragePooling2D" || class_name == "GlobalAvgPool2D") {
    NN_RETURN_IF_ERROR(r.channels_last());
    bool keepdims;
    NN_RETURN_IF_ERROR(r.boolean("keepdims", false, &keepdims));
    if (keepdims) return unsupported(r.who(), ": keepdims=true is not supported");
    *out = std::make_unique<GlobalAveragePooling2D>(r.name());
    return Status::ok();
  }
  if (class_name == "Flatten") {
    NN_RETURN_IF_ERROR(r.channels_last());
    *out = std::make_unique<Flatten>(r.name());
    return Status::ok();
  }
  if (class_name == "Activation") {
    Activation a;
    NN_RETURN_IF_ERROR(r.activation(&a));
    *out = std::make_unique<ActivationLayer>(r.name(), a);
    return Status::ok();
  }
  if (class_name == "Add") {
    *out = std::make_unique<Add>(r.name());
    return Status::ok();
  }
  return unsupported("layer '", r.name(), "' has class '", class_name,
                     "', which convnet-wasm does not support; supported classes: ", supported_layer_classes());
}

}  // namespace nn
