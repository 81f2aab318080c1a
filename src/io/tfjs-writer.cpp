// TF.js model writer (see tfjs-writer.h). Each layer's config mirrors what tfjs-layers 4.22's
// getConfig() writes (wasm-tests/fixtures/*.json), with Keras's keys where TF.js has fewer
// (ReLU's negative_slope and threshold, SeparableConv2D's depth_multiplier); TF.js ignores keys
// it does not know. Initializers are Keras's defaults: the weights travel beside the JSON.
// Test: nn_tests_native -tc='*tfjs*'; node wasm-tests/fixtures/generate/check-roundtrip.mjs DIR
#include "io/tfjs-writer.h"

#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "layers/augmentation.h"
#include "layers/layers.h"

namespace nn {
namespace {

static_assert(std::endian::native == std::endian::little, "weight files are little-endian float32, copied as is");

JsonValue number(double x) { return JsonValue::make_number(x); }
JsonValue boolean(bool b) { return JsonValue::make_bool(b); }
JsonValue string(const char* s) { return JsonValue::make_string(s); }

// The shortest decimal that reads back as the same float (0.99f -> 0.99, not 0.9900000095367432).
JsonValue float_number(float f) {
  if (!std::isfinite(f)) return number(f);
  char buf[32];
  for (int precision = 1; precision <= 9; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, static_cast<double>(f));
    if (std::strtof(buf, nullptr) == f) break;
  }
  return number(std::strtod(buf, nullptr));
}

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

// A Keras factor: f when the range is [-f, f] (how Keras reads a number), else [lo, hi].
JsonValue factor(const FactorRange& r) {
  if (r.lo == -r.hi) return float_number(r.hi);
  JsonValue v = JsonValue::make_array();
  v.push_back(float_number(r.lo));
  v.push_back(float_number(r.hi));
  return v;
}

JsonValue seed_of(bool has_seed, uint64_t seed) {
  return has_seed ? number(static_cast<double>(static_cast<int64_t>(seed))) : JsonValue();
}

// Keras 2's keys (as in the model-b fixtures); TF.js 4.22 has none of these classes.
void affine_keys(JsonValue* c, const AffineAugmentation& l, bool has_seed, uint64_t seed) {
  c->set("fill_mode", string(fill_mode_name(l.sampling().fill_mode)));
  c->set("fill_value", float_number(l.sampling().fill_value));
  c->set("interpolation", string(interpolation_name(l.sampling().interpolation)));
  c->set("seed", seed_of(has_seed, seed));
}

Status config_of(const Layer& layer, JsonValue* c) {
  const std::string cls = layer.class_name();
  if (const auto* l = dynamic_cast<const InputLayer*>(&layer)) {
    JsonValue shape = JsonValue::make_array();
    shape.push_back(JsonValue());
    for (int i = 0; i < l->shape().rank; ++i) shape.push_back(number(static_cast<double>(l->shape()[i])));
    c->set("batch_input_shape", std::move(shape));
    c->set("dtype", string("float32"));
    c->set("sparse", boolean(false));
  } else if (const auto* l = dynamic_cast<const Rescaling*>(&layer)) {
    c->set("scale", float_number(l->scale()));
    c->set("offset", float_number(l->offset()));
  } else if (const auto* l = dynamic_cast<const Conv2D*>(&layer)) {
    const Conv2DOptions& o = l->options();
    c->set("filters", number(static_cast<double>(o.filters)));
    c->set("kernel_initializer", glorot_uniform());
    set_nulls(c, {"kernel_regularizer", "kernel_constraint"});
    conv_base(c, o.kernel_h, o.kernel_w, o.stride_h, o.stride_w, o.padding, o.activation, o.use_bias);
  } else if (const auto* l = dynamic_cast<const DepthwiseConv2D*>(&layer)) {
    const DepthwiseConv2DOptions& o = l->options();
    conv_base(c, o.kernel_h, o.kernel_w, o.stride_h, o.stride_w, o.padding, o.activation, o.use_bias);
    c->set("depth_multiplier", number(static_cast<double>(o.depth_multiplier)));
    c->set("depthwise_initializer", glorot_uniform());
    set_nulls(c, {"depthwise_regularizer", "depthwise_constraint"});
  } else if (const auto* l = dynamic_cast<const SeparableConv2D*>(&layer)) {
    const SeparableConv2DOptions& o = l->options();
    c->set("filters", number(static_cast<double>(o.filters)));
    conv_base(c, o.kernel_h, o.kernel_w, o.stride_h, o.stride_w, o.padding, o.activation, o.use_bias);
    c->set("depth_multiplier", number(static_cast<double>(o.depth_multiplier)));
    c->set("depthwise_initializer", glorot_uniform());
    c->set("pointwise_initializer", glorot_uniform());
    set_nulls(c, {"depthwise_regularizer", "pointwise_regularizer", "depthwise_constraint", "pointwise_constraint"});
  } else if (const auto* l = dynamic_cast<const Dense*>(&layer)) {
    const DenseOptions& o = l->options();
    c->set("units", number(static_cast<double>(o.units)));
    c->set("activation", string(activation_name(o.activation)));
    c->set("use_bias", boolean(o.use_bias));
    c->set("kernel_initializer", glorot_uniform());
    c->set("bias_initializer", initializer("Zeros"));
    set_nulls(
        c, {"kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"});
  } else if (const auto* l = dynamic_cast<const Pooling2D*>(&layer)) {
    const Pool2DOptions& o = l->options();
    c->set("pool_size", pair(o.pool_h, o.pool_w));
    c->set("padding", string(padding_name(o.padding)));
    // Stride 0 means "the pool size" (Keras's strides=None); write it out, as TF.js does.
    c->set("strides", pair(o.stride_h > 0 ? o.stride_h : o.pool_h, o.stride_w > 0 ? o.stride_w : o.pool_w));
    c->set("data_format", string("channels_last"));
  } else if (dynamic_cast<const GlobalAveragePooling2D*>(&layer)) {
    c->set("data_format", string("channels_last"));
    c->set("keepdims", boolean(false));
  } else if (dynamic_cast<const Flatten*>(&layer)) {
    c->set("data_format", string("channels_last"));
  } else if (const auto* l = dynamic_cast<const ActivationLayer*>(&layer)) {
    if (cls == "Softmax") {
      c->set("axis", number(-1));
    } else {
      c->set("activation", string(activation_name(l->activation())));
    }
  } else if (dynamic_cast<const Add*>(&layer)) {
    // No options.
  } else if (dynamic_cast<const Concatenate*>(&layer)) {
    c->set("axis", number(-1));
  } else if (const auto* l = dynamic_cast<const BatchNormalization*>(&layer)) {
    const BatchNormOptions& o = l->options();
    c->set("axis", number(o.axis));
    c->set("momentum", float_number(o.momentum));
    c->set("epsilon", float_number(o.epsilon));
    c->set("center", boolean(o.center));
    c->set("scale", boolean(o.scale));
    c->set("beta_initializer", initializer("Zeros"));
    c->set("gamma_initializer", initializer("Ones"));
    c->set("moving_mean_initializer", initializer("Zeros"));
    c->set("moving_variance_initializer", initializer("Ones"));
    set_nulls(c, {"beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint"});
  } else if (const auto* l = dynamic_cast<const Dropout*>(&layer)) {
    c->set("rate", float_number(l->rate()));
    c->set("noise_shape", JsonValue());
    c->set("seed", l->has_seed() ? number(static_cast<double>(l->seed())) : JsonValue());
  } else if (const auto* l = dynamic_cast<const ZeroPadding2D*>(&layer)) {
    JsonValue padding = JsonValue::make_array();
    padding.push_back(pair(l->top(), l->bottom()));
    padding.push_back(pair(l->left(), l->right()));
    c->set("padding", std::move(padding));
    c->set("data_format", string("channels_last"));
  } else if (const auto* l = dynamic_cast<const ReLULayer*>(&layer)) {
    const ReLUOptions& o = l->options();
    if (cls == "LeakyReLU") {
      c->set("alpha", float_number(o.negative_slope));  // TF.js and Keras 2 name the slope alpha
    } else {
      // TF.js's ReLU knows only max_value; it ignores the other two Keras keys.
      c->set("max_value", o.max_value < 0.0f ? JsonValue() : float_number(o.max_value));
      c->set("negative_slope", float_number(o.negative_slope));
      c->set("threshold", float_number(o.threshold));
    }
  } else if (const auto* l = dynamic_cast<const RandomFlip*>(&layer)) {
    c->set("mode", string(flip_mode_name(l->options().mode)));
    c->set("seed", seed_of(l->has_seed(), l->seed()));
  } else if (const auto* l = dynamic_cast<const RandomRotation*>(&layer)) {
    c->set("factor", factor(l->options().factor));
    affine_keys(c, *l, l->has_seed(), l->seed());
  } else if (const auto* l = dynamic_cast<const RandomZoom*>(&layer)) {
    c->set("height_factor", factor(l->options().height_factor));
    c->set("width_factor", l->options().has_width_factor ? factor(l->options().width_factor) : JsonValue());
    affine_keys(c, *l, l->has_seed(), l->seed());
  } else if (const auto* l = dynamic_cast<const RandomTranslation*>(&layer)) {
    c->set("height_factor", factor(l->options().height_factor));
    c->set("width_factor", factor(l->options().width_factor));
    affine_keys(c, *l, l->has_seed(), l->seed());
  } else if (const auto* l = dynamic_cast<const RandomContrast*>(&layer)) {
    const RandomContrastOptions& o = l->options();
    if (o.lower == o.upper) {
      c->set("factor", float_number(o.lower));
    } else {
      JsonValue f = JsonValue::make_array();
      f.push_back(float_number(o.lower));
      f.push_back(float_number(o.upper));
      c->set("factor", std::move(f));
    }
    JsonValue range = JsonValue::make_array();  // Keras 3's key; Keras 2 always clips to [0, 255]
    range.push_back(float_number(o.value_low));
    range.push_back(float_number(o.value_high));
    c->set("value_range", std::move(range));
    c->set("seed", seed_of(l->has_seed(), l->seed()));
  } else {
    return unsupported("layer '", layer.name(), "' has class '", cls,
                       "', which the model.json writer does not support yet");
  }
  return Status::ok();
}

// [[["producer", 0, 0, {}], ...]]: TF.js's (and Keras 2's) list form of one inbound node.
JsonValue inbound_nodes(const Model& model, const Node& node) {
  JsonValue nodes = JsonValue::make_array();
  if (node.inputs.empty()) return nodes;
  JsonValue refs = JsonValue::make_array();
  for (int v : node.inputs) {
    const Layer& producer = *model.nodes()[static_cast<size_t>(model.values()[static_cast<size_t>(v)].producer)].layer;
    JsonValue ref = JsonValue::make_array();
    ref.push_back(JsonValue::make_string(producer.name()));
    ref.push_back(number(0));
    ref.push_back(number(0));
    ref.push_back(JsonValue::make_object());
    refs.push_back(std::move(ref));
  }
  nodes.push_back(std::move(refs));
  return nodes;
}

JsonValue layer_ref(const std::string& name) {
  JsonValue ref = JsonValue::make_array();
  ref.push_back(JsonValue::make_string(name));
  ref.push_back(number(0));
  ref.push_back(number(0));
  JsonValue list = JsonValue::make_array();
  list.push_back(std::move(ref));
  return list;
}

Status write_file(const std::string& path, const std::string& bytes) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return invalid_argument("cannot create file '", path, "': ", std::strerror(errno));
  const size_t n = std::fwrite(bytes.data(), 1, bytes.size(), file);
  const int error = errno;
  const bool closed = std::fclose(file) == 0;
  if (n != bytes.size() || !closed) return invalid_argument("cannot write file '", path, "': ", std::strerror(error));
  return Status::ok();
}

}  // namespace

