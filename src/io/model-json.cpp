// model.json topology reader (see model-json.h). Every error starts with "model.json:" and
// names the layer involved.
#include "io/model-json.h"

#include <map>
#include <vector>

#include "io/layer-config.h"

namespace nn {
namespace {

struct Builder {
  Model* model;
  std::map<std::string, int> values;  // layer name -> the value it produced

  Status add(std::unique_ptr<Layer> layer, const std::vector<int>& inputs) {
    const std::string name = layer->name();
    int v = -1;
    Status st = model->add_layer(std::move(layer), inputs, &v);
    if (!st.is_ok()) return Status(st.code(), cat("model.json: ", st.message()));
    values[name] = v;
    return Status::ok();
  }
};

const JsonValue* layer_list(const JsonValue& config) {
  if (config.is_array()) return &config;  // old Keras Sequential: config is the list itself
  const JsonValue* layers = config.find("layers");
  return layers && layers->is_array() ? layers : nullptr;
}

std::string layer_name(const JsonValue& layer) {
  const JsonValue* name = layer.find("name");
  if (!name || !name->is_string()) {
    const JsonValue* config = layer.find("config");
    name = config ? config->find("name") : nullptr;
  }
  return name && name->is_string() ? name->as_string() : std::string();
}

Status class_of(const JsonValue& layer, std::string* out) {
  const JsonValue* c = layer.find("class_name");
  if (!c || !c->is_string()) return parse_error("model.json: a layer has no class_name");
  *out = c->as_string();
  return Status::ok();
}

// Input shape from an InputLayer config or a first layer's config, if it has one.
bool input_shape_of(const JsonValue& config, const std::string& who, Shape* shape, Status* st) {
  for (const char* key : {"batch_input_shape", "batch_shape"}) {
    const JsonValue* s = config.find(key);
    if (s && s->is_array()) {
      *st = shape_from_json(*s, true, cat("model.json: ", who), shape);
      return true;
    }
  }
  return false;
}

// Collects the layer names an inbound node refers to (Keras 2 lists or Keras 3 keras_history).
void collect_history(const JsonValue& v, std::vector<std::string>* names) {
  if (v.is_object()) {
    const JsonValue* config = v.find("config");
    const JsonValue* history = config ? config->find("keras_history") : nullptr;
    if (history && history->is_array() && history->size() >= 1 && (*history)[0].is_string()) {
      names->push_back((*history)[0].as_string());
      return;
    }
    for (const auto& kv : v.as_object()) collect_history(kv.second, names);
  } else if (v.is_array()) {
    for (const JsonValue& e : v.as_array()) collect_history(e, names);
  }
}

Status inbound_names(const JsonValue& layer, const std::string& who, std::vector<std::string>* names) {
  const JsonValue* nodes = layer.find("inbound_nodes");
  if (!nodes || !nodes->is_array() || nodes->size() == 0) return Status::ok();
  if (nodes->size() > 1) {
    return unsupported("model.json: ", who, " is applied ", nodes->size(),
                       " times; shared layers (one layer called on several inputs) are not supported");
  }
  const JsonValue& node = (*nodes)[0];
  if (node.is_array()) {
    // Keras 2 / TF.js: [[name, node_index, tensor_index, kwargs], ...]
    for (const JsonValue& ref : node.as_array()) {
      if (!ref.is_array() || ref.size() < 1 || !ref[0].is_string()) {
        return parse_error("model.json: ", who, ": inbound node entries must look like [name, node, tensor, {}]");
      }
      names->push_back(ref[0].as_string());
    }
  } else if (node.is_object()) {
    const JsonValue* args = node.find("args");
    if (args) collect_history(*args, names);
  } else {
    return parse_error("model.json: ", who, ": inbound_nodes has an entry that is neither a list nor an object");
  }
  if (names->empty()) return parse_error("model.json: ", who, ": inbound node names no input layer");
  return Status::ok();
}

// Appends the layers of a Sequential config after `input`, returning the last value.
Status add_sequential(Builder& b, const JsonValue& config, const std::string& who, int input, int* last) {
  const JsonValue* layers = layer_list(config);
  if (!layers) return parse_error("model.json: ", who, ": config.layers is missing");
  int x = input;
  for (const JsonValue& layer : layers->as_array()) {
    std::string cls;
    NN_RETURN_IF_ERROR(class_of(layer, &cls));
    if (cls == "InputLayer") continue;
    const JsonValue* cfg = layer.find("config");
    if (!cfg) return parse_error("model.json: layer '", layer_name(layer), "' has no config");
    int inner = -1;
    if (cls == "Sequential") {
      NN_RETURN_IF_ERROR(add_sequential(b, *cfg, cat("Sequential '", layer_name(layer), "'"), x, &inner));
      b.values[layer_name(layer)] = inner;
    } else {
      std::unique_ptr<Layer> l;
      Status st = layer_from_config(cls, *cfg, &l);
      if (!st.is_ok()) return Status(st.code(), cat("model.json: ", st.message()));
      NN_RETURN_IF_ERROR(b.add(std::move(l), {x}));
      inner = b.values[layer_name(layer)];
    }
    x = inner;
  }
  *last = x;
  return Status::ok();
}

Status read_sequential(Builder& b, const JsonValue& config) {
  const JsonValue* layers = layer_list(config);
  if (!layers || layers->size() == 0) return parse_error("model.json: the Sequential model has no layers");
  const JsonValue& first = (*layers)[0];
  const JsonValue* first_cfg = first.find("config");
  Shape shape;
  Status st;
  if (!first_cfg || !input_shape_of(*first_cfg, "Sequential model", &shape, &st)) {
    return parse_error(
        "model.json: the Sequential model does not declare its input shape "
        "(an InputLayer or batch_input_shape on the first layer)");
  }
  NN_RETURN_IF_ERROR(st);
  std::string cls;
  NN_RETURN_IF_ERROR(class_of(first, &cls));
  const std::string input_name = cls == "InputLayer" ? layer_name(first) : layer_name(first) + "_input";
  int input = -1, last = -1;
  NN_RETURN_IF_ERROR(b.model->add_input(input_name, shape, &input));
  NN_RETURN_IF_ERROR(add_sequential(b, config, "Sequential model", input, &last));
  return b.model->set_output(last);
}

Status read_functional(Builder& b, const JsonValue& config) {
  const JsonValue* layers = layer_list(config);
  if (!layers) return parse_error("model.json: modelTopology.config.layers is missing");
  // Layers normally come in topological order; tolerate any order by retrying until stuck.
  std::vector<const JsonValue*> pending;
  for (const JsonValue& l : layers->as_array()) pending.push_back(&l);
  while (!pending.empty()) {
    std::vector<const JsonValue*> later;
    for (const JsonValue* layer : pending) {
      std::string cls;
      NN_RETURN_IF_ERROR(class_of(*layer, &cls));
      const std::string name = layer_name(*layer);
      const std::string who = cat(cls, " '", name, "'");
      const JsonValue* cfg = layer->find("config");
      if (!cfg || !cfg->is_object()) return parse_error("model.json: ", who, " has no config object");
      if (name.empty()) return parse_error("model.json: a ", cls, " layer has no name");
      if (cls == "InputLayer") {
        Shape shape;
        Status st;
        if (!input_shape_of(*cfg, who, &shape, &st)) {
          return parse_error("model.json: ", who, " has no batch_input_shape");
        }
        NN_RETURN_IF_ERROR(st);
        int v = -1;
        Status added = b.model->add_input(name, shape, &v);
        if (!added.is_ok()) return Status(added.code(), cat("model.json: ", added.message()));
        b.values[name] = v;
        continue;
      }
      std::vector<std::string> names;
      NN_RETURN_IF_ERROR(inbound_names(*layer, who, &names));
      if (names.empty()) return parse_error("model.json: ", who, " has no inbound_nodes: it is not connected");
      std::vector<int> inputs;
      for (const std::string& n : names) {
        auto it = b.values.find(n);
        if (it == b.values.end()) break;
        inputs.push_back(it->second);
      }
      if (inputs.size() != names.size()) {
        later.push_back(layer);
        continue;
      }
      if (cls == "Sequential") {
        if (inputs.size() != 1) return unsupported("model.json: ", who, " takes ", inputs.size(), " inputs");
        int last = -1;
        NN_RETURN_IF_ERROR(add_sequential(b, *cfg, who, inputs[0], &last));
        b.values[name] = last;
        continue;
      }
      std::unique_ptr<Layer> l;
      Status st = layer_from_config(cls, *cfg, &l);
      if (!st.is_ok()) return Status(st.code(), cat("model.json: ", st.message()));
      NN_RETURN_IF_ERROR(b.add(std::move(l), inputs));
    }
    if (later.size() == pending.size()) {
      std::vector<std::string> missing;
      NN_RETURN_IF_ERROR(inbound_names(*later[0], layer_name(*later[0]), &missing));
      std::string list;
      for (const std::string& m : missing) list += (list.empty() ? "" : ", ") + m;
      return parse_error("model.json: layer '", layer_name(*later[0]), "' takes input from [", list,
                         "], which no layer in the model produces (or the graph has a cycle)");
    }
    pending.swap(later);
  }
  const JsonValue* outputs = config.find("output_layers");
  if (!outputs || !outputs->is_array() || outputs->size() == 0) {
    return parse_error("model.json: modelTopology.config.output_layers is missing");
  }
  if (outputs->size() > 1 && (*outputs)[0].is_array()) {
    return unsupported("model.json: the model has ", outputs->size(),
                       " outputs; only single-output models are supported");
  }
  const JsonValue& ref = (*outputs)[0].is_array() ? (*outputs)[0] : *outputs;
  if (!ref.is_array() || ref.size() == 0 || !ref[0].is_string()) {
    return parse_error("model.json: output_layers entries must look like [name, node, tensor]");
  }
  auto it = b.values.find(ref[0].as_string());
  if (it == b.values.end()) return parse_error("model.json: output layer '", ref[0].as_string(), "' does not exist");
  return b.model->set_output(it->second);
}

}  // namespace

Status model_from_json(const JsonValue& root, std::unique_ptr<Model>* out) {
  if (!root.is_object()) return parse_error("model.json: the top level must be an object");
  const JsonValue* topology = root.find("modelTopology");
  if (!topology) topology = &root;
  if (const JsonValue* mc = topology->find("model_config")) topology = mc;  // converter's wrapped form
  const JsonValue* cls = topology->find("class_name");
  const JsonValue* config = topology->find("config");
  if (!cls || !cls->is_string() || !config) {
    return parse_error("model.json: no modelTopology with class_name and config: is this a TF.js layers model?");
  }
  const JsonValue* name = config->is_object() ? config->find("name") : nullptr;
  auto model = std::make_unique<Model>(name && name->is_string() ? name->as_string() : "model");
  Builder b{model.get(), {}};
  const std::string& c = cls->as_string();
  if (c == "Sequential") {
    NN_RETURN_IF_ERROR(read_sequential(b, *config));
  } else if (c == "Model" || c == "Functional") {
    NN_RETURN_IF_ERROR(read_functional(b, *config));
  } else {
    return unsupported("model.json: model class '", c, "' is not supported: use a functional Model or a Sequential");
  }
  *out = std::move(model);
  return Status::ok();
}

Status model_from_json_text(std::string_view text, std::unique_ptr<Model>* out) {
  JsonValue root;
  Status st = parse_json(text, &root);
  if (!st.is_ok()) return Status(st.code(), cat("model.json: ", st.message()));
  return model_from_json(root, out);
}

Status load_model_json(const std::string& path, std::unique_ptr<Model>* out) {
  JsonValue root;
  NN_RETURN_IF_ERROR(read_json_file(path, &root));
  return model_from_json(root, out);
}

JsonValue summary_to_json(const ModelSummary& s) {
  JsonValue root = JsonValue::make_object();
  root.set("name", JsonValue::make_string(s.name));
  JsonValue layers = JsonValue::make_array();
  for (const LayerSummary& l : s.layers) {
    JsonValue row = JsonValue::make_object();
    row.set("name", JsonValue::make_string(l.name));
    row.set("class_name", JsonValue::make_string(l.class_name));
    JsonValue shape = JsonValue::make_array();
    for (int i = 0; i < l.output_shape.rank; ++i)
      shape.push_back(JsonValue::make_number(static_cast<double>(l.output_shape[i])));
    row.set("output_shape", std::move(shape));
    row.set("params", JsonValue::make_number(static_cast<double>(l.params)));
    JsonValue inbound = JsonValue::make_array();
    for (const std::string& n : l.inbound) inbound.push_back(JsonValue::make_string(n));
    row.set("inbound", std::move(inbound));
    layers.push_back(std::move(row));
  }
  root.set("layers", std::move(layers));
  root.set("total_params", JsonValue::make_number(static_cast<double>(s.total_params)));
  root.set("trainable_params", JsonValue::make_number(static_cast<double>(s.trainable_params)));
  root.set("non_trainable_params", JsonValue::make_number(static_cast<double>(s.non_trainable_params)));
  return root;
}

}  // namespace nn
