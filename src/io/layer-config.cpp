// Keras config <-> layer (see layer-config.h), one reader and one writer per class of
// layers/layer-registry.inc, side by side so each class's Keras keys and defaults are in one
// place. Options Keras has but we do not implement (dilation, channels_first, groups) are
// rejected with a message rather than ignored. Writers mirror what tfjs-layers 4.22's getConfig()
// writes (wasm-tests/fixtures/*.json), with Keras's keys where TF.js has fewer (ReLU's
// negative_slope and threshold, SeparableConv2D's depth_multiplier); TF.js ignores keys it does
// not know. Initializers are Keras's defaults: the weights travel beside the JSON.
// Test: nn_tests_native -tc='*registry*,*tfjs*,*config*'
#include "io/layer-config.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <typeinfo>

#include "io/layer-io.h"

namespace nn {
namespace layer_io {
namespace {

JsonValue number(double x) { return JsonValue::make_number(x); }
JsonValue boolean(bool b) { return JsonValue::make_bool(b); }
JsonValue string(const char* s) { return JsonValue::make_string(s); }

JsonValue pair(int64_t a, int64_t b) {
  JsonValue v = JsonValue::make_array();
  v.push_back(number(static_cast<double>(a)));
  v.push_back(number(static_cast<double>(b)));
  return v;
}

JsonValue initializer(const char* class_name) {
  JsonValue v = JsonValue::make_object();
  v.set("class_name", string(class_name));
  v.set("config", JsonValue::make_object());
  return v;
}

// Keras's glorot_uniform, in the form TF.js writes it.
JsonValue glorot_uniform() {
  JsonValue config = JsonValue::make_object();
  config.set("scale", number(1));
  config.set("mode", string("fan_avg"));
  config.set("distribution", string("uniform"));
  config.set("seed", JsonValue());
  JsonValue v = JsonValue::make_object();
  v.set("class_name", string("VarianceScaling"));
  v.set("config", std::move(config));
  return v;
}

void set_nulls(JsonValue* c, std::initializer_list<const char*> keys) {
  for (const char* k : keys) c->set(k, JsonValue());
}

// The keys TF.js's convolution base writes, in its order.
void conv_base(JsonValue* c, int64_t kh, int64_t kw, int64_t sh, int64_t sw, Padding padding, Activation activation,
               bool use_bias) {
  c->set("kernel_size", pair(kh, kw));
  c->set("strides", pair(sh, sw));
  c->set("padding", string(padding_name(padding)));
  c->set("data_format", string("channels_last"));
  c->set("dilation_rate", pair(1, 1));
  c->set("activation", string(activation_name(activation)));
  c->set("use_bias", boolean(use_bias));
  c->set("bias_initializer", initializer("Zeros"));
  set_nulls(c, {"bias_regularizer", "activity_regularizer", "bias_constraint"});
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

JsonValue float_json(float f) {
  if (!std::isfinite(f)) return number(f);
  char buf[32];
  for (int precision = 1; precision <= 9; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, static_cast<double>(f));
    if (std::strtof(buf, nullptr) == f) break;
  }
  return number(std::strtod(buf, nullptr));
}

JsonValue seed_json(bool has_seed, uint64_t seed) {
  return has_seed ? number(static_cast<double>(static_cast<int64_t>(seed))) : JsonValue();
}

// ---- InputLayer: the model reader makes inputs itself (Model::add_input); this reader serves
// single-layer round trips.
Status read_input_layer(const ConfigReader& r, std::unique_ptr<Layer>* out) {
  for (const char* key : {"batch_input_shape", "batch_shape"}) {
    const JsonValue* s = r.config().find(key);
    if (!s || !s->is_array()) continue;
    Shape shape;
    NN_RETURN_IF_ERROR(shape_from_json(*s, true, r.who(), &shape));
    *out = std::make_unique<InputLayer>(r.name(), shape);
    return Status::ok();
  }
  return parse_error(r.who(), ": config.batch_input_shape must be a list like [null, height, width, channels]");
}
void write_input_layer(const InputLayer& l, JsonValue* c) {
  JsonValue shape = JsonValue::make_array();
  shape.push_back(JsonValue());
  for (int i = 0; i < l.shape().rank; ++i) shape.push_back(number(static_cast<double>(l.shape()[i])));
  c->set("batch_input_shape", std::move(shape));
  c->set("dtype", string("float32"));
  c->set("sparse", boolean(false));
}

// ---- Rescaling
Status read_rescaling(const ConfigReader& r, std::unique_ptr<Layer>* out) {
  double scale, offset;
  NN_RETURN_IF_ERROR(r.number("scale", 1.0, &scale));
  NN_RETURN_IF_ERROR(r.number("offset", 0.0, &offset));
  *out = std::make_unique<Rescaling>(r.name(), static_cast<float>(scale), static_cast<float>(offset));
  return Status::ok();
}
void write_rescaling(const Rescaling& l, JsonValue* c) {
  c->set("scale", float_json(l.scale()));
  c->set("offset", float_json(l.offset()));
}

// ---- Conv2D
Status read_conv2d(const ConfigReader& r, std::unique_ptr<Layer>* out) {
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
void write_conv2d(const Conv2D& l, JsonValue* c) {
  const Conv2DOptions& o = l.options();
  c->set("filters", number(static_cast<double>(o.filters)));
  c->set("kernel_initializer", glorot_uniform());
  set_nulls(c, {"kernel_regularizer", "kernel_constraint"});
  conv_base(c, o.kernel_h, o.kernel_w, o.stride_h, o.stride_w, o.padding, o.activation, o.use_bias);
}

// ---- DepthwiseConv2D
Status read_depthwise_conv2d(const ConfigReader& r, std::unique_ptr<Layer>* out) {
  DepthwiseConv2DOptions o;
  NN_RETURN_IF_ERROR(depthwise_options(r, &o));
  *out = std::make_unique<DepthwiseConv2D>(r.name(), o);
  return Status::ok();
}
void write_depthwise_conv2d(const DepthwiseConv2D& l, JsonValue* c) {
  const DepthwiseConv2DOptions& o = l.options();
  conv_base(c, o.kernel_h, o.kernel_w, o.stride_h, o.stride_w, o.padding, o.activation, o.use_bias);
  c->set("depth_multiplier", number(static_cast<double>(o.depth_multiplier)));
  c->set("depthwise_initializer", glorot_uniform());
  set_nulls(c, {"depthwise_regularizer", "depthwise_constraint"});
}

// ---- SeparableConv2D
Status read_separable_conv2d(const ConfigReader& r, std::unique_ptr<Layer>* out) {
  SeparableConv2DOptions o;
  NN_RETURN_IF_ERROR(depthwise_options(r, &o));
  NN_RETURN_IF_ERROR(r.integer("filters", 0, &o.filters));
  *out = std::make_unique<SeparableConv2D>(r.name(), o);
  return Status::ok();
}
void write_separable_conv2d(const SeparableConv2D& l, JsonValue* c) {
  const SeparableConv2DOptions& o = l.options();
  c->set("filters", number(static_cast<double>(o.filters)));
  conv_base(c, o.kernel_h, o.kernel_w, o.stride_h, o.stride_w, o.padding, o.activation, o.use_bias);
  c->set("depth_multiplier", number(static_cast<double>(o.depth_multiplier)));
  c->set("depthwise_initializer", glorot_uniform());
  c->set("pointwise_initializer", glorot_uniform());
  set_nulls(c, {"depthwise_regularizer", "pointwise_regularizer", "depthwise_constraint", "pointwise_constraint"});
}

// ---- MaxPooling2D, AveragePooling2D
Status read_max_pooling2d(const ConfigReader& r, std::unique_ptr<Layer>* out) {
  return pooling(r, PoolKind::kMax, out);
}
Status read_average_pooling2d(const ConfigReader& r, std::unique_ptr<Layer>* out) {
  return pooling(r, PoolKind::kAverage, out);
}
void write_pooling2d(const Pooling2D& l, JsonValue* c) {
  const Pool2DOptions& o = l.options();
  c->set("pool_size", pair(o.pool_h, o.pool_w));
  c->set("padding", string(padding_name(o.padding)));
  // Stride 0 means "the pool size" (Keras's strides=None); write it out, as TF.js does.
  c->set("strides", pair(o.stride_h > 0 ? o.stride_h : o.pool_h, o.stride_w > 0 ? o.stride_w : o.pool_w));
  c->set("data_format", string("channels_last"));
}

// ---- GlobalAveragePooling2D
Status read_global_average_pooling2d(const ConfigReader& r, std::unique_ptr<Layer>* out) {
  NN_RETURN_IF_ERROR(r.channels_last());
  bool keepdims;
  NN_RETURN_IF_ERROR(r.boolean("keepdims", false, &keepdims));
  if (keepdims) return unsupported(r.who(), ": keepdims=true is not supported");
  *out = std::make_unique<GlobalAveragePooling2D>(r.name());
  return Status::ok();
}
void write_global_average_pooling2d(const GlobalAveragePooling2D&, JsonValue* c) {
  c->set("data_format", string("channels_last"));
  c->set("keepdims", boolean(false));
}

// ---- Flatten
Status read_flatten(const ConfigReader& r, std::unique_ptr<Layer>* out) {
  NN_RETURN_IF_ERROR(r.channels_last());
  *out = std::make_unique<Flatten>(r.name());
  return Status::ok();
}
void write_flatten(const Flatten&, JsonValue* c) { c->set("data_format", string("channels_last")); }

// ---- Reshape: target_shape excludes the batch; the layer checks its values (one -1, sizes).
Status read_reshape(const ConfigReader& r, std::unique_ptr<Layer>* out) {
  const JsonValue* t = r.config().find("target_shape");
  Shape shape;
  bool ok = t && t->is_array() && t->size() >= 1 && t->size() <= static_cast<size_t>(Shape::kMaxRank);
  for (size_t i = 0; ok && i < t->size(); ++i) {
    const JsonValue& d = (*t)[i];
    ok = d.is_number() && d.as_number() == std::floor(d.as_number()) && std::fabs(d.as_number()) <= 4294967295.0;
    if (ok) shape.dims[shape.rank++] = static_cast<int64_t>(d.as_number());
  }
  if (!ok) {
    return parse_error(r.who(), ": config.target_shape must be a list of 1 to ", Shape::kMaxRank,
                       " integers (one of them may be -1)");
  }
  *out = std::make_unique<Reshape>(r.name(), shape);
  return Status::ok();
}
void write_reshape(const Reshape& l, JsonValue* c) {
  JsonValue shape = JsonValue::make_array();
  for (int i = 0; i < l.target_shape().rank; ++i) shape.push_back(number(static_cast<double>(l.target_shape()[i])));
  c->set("target_shape", std::move(shape));
}

// ---- Dense
Status read_dense(const ConfigReader& r, std::unique_ptr<Layer>* out) {
  DenseOptions o;
  NN_RETURN_IF_ERROR(r.integer("units", 0, &o.units));
  NN_RETURN_IF_ERROR(r.boolean("use_bias", true, &o.use_bias));
  NN_RETURN_IF_ERROR(r.activation(&o.activation));
  *out = std::make_unique<Dense>(r.name(), o);
  return Status::ok();
}
void write_dense(const Dense& l, JsonValue* c) {
  const DenseOptions& o = l.options();
  c->set("units", number(static_cast<double>(o.units)));
  c->set("activation", string(activation_name(o.activation)));
  c->set("use_bias", boolean(o.use_bias));
  c->set("kernel_initializer", glorot_uniform());
  c->set("bias_initializer", initializer("Zeros"));
  set_nulls(c,
            {"kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"});
}

// ---- Activation
Status read_activation(const ConfigReader& r, std::unique_ptr<Layer>* out) {
  Activation a;
  NN_RETURN_IF_ERROR(r.activation(&a));
  *out = std::make_unique<ActivationLayer>(r.name(), a);
  return Status::ok();
}
void write_activation(const ActivationLayer& l, JsonValue* c) {
  c->set("activation", string(activation_name(l.activation())));
}

// ---- ReLU
Status read_relu(const ConfigReader& r, std::unique_ptr<Layer>* out) {
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
void write_relu(const ReLULayer& l, JsonValue* c) {
  const ReLUOptions& o = l.options();
  // TF.js's ReLU knows only max_value; it ignores the other two Keras keys.
  c->set("max_value", o.max_value < 0.0f ? JsonValue() : float_json(o.max_value));
  c->set("negative_slope", float_json(o.negative_slope));
  c->set("threshold", float_json(o.threshold));
}

// ---- LeakyReLU
Status read_leaky_relu(const ConfigReader& r, std::unique_ptr<Layer>* out) {
  ReLUOptions o;
  double alpha;
  // Keras 2 and TF.js call the slope alpha; Keras 3 calls it negative_slope. Default 0.3.
  NN_RETURN_IF_ERROR(r.number(r.config().find("negative_slope") ? "negative_slope" : "alpha", 0.3, &alpha));
  o.negative_slope = static_cast<float>(alpha);
  *out = std::make_unique<ReLULayer>(r.name(), o, "LeakyReLU");
  return Status::ok();
}
void write_leaky_relu(const ReLULayer& l, JsonValue* c) {
  c->set("alpha", float_json(l.options().negative_slope));  // TF.js and Keras 2 name the slope alpha
}

// ---- Softmax
Status read_softmax(const ConfigReader& r, std::unique_ptr<Layer>* out) {
  int64_t axis;
  NN_RETURN_IF_ERROR(r.integer("axis", -1, &axis));
  // TF.js writes the last axis as a positive index (e.g. 1 after a Dense); the layer checks it.
  *out = std::make_unique<ActivationLayer>(r.name(), Activation::kSoftmax, "Softmax", static_cast<int>(axis));
  return Status::ok();
}
void write_softmax(const ActivationLayer&, JsonValue* c) { c->set("axis", number(-1)); }

// ---- Add
Status read_add(const ConfigReader& r, std::unique_ptr<Layer>* out) {
  *out = std::make_unique<Add>(r.name());
  return Status::ok();
}
void write_add(const Add&, JsonValue*) {}  // no options

// ---- Concatenate
Status read_concatenate(const ConfigReader& r, std::unique_ptr<Layer>* out) {
  int64_t axis;
  NN_RETURN_IF_ERROR(r.integer("axis", -1, &axis));
  if (axis != -1 && axis != 3) {
    return unsupported(r.who(), ": axis ", axis, " is not supported: Concatenate joins channels (axis -1)");
  }
  *out = std::make_unique<Concatenate>(r.name());
  return Status::ok();
}
void write_concatenate(const Concatenate&, JsonValue* c) { c->set("axis", number(-1)); }

// ---- BatchNormalization: Keras writes its axis as -1, 3 (for NHWC) or [3]; the layer checks it.
Status read_batch_normalization(const ConfigReader& r, std::unique_ptr<Layer>* out) {
  BatchNormOptions o;
  const JsonValue* axis = r.config().find("axis");
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
void write_batch_normalization(const BatchNormalization& l, JsonValue* c) {
  const BatchNormOptions& o = l.options();
  c->set("axis", number(o.axis));
  c->set("momentum", float_json(o.momentum));
  c->set("epsilon", float_json(o.epsilon));
  c->set("center", boolean(o.center));
  c->set("scale", boolean(o.scale));
  c->set("beta_initializer", initializer("Zeros"));
  c->set("gamma_initializer", initializer("Ones"));
  c->set("moving_mean_initializer", initializer("Zeros"));
  c->set("moving_variance_initializer", initializer("Ones"));
  set_nulls(c, {"beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint"});
}

// ---- Dropout
Status read_dropout(const ConfigReader& r, std::unique_ptr<Layer>* out) {
  double rate;
  int64_t seed;
  NN_RETURN_IF_ERROR(r.number("rate", 0.0, &rate));
  NN_RETURN_IF_ERROR(r.integer("seed", -1, &seed, true));
  const JsonValue* noise_shape = r.config().find("noise_shape");
  if (noise_shape && !noise_shape->is_null()) return unsupported(r.who(), ": noise_shape is not supported");
  *out = std::make_unique<Dropout>(r.name(), static_cast<float>(rate), seed >= 0, static_cast<uint64_t>(seed));
  return Status::ok();
}
void write_dropout(const Dropout& l, JsonValue* c) {
  c->set("rate", float_json(l.rate()));
  c->set("noise_shape", JsonValue());
  c->set("seed", l.has_seed() ? number(static_cast<double>(l.seed())) : JsonValue());
}

// ---- ZeroPadding2D: padding is n, [h, w] or [[top, bottom], [left, right]].
Status read_zero_padding2d(const ConfigReader& r, std::unique_ptr<Layer>* out) {
  const JsonValue* p = r.config().find("padding");
  int64_t v[4] = {1, 1, 1, 1};
  auto integer = [](const JsonValue& j, int64_t* x) {
    if (!j.is_number() || std::fabs(j.as_number()) > 2147483647.0) return false;
    *x = static_cast<int64_t>(j.as_number());
    return true;
  };
  bool ok = true;
  if (p && p->is_number()) {
    ok = integer(*p, &v[0]);
    v[1] = v[2] = v[3] = v[0];
  } else if (p && p->is_array() && p->size() == 2 && (*p)[0].is_number()) {
    ok = integer((*p)[0], &v[0]) && integer((*p)[1], &v[2]);
    v[1] = v[0];
    v[3] = v[2];
  } else if (p && p->is_array() && p->size() == 2 && (*p)[0].is_array()) {
    const JsonValue& h = (*p)[0];
    const JsonValue& w = (*p)[1];
    ok = h.size() == 2 && w.is_array() && w.size() == 2 && integer(h[0], &v[0]) && integer(h[1], &v[1]) &&
         integer(w[0], &v[2]) && integer(w[1], &v[3]);
  } else if (p && !p->is_null()) {
    ok = false;
  }
  if (!ok) return parse_error(r.who(), ": config.padding must be n, [h, w] or [[top, bottom], [left, right]]");
  NN_RETURN_IF_ERROR(r.channels_last());
  *out = std::make_unique<ZeroPadding2D>(r.name(), v[0], v[1], v[2], v[3]);
  return Status::ok();
}
void write_zero_padding2d(const ZeroPadding2D& l, JsonValue* c) {
  JsonValue padding = JsonValue::make_array();
  padding.push_back(pair(l.top(), l.bottom()));
  padding.push_back(pair(l.left(), l.right()));
  c->set("padding", std::move(padding));
  c->set("data_format", string("channels_last"));
}

}  // namespace layer_io

namespace {

// The registered name of `class_name`, which may be an alias ("MaxPool2D" -> "MaxPooling2D").
std::string_view registered_name(std::string_view class_name) {
#define NN_LAYER_ALIAS(name, keras_class) \
  if (class_name == name) return keras_class;
#include "layers/layer-registry.inc"
  return class_name;
}

}  // namespace

const std::vector<std::string>& layer_classes() {
  static const std::vector<std::string> classes = {
#define NN_LAYER(type, keras_class, reader, writer) keras_class,
#include "layers/layer-registry.inc"
  };
  return classes;
}

const char* supported_layer_classes() {
  static const std::string list = [] {
    std::string s;
    for (const std::string& c : layer_classes()) s += c + ", ";
    return s + "Sequential";  // the model reader expands nested Sequential models itself
  }();
  return list.c_str();
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
  const std::string_view cls = registered_name(class_name);
#define NN_LAYER(type, keras_class, reader, writer) \
  if (cls == keras_class) return layer_io::reader(r, out);
#include "layers/layer-registry.inc"
  return unsupported("layer '", r.name(), "' has class '", class_name,
                     "', which convnet-wasm does not support; supported classes: ", supported_layer_classes());
}

Status layer_to_config(const Layer& layer, JsonValue* config) {
  const std::string_view cls = layer.class_name();
  *config = JsonValue::make_object();
  // A class name is registered with one C++ type; typeid makes a mismatch a caught bug, not a bad cast.
#define NN_LAYER(type, keras_class, reader, writer)            \
  if (cls == keras_class) {                                    \
    NN_ASSERT(typeid(layer) == typeid(type));                  \
    layer_io::writer(static_cast<const type&>(layer), config); \
    return Status::ok();                                       \
  }
#include "layers/layer-registry.inc"
  return unsupported("layer '", layer.name(), "' has class '", layer.class_name(),
                     "', which the model.json writer does not support");
}

}  // namespace nn
