// model.json topology reader (see model-json.h). Every error starts with "model.json:" and
// names the layer involved and, inside nested models, the chain of models that holds it.
//
// Nested models (a Sequential or functional model used as a layer of another model, at any
// depth) are expanded into the one flat graph the engine runs: their layers join the graph under
// their own names, and a nested model's name stands, in the model that holds it, for the value
// its output layer produces. Inner names are kept as they are because TF.js names the weights
// of a nested model's layers by the inner layer names ("Conv1/kernel", not "model1/Conv1/kernel";
// see tfjs-weights.cpp, which accepts both). The writer (tfjs-writer.cpp) then saves the flat
// functional model, which tf.loadLayersModel reads like any other; the nesting is not kept.
#include "io/model-json.h"

#include <cmath>
#include <map>
#include <vector>

#include "io/layer-config.h"

namespace nn {
namespace {

bool is_model_class(const std::string& cls) { return cls == "Sequential" || cls == "Model" || cls == "Functional"; }

bool is_depthwise_class(const std::string& cls) {
  return cls == "DepthwiseConv2D" || cls == "SeparableConv2D" || cls == "SeparableConvolution2D";
}

struct Builder {
  Model* model;
  // Layer name -> depth multiplier read from the weightsManifest's depthwise kernel, for configs
  // that omit it (depth_multipliers_from_manifest). 0 when two weights disagree.
  std::map<std::string, int64_t> depth_multipliers;
  // Flat layer name -> the model that declared it ("'outer' > 'inner'"), to name both in a clash.
  std::map<std::string, std::string> owners;
  // Inside a nested model whose config says trainable: false (Keras freezes all of its layers).
  bool frozen = false;

  Status claim(const std::string& name, const std::string& path) {
    auto it = owners.find(name);
    if (it == owners.end()) {
      owners[name] = path;
      return Status::ok();
    }
    if (it->second == path) {
      return invalid_argument("model.json: model ", path, " has two layers named '", name,
                              "': layer names must be unique");
    }
    return invalid_argument("model.json: two layers are named '", name, "', one in model ", it->second,
                            " and one in model ", path,
                            ": nested models are expanded into one graph, so layer names must be unique across "
                            "all of them (TF.js matches weights to layers by name)");
  }

  Status add(std::unique_ptr<Layer> layer, const std::vector<int>& inputs, const std::string& path, int* v) {
    NN_RETURN_IF_ERROR(claim(layer->name(), path));
    Status st = model->add_layer(std::move(layer), inputs, v);
    if (!st.is_ok()) return Status(st.code(), cat("model.json: ", st.message()));
    return Status::ok();
  }