Status layer_to_tfjs_config(const Layer& layer, JsonValue* config) {
  JsonValue c = JsonValue::make_object();
  NN_RETURN_IF_ERROR(config_of(layer, &c));
  c.set("name", JsonValue::make_string(layer.name()));
  if (std::string(layer.class_name()) != "InputLayer") c.set("trainable", boolean(true));
  *config = std::move(c);
  return Status::ok();
}

Status model_to_tfjs(const Model& model, JsonValue* model_json, std::string* weight_bytes) {
  if (!model.finalized()) {
    return failed_precondition("model '", model.name(),
                               "' must be finalized before it is written: it has no weights yet");
  }
  if (model.input_value() < 0 || model.output_value() < 0) {
    return failed_precondition("model '", model.name(), "' needs an input and an output to be written");
  }
  JsonValue layers = JsonValue::make_array();
  JsonValue specs = JsonValue::make_array();
  std::string bytes;
  bytes.reserve(static_cast<size_t>(model.count_params()) * sizeof(float));
  for (const Node& node : model.nodes()) {
    const Layer& layer = *node.layer;
    JsonValue entry = JsonValue::make_object();
    entry.set("name", JsonValue::make_string(layer.name()));
    entry.set("class_name", JsonValue::make_string(layer.class_name()));
    JsonValue config;
    NN_RETURN_IF_ERROR(layer_to_tfjs_config(layer, &config));
    entry.set("config", std::move(config));
    entry.set("inbound_nodes", inbound_nodes(model, node));
    layers.push_back(std::move(entry));
    for (const Param& p : layer.params()) {
      JsonValue spec = JsonValue::make_object();
      spec.set("name", JsonValue::make_string(layer.name() + "/" + p.name));
      JsonValue shape = JsonValue::make_array();
      for (int i = 0; i < p.shape.rank; ++i) shape.push_back(number(static_cast<double>(p.shape[i])));
      spec.set("shape", std::move(shape));
      spec.set("dtype", string("float32"));
      specs.push_back(std::move(spec));
      bytes.append(reinterpret_cast<const char*>(p.value), static_cast<size_t>(p.shape.numel()) * sizeof(float));
    }
  }
  const auto name_of = [&](int value) {
    return model.nodes()[static_cast<size_t>(model.values()[static_cast<size_t>(value)].producer)].layer->name();
  };
  JsonValue config = JsonValue::make_object();
  config.set("name", JsonValue::make_string(model.name()));
  config.set("layers", std::move(layers));
  config.set("input_layers", layer_ref(name_of(model.input_value())));
  config.set("output_layers", layer_ref(name_of(model.output_value())));
  JsonValue topology = JsonValue::make_object();
  topology.set("class_name", string("Model"));
  topology.set("config", std::move(config));
  // The dialect written, not a claim about who wrote it (generatedBy says that).
  topology.set("keras_version", string("tfjs-layers 4.22.0"));
  topology.set("backend", string("tensor_flow.js"));

  JsonValue paths = JsonValue::make_array();
  paths.push_back(string(kTfjsWeightFile));
  JsonValue group = JsonValue::make_object();
  group.set("paths", std::move(paths));
  group.set("weights", std::move(specs));
  JsonValue manifest = JsonValue::make_array();
  manifest.push_back(std::move(group));

  JsonValue root = JsonValue::make_object();
  root.set("modelTopology", std::move(topology));
  root.set("format", string("layers-model"));
  root.set("generatedBy", string("convnet-wasm"));
  root.set("convertedBy", JsonValue());
  root.set("weightsManifest", std::move(manifest));
  *model_json = std::move(root);
  *weight_bytes = std::move(bytes);
  return Status::ok();
}

Status save_tfjs_model(const Model& model, const std::string& dir) {
  JsonValue json;
  std::string bytes;
  NN_RETURN_IF_ERROR(model_to_tfjs(model, &json, &bytes));
  const std::string prefix = dir.empty() || dir.back() == '/' ? dir : dir + "/";
  NN_RETURN_IF_ERROR(write_file(prefix + "model.json", to_json(json, 2) + "\n"));
  return write_file(prefix + kTfjsWeightFile, bytes);
}

}  // namespace nn
