// TF.js model writer (see tfjs-writer.h): the topology, inbound nodes and weight manifest. Each
// layer's own config comes from its registered writer (io/layer-config.cpp, layer_to_config).
// Test: nn_tests_native -tc='*tfjs*'; node wasm-tests/fixtures/generate/check-roundtrip.mjs DIR
#include "io/tfjs-writer.h"

#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "io/layer-config.h"

namespace nn {
namespace {

static_assert(std::endian::native == std::endian::little, "weight files are little-endian float32, copied as is");

JsonValue number(double x) { return JsonValue::make_number(x); }
JsonValue string(const char* s) { return JsonValue::make_string(s); }

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
  JsonValue c;
  NN_RETURN_IF_ERROR(layer_to_config(layer, &c));
  c.set("name", JsonValue::make_string(layer.name()));
  if (std::string(layer.class_name()) != "InputLayer") c.set("trainable", JsonValue::make_bool(layer.trainable()));
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
