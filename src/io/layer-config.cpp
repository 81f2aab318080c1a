// Keras config -> layer (see layer-config.h). Options Keras has but we do not implement
// (dilation, channels_first, groups) are rejected with a message rather than ignored.
#include "io/layer-config.h"

#include <cmath>

#include "io/augmentation-config.h"
#include "layers/layers.h"

namespace nn {
namespace {

// Reads typed config entries with defaults; every error names the layer and the key.
class ConfigReader {
 public:
  ConfigReader(const std::string& class_name, const JsonValue& config) : config_(config) {
    const JsonValue* name = config.find("name");
    name_ = name && name->is_string() ? name->as_string() : std::string();
    who_ = cat(class_name, " '", name_, "'");
  }
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
  const JsonValue& config_;
  std::string name_, who_;
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

// The options DepthwiseConv2D and SeparableConv2D share with Keras's convolution configs.
template <typename Options>
Status depthwise_options(const ConfigReader& r, Options* o) {
  NN_RETURN_IF_ERROR(r.channels_last());
  NN_RETURN_IF_ERROR(r.expect_ones("dilation_rate"));
  NN_RETURN_IF_ERROR(r.pair("kernel_size", 0, &o->kernel_h, &o->kernel_w));
  NN_RETURN_IF_ERROR(r.pair("strides", 1, &o->stride_h, &o->stride_w));
  NN_RETURN_IF_ERROR(r.padding(&o->padding));
  NN_RETURN_IF_ERROR(r.integer("depth_multiplier", 1, &o->depth_multiplier));
  NN_RETURN_IF_ERROR(r.boolean("use_bias", true, &o->use_bias));
  return r.activation(&o->activation);
}

// Keras writes BatchNormalization's axis as -1, 3 (for NHWC) or [3]; the layer checks it.
Status batch_normalization(const ConfigReader& r, const JsonValue& config, std::unique_ptr<Layer>* out) {
  BatchNormOptions o;
  const JsonValue* axis = config.find("axis");
  if (axis && axis->is_array() && axis->size() == 1) axis = &(*axis)[0];
  if (axis && !axis->is_null()) {
    if (!axis->is_number() || std::fabs(axis->as_number()) > 1e6) {
      return parse_error(r.who(), ": config.axis must be an integer or a list of one integer");
    }
    o.axis = static_cast<int>(axis->as_number());
  }
  double momentum, epsilon;
  NN_RETURN_IF_ERROR(r.number("momentum", 0.99, &momentum));
  NN_RETURN_IF_ERROR(r.number("epsilon", 1e-3, &epsilon));
  NN_RETURN_IF_ERROR(r.boolean("center", true, &o.center));
  NN_RETURN_IF_ERROR(r.boolean("scale", true, &o.scale));
  o.momentum = static_cast<float>(momentum);
  o.epsilon = static_cast<float>(epsilon);
  *out = std::make_unique<BatchNormalization>(r.name(), o);
  return Status::ok();
}

// ZeroPadding2D's padding: n, [h, w] or [[top, bottom], [left, right]].
Status zero_padding(const ConfigReader& r, const JsonValue& config, std::unique_ptr<Layer>* out) {
  const JsonValue* p = config.find("padding");
  int64_t v[4] = {1, 1, 1, 1};
  auto number = [](const JsonValue& j, int64_t* x) {
    if (!j.is_number() || std::fabs(j.as_number()) > 2147483647.0) return false;
    *x = static_cast<int64_t>(j.as_number());
    return true;
  };
  bool ok = true;
  if (p && p->is_number()) {
    ok = number(*p, &v[0]);
    v[1] = v[2] = v[3] = v[0];
  } else if (p && p->is_array() && p->size() == 2 && (*p)[0].is_number()) {
    ok = number((*p)[0], &v[0]) && number((*p)[1], &v[2]);
    v[1] = v[0];
    v[3] = v[2];
  } else if (p && p->is_array() && p->size() == 2 && (*p)[0].is_array()) {
    const JsonValue& h = (*p)[0];
    const JsonValue& w = (*p)[1];
    ok = h.size() == 2 && w.is_array() && w.size() == 2 && number(h[0], &v[0]) && number(h[1], &v[1]) &&
         number(w[0], &v[2]) && number(w[1], &v[3]);
  } else if (p && !p->is_null()) {
    ok = false;
  }
  if (!ok) return parse_error(r.who(), ": config.padding must be n, [h, w] or [[top, bottom], [left, right]]");
  NN_RETURN_IF_ERROR(r.channels_last());
  *out = std::make_unique<ZeroPadding2D>(r.name(), v[0], v[1], v[2], v[3]);
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
  return "InputLayer, Rescaling, Conv2D, DepthwiseConv2D, SeparableConv2D, MaxPooling2D, AveragePooling2D, "
         "GlobalAveragePooling2D, Flatten, Dense, Activation, ReLU, LeakyReLU, Softmax, Add, Concatenate, "
         "BatchNormalization, Dropout, ZeroPadding2D, RandomFlip, RandomRotation, RandomZoom, RandomTranslation, "
         "RandomContrast, Sequential";
}

Status shape_from_json(const JsonValue& list, bool has_batch, const std::string& who, Shape* out) {
  if (!list.is_array() || list.size() < (has_batch ? 2u : 1u) ||
      list.size() > Shape::kMaxRank + (has_batch ? 1u : 0u)) {
    return parse_error(who, ": the input shape must be a list like [null, height, width, channels]");
  }
  Shape s;
  for (size_t i = has_batch ? 1 : 0; i < list.size(); ++i) {
    if (!list[i].is_number()) {
      return unsupported(who, ": input dimension ", i, " is not a number: convnet-wasm needs a fixed input size");
    }
    // Casting a double outside int64's range is undefined; the layer rejects the bad size itself.
    const double d = list[i].as_number();
    if (!(d >= -1.0 && d <= 4294967295.0) || d != std::floor(d)) {
      return invalid_argument(who, ": input dimension ", i, " is ", d,
                              ": it must be a positive integer of at most 4294967295");
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
  if (class_name == "BatchNormalization") return batch_normalization(r, config, out);
  if (class_name == "DepthwiseConv2D") {
    DepthwiseConv2DOptions o;
    NN_RETURN_IF_ERROR(depthwise_options(r, &o));
    *out = std::make_unique<DepthwiseConv2D>(r.name(), o);
    return Status::ok();
  }
  if (class_name == "SeparableConv2D" || class_name == "SeparableConvolution2D") {
    SeparableConv2DOptions o;
    NN_RETURN_IF_ERROR(depthwise_options(r, &o));
    NN_RETURN_IF_ERROR(r.integer("filters", 0, &o.filters));
    *out = std::make_unique<SeparableConv2D>(r.name(), o);
    return Status::ok();
  }
  if (class_name == "Dropout") {
    double rate;
    int64_t seed;
    NN_RETURN_IF_ERROR(r.number("rate", 0.0, &rate));
    NN_RETURN_IF_ERROR(r.integer("seed", -1, &seed, true));
    if (config.find("noise_shape") && !config.find("noise_shape")->is_null()) {
      return unsupported(r.who(), ": noise_shape is not supported");
    }
    *out = std::make_unique<Dropout>(r.name(), static_cast<float>(rate), seed >= 0, static_cast<uint64_t>(seed));
    return Status::ok();
  }
  if (class_name == "Concatenate") {
    int64_t axis;
    NN_RETURN_IF_ERROR(r.integer("axis", -1, &axis));
    if (axis != -1 && axis != 3) {
      return unsupported(r.who(), ": axis ", axis, " is not supported: Concatenate joins channels (axis -1)");
    }
    *out = std::make_unique<Concatenate>(r.name());
    return Status::ok();
  }
  if (class_name == "ZeroPadding2D") return zero_padding(r, config, out);
  if (class_name == "ReLU") {
    ReLUOptions o;
    double max_value, slope, threshold;
    NN_RETURN_IF_ERROR(r.number("max_value", -1.0, &max_value));
    NN_RETURN_IF_ERROR(r.number("negative_slope", 0.0, &slope));
    NN_RETURN_IF_ERROR(r.number("threshold", 0.0, &threshold));
    o.max_value = static_cast<float>(max_value);
    o.negative_slope = static_cast<float>(slope);
    o.threshold = static_cast<float>(threshold);
    *out = std::make_unique<ReLULayer>(r.name(), o);
    return Status::ok();
  }
  if (class_name == "LeakyReLU") {
    ReLUOptions o;
    double alpha;
    // Keras 2 and TF.js call the slope alpha; Keras 3 calls it negative_slope. Default 0.3.
    NN_RETURN_IF_ERROR(r.number(config.find("negative_slope") ? "negative_slope" : "alpha", 0.3, &alpha));
    o.negative_slope = static_cast<float>(alpha);
    *out = std::make_unique<ReLULayer>(r.name(), o, "LeakyReLU");
    return Status::ok();
  }
  if (class_name == "Softmax") {
    int64_t axis;
    NN_RETURN_IF_ERROR(r.integer("axis", -1, &axis));
    // TF.js writes the last axis as a positive index (e.g. 1 after a Dense); the layer checks it.
    *out = std::make_unique<ActivationLayer>(r.name(), Activation::kSoftmax, "Softmax", static_cast<int>(axis));
    return Status::ok();
  }
  bool handled = false;
  NN_RETURN_IF_ERROR(augmentation_layer_from_config(class_name, config, out, &handled));
  if (handled) return Status::ok();
  return unsupported("layer '", r.name(), "' has class '", class_name,
                     "', which convnet-wasm does not support; supported classes: ", supported_layer_classes());
}

}  // namespace nn