  Status add_input(const std::string& name, const Shape& shape, const std::string& path, int* v) {
    NN_RETURN_IF_ERROR(claim(name, path));
    Status st = model->add_input(name, shape, v);
    if (!st.is_ok()) return Status(st.code(), cat("model.json: ", st.message()));
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

// The batch input shape list ([null, h, w, c]) of an InputLayer config or a first layer's config.
const JsonValue* shape_key(const JsonValue& config) {
  for (const char* key : {"batch_input_shape", "batch_shape"}) {
    const JsonValue* s = config.find(key);
    if (s && s->is_array()) return s;
  }
  return nullptr;
}

// The names in a list of layer references: [[name, node, tensor], ...] or a single
// [name, node, tensor] (Keras 3 writes one input or output that way).
Status reference_names(const JsonValue& list, const std::string& what, std::vector<std::string>* names) {
  if (!list.is_array()) return parse_error("model.json: ", what, " must be a list of [name, node, tensor]");
  if (list.size() > 0 && list[0].is_string()) {
    names->push_back(list[0].as_string());
    return Status::ok();
  }
  for (const JsonValue& ref : list.as_array()) {
    if (!ref.is_array() || ref.size() == 0 || !ref[0].is_string()) {
      return parse_error("model.json: ", what, " entries must look like [name, node, tensor]");
    }
    names->push_back(ref[0].as_string());
  }
  return Status::ok();
}

// The input shape a model declares: its InputLayer's, or for a Sequential without one, its
// first layer's batch_input_shape. With into_models, a Sequential whose first layer is itself a
// model declares that model's input shape (Teachable Machine's export is built that way).
// *who names the layer that declares it.
const JsonValue* declared_input(const std::string& cls, const JsonValue& config, bool into_models, std::string* who) {
  const JsonValue* layers = layer_list(config);
  if (!layers || layers->size() == 0) return nullptr;
  if (cls == "Sequential") {
    const JsonValue& first = (*layers)[0];
    const JsonValue* cfg = first.find("config");
    const JsonValue* c = first.find("class_name");
    if (!cfg || !c || !c->is_string()) return nullptr;
    if (const JsonValue* s = shape_key(*cfg)) {
      *who = cat(c->as_string(), " '", layer_name(first), "'");
      return s;
    }
    return into_models && is_model_class(c->as_string()) ? declared_input(c->as_string(), *cfg, true, who) : nullptr;
  }
  // Functional: the InputLayer named first in input_layers (or the first InputLayer).
  std::vector<std::string> inputs;
  const JsonValue* input_layers = config.find("input_layers");
  if (!input_layers || !reference_names(*input_layers, "input_layers", &inputs).is_ok()) inputs.clear();
  for (const JsonValue& layer : layers->as_array()) {
    const JsonValue* c = layer.find("class_name");
    const JsonValue* cfg = layer.find("config");
    if (!c || !c->is_string() || c->as_string() != "InputLayer" || !cfg) continue;
    if (!inputs.empty() && layer_name(layer) != inputs[0]) continue;
    *who = cat("InputLayer '", layer_name(layer), "'");
    return shape_key(*cfg);
  }
  return nullptr;
}

std::string shape_list_string(const JsonValue& list) {
  std::string s = "[";
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0) s += ", ";
    s += list[i].is_number() ? cat(list[i].as_number()) : std::string("null");
  }
  return s + "]";
}

// A nested model applied to a value checks it against the input shape it declares (null
// dimensions match anything). A mismatch is an error rather than a silent rebuild at the new
// size: the file then says two things about the input, and the user should pick one (null
// dimensions in the nested InputLayer accept any size).
Status check_applied_shape(const JsonValue& declared, const Shape& given, const std::string& who,
                           const std::string& path) {
  bool same = declared.size() == static_cast<size_t>(given.rank) + 1;
  for (size_t i = 1; same && i < declared.size(); ++i) {
    same = declared[i].is_null() ||
           (declared[i].is_number() && declared[i].as_number() == static_cast<double>(given[static_cast<int>(i - 1)]));
  }
  if (same) return Status::ok();
  return shape_mismatch("model.json: ", who, " of model ", path, " declares the input shape ",
                        shape_list_string(declared), " but the model is applied to values of shape ", given.str(),
                        " (batch first, null matches any size)");
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

// TF.js 4.22's SeparableConv2D.getConfig leaves depth_multiplier out, so a model it saved with a
// multiplier above 1 reads back with 1 and its depthwise kernel no longer fits. The kernel's
// shape in the weightsManifest, [kh, kw, in, multiplier], says what it was. Every '/'-suffix of
// a weight's scope is recorded, as tfjs-weights.cpp matches scoped names ("model/sep/...").
std::map<std::string, int64_t> depth_multipliers_from_manifest(const JsonValue& root) {
  std::map<std::string, int64_t> found;
  const JsonValue* manifest = root.find("weightsManifest");
  if (!manifest || !manifest->is_array()) return found;
  for (const JsonValue& group : manifest->as_array()) {
    const JsonValue* weights = group.find("weights");
    if (!weights || !weights->is_array()) continue;
    for (const JsonValue& spec : weights->as_array()) {
      const JsonValue* name = spec.find("name");
      const JsonValue* shape = spec.find("shape");
      if (!name || !name->is_string() || !shape || !shape->is_array() || shape->size() != 4) continue;
      const JsonValue& m = (*shape)[3];
      if (!m.is_number() || !(m.as_number() >= 1 && m.as_number() <= 2147483647.0) ||
          m.as_number() != std::floor(m.as_number())) {
        continue;
      }
      std::string n = name->as_string();
      const size_t colon = n.rfind(':');
      if (colon != std::string::npos && colon + 1 < n.size() &&
          n.find_first_not_of("0123456789", colon + 1) == std::string::npos) {
        n.resize(colon);  // TensorFlow variable names carry an output index
      }
      const size_t slash = n.rfind('/');
      if (slash == std::string::npos || slash == 0 ||
          n.compare(slash + 1, std::string::npos, "depthwise_kernel") != 0) {
        continue;
      }
      std::string scope = n.substr(0, slash);
      for (;;) {
        const int64_t value = static_cast<int64_t>(m.as_number());
        auto it = found.find(scope);
        if (it == found.end()) {
          found[scope] = value;
        } else if (it->second != value) {
          it->second = 0;  // ambiguous: leave the config alone, the weight loader will say why
        }
        const size_t s = scope.find('/');
        if (s == std::string::npos) break;
        scope.erase(0, s + 1);
      }
    }
  }
  return found;
}

Status read_model(Builder& b, const std::string& cls, const JsonValue& config, const std::string& path,
                  const std::vector<int>* inputs, int* out);

// Keras's `trainable` from a layer's or nested model's config: absent means true.
Status trainable_of(const JsonValue& config, const std::string& who, bool* trainable) {
  const JsonValue* t = config.find("trainable");
  *trainable = true;
  if (!t) return Status::ok();
  if (!t->is_bool()) return parse_error("model.json: ", who, ": config.trainable must be true or false");
  *trainable = t->as_bool();
  return Status::ok();
}

// Applies one layer entry of the model at `path` (a plain layer or a nested model) to `inputs`.
Status apply_layer(Builder& b, const std::string& cls, const JsonValue& cfg, const std::string& path,
                   const std::vector<int>& inputs, int* out) {
  if (is_model_class(cls)) {
    const JsonValue* n = cfg.find("name");
    const std::string inner = n && n->is_string() ? n->as_string() : std::string();
    bool trainable = true;
    NN_RETURN_IF_ERROR(trainable_of(cfg, cat(cls, " '", inner, "'"), &trainable));
    const bool outer_frozen = b.frozen;
    b.frozen = outer_frozen || !trainable;
    Status st = read_model(b, cls, cfg, cat(path, " > '", inner, "'"), &inputs, out);
    b.frozen = outer_frozen;
    return st;
  }
  const JsonValue* config = &cfg;
  JsonValue patched;
  const JsonValue* dm = cfg.find("depth_multiplier");
  if (is_depthwise_class(cls) && (!dm || dm->is_null())) {
    const JsonValue* n = cfg.find("name");
    auto it = n && n->is_string() ? b.depth_multipliers.find(n->as_string()) : b.depth_multipliers.end();
    if (it != b.depth_multipliers.end() && it->second > 0) {
      patched = cfg;
      patched.set("depth_multiplier", JsonValue::make_number(static_cast<double>(it->second)));
      config = &patched;
    }
  }
  std::unique_ptr<Layer> l;
  Status st = layer_from_config(cls, *config, &l);
  if (!st.is_ok()) return Status(st.code(), cat("model.json: ", st.message()));
  // Every layer's trainable flag is read here, once for all classes.
  bool trainable = true;
  NN_RETURN_IF_ERROR(trainable_of(cfg, cat(cls, " '", l->name(), "'"), &trainable));
  l->set_trainable(trainable && !b.frozen);
  return b.add(std::move(l), inputs, path, out);
}

// A Sequential: its layers in a chain. At the top level (inputs null) it makes its input from
// the shape it declares; nested, it continues from the one value it is applied to.
Status read_sequential(Builder& b, const JsonValue& config, const std::string& path, const std::vector<int>* inputs,
                       int* out) {
  const JsonValue* layers = layer_list(config);
  if (!layers) return parse_error("model.json: Sequential model ", path, ": config.layers is missing");
  if (layers->size() == 0) return parse_error("model.json: Sequential model ", path, " has no layers");
  const JsonValue& first = (*layers)[0];
  std::string first_cls;
  NN_RETURN_IF_ERROR(class_of(first, &first_cls));
  std::string who;
  int x = -1;
  if (!inputs) {
    const JsonValue* declared = declared_input("Sequential", config, true, &who);
    if (!declared) {
      return parse_error("model.json: the Sequential model ", path,
                         " does not declare its input shape (an InputLayer, batch_input_shape on the first layer, "
                         "or a first layer that is a model with an input shape)");
    }
    Shape shape;
    NN_RETURN_IF_ERROR(shape_from_json(*declared, true, cat("model.json: ", who, " of model ", path), &shape));
    // Keras names the input it makes for a Sequential without an InputLayer "<first layer>_input".
    const std::string input_name = first_cls == "InputLayer" ? layer_name(first) : layer_name(first) + "_input";
    NN_RETURN_IF_ERROR(b.add_input(input_name, shape, path, &x));
  } else {
    if (inputs->size() != 1) {
      return unsupported("model.json: Sequential model ", path, " is applied to ", inputs->size(),
                         " inputs: a Sequential takes one");
    }
    x = (*inputs)[0];
    // A first layer that is a model checks its own input when it is applied.
    if (const JsonValue* declared = declared_input("Sequential", config, false, &who)) {
      NN_RETURN_IF_ERROR(check_applied_shape(*declared, b.model->values()[static_cast<size_t>(x)].shape, who, path));
    }
  }
  for (const JsonValue& layer : layers->as_array()) {
    std::string cls;
    NN_RETURN_IF_ERROR(class_of(layer, &cls));
    if (cls == "InputLayer") continue;
    const JsonValue* cfg = layer.find("config");
    if (!cfg || !cfg->is_object()) {
      return parse_error("model.json: ", cls, " '", layer_name(layer), "' of model ", path, " has no config object");
    }
    NN_RETURN_IF_ERROR(apply_layer(b, cls, *cfg, path, {x}, &x));
  }
  *out = x;
  return Status::ok();
}

// A functional model: layers wired by inbound_nodes, names resolved within this model. At the
// top level its InputLayers become the graph's inputs; nested, they stand for the values the
// model is applied to, in input_layers order.
Status read_functional(Builder& b, const JsonValue& config, const std::string& path, const std::vector<int>* inputs,
                       int* out) {
  const JsonValue* layers = layer_list(config);
  if (!layers) return parse_error("model.json: model ", path, ": config.layers is missing");
  std::map<std::string, int> values;  // name in this model -> the value it produced
  std::vector<std::string> input_names;
  if (inputs) {
    const JsonValue* input_layers = config.find("input_layers");
    if (input_layers) {
      NN_RETURN_IF_ERROR(reference_names(*input_layers, cat("model ", path, ": input_layers"), &input_names));
    } else {
      for (const JsonValue& l : layers->as_array()) {
        const JsonValue* c = l.find("class_name");
        if (c && c->is_string() && c->as_string() == "InputLayer") input_names.push_back(layer_name(l));
      }
    }
    if (input_names.size() != inputs->size()) {
      return invalid_argument("model.json: model ", path, " has ", input_names.size(), " input(s) but is applied to ",
                              inputs->size());
    }
  }
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
      if (!cfg || !cfg->is_object())
        return parse_error("model.json: ", who, " of model ", path, " has no config object");
      if (name.empty()) return parse_error("model.json: a ", cls, " layer of model ", path, " has no name");
      if (values.count(name)) {
        return invalid_argument("model.json: model ", path, " has two layers named '", name,
                                "': layer names must be unique");
      }
      if (cls == "InputLayer") {
        const JsonValue* declared = shape_key(*cfg);
        if (!declared) return parse_error("model.json: ", who, " of model ", path, " has no batch_input_shape");
        int v = -1;
        if (!inputs) {
          Shape shape;
          NN_RETURN_IF_ERROR(shape_from_json(*declared, true, cat("model.json: ", who, " of model ", path), &shape));
          NN_RETURN_IF_ERROR(b.add_input(name, shape, path, &v));
        } else {
          size_t i = 0;
          while (i < input_names.size() && input_names[i] != name) ++i;
          if (i == input_names.size()) {
            return parse_error("model.json: ", who, " of model ", path, " is not among the model's input_layers");
          }
          v = (*inputs)[i];
          NN_RETURN_IF_ERROR(
              check_applied_shape(*declared, b.model->values()[static_cast<size_t>(v)].shape, who, path));
        }
        values[name] = v;
        continue;
      }
      std::vector<std::string> names;
      NN_RETURN_IF_ERROR(inbound_names(*layer, cat(who, " of model ", path), &names));
      if (names.empty()) {
        return parse_error("model.json: ", who, " of model ", path, " has no inbound_nodes: it is not connected");
      }
      std::vector<int> ins;
      for (const std::string& n : names) {
        auto it = values.find(n);
        if (it == values.end()) break;
        ins.push_back(it->second);
      }
      if (ins.size() != names.size()) {
        later.push_back(layer);
        continue;
      }
      int v = -1;
      NN_RETURN_IF_ERROR(apply_layer(b, cls, *cfg, path, ins, &v));
      values[name] = v;
    }
    if (later.size() == pending.size()) {
      std::vector<std::string> missing;
      NN_RETURN_IF_ERROR(inbound_names(*later[0], layer_name(*later[0]), &missing));
      std::string list;
      for (const std::string& m : missing) list += (list.empty() ? "" : ", ") + m;
      return parse_error("model.json: layer '", layer_name(*later[0]), "' of model ", path, " takes input from [", list,
                         "], which no layer in that model produces (or the graph has a cycle)");
    }
    pending.swap(later);
  }
  const JsonValue* outputs = config.find("output_layers");
  std::vector<std::string> output_names;
  if (outputs) NN_RETURN_IF_ERROR(reference_names(*outputs, cat("model ", path, ": output_layers"), &output_names));
  if (output_names.empty()) return parse_error("model.json: model ", path, ": config.output_layers is missing");
  if (output_names.size() > 1) {
    return unsupported("model.json: model ", path, " has ", output_names.size(),
                       " outputs; only single-output models are supported");
  }
  auto it = values.find(output_names[0]);
  if (it == values.end()) {
    return parse_error("model.json: output layer '", output_names[0], "' of model ", path, " does not exist");
  }
  *out = it->second;
  return Status::ok();
}

Status read_model(Builder& b, const std::string& cls, const JsonValue& config, const std::string& path,
                  const std::vector<int>* inputs, int* out) {
  if (cls == "Sequential") return read_sequential(b, config, path, inputs, out);
  if (!config.is_object()) return parse_error("model.json: model ", path, ": config must be an object");
  return read_functional(b, config, path, inputs, out);
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
  const std::string model_name = name && name->is_string() ? name->as_string() : "model";
  const std::string& c = cls->as_string();
  if (!is_model_class(c)) {
    return unsupported("model.json: model class '", c, "' is not supported: use a functional Model or a Sequential");
  }
  auto model = std::make_unique<Model>(model_name);
  Builder b{model.get(), depth_multipliers_from_manifest(root), {}};
  int output = -1;
  NN_RETURN_IF_ERROR(read_model(b, c, *config, cat("'", model_name, "'"), nullptr, &output));
  NN_RETURN_IF_ERROR(model->set_output(output));
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
    row.set("trainable", JsonValue::make_bool(l.trainable));
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
