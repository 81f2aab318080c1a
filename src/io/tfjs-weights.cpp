// TF.js weights reader (see tfjs-weights.h). Two passes: resolve and check every weight spec
// (name, shape, dtype, byte counts) without touching the model, then copy. Format reference:
// tfjs-core src/io/types.ts (WeightsManifestConfig) and io_utils.ts decodeWeights.
// Test: nn_tests_native -tc='*tfjs*'
#include "io/tfjs-weights.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "io/model-json.h"

namespace nn {
namespace {

static_assert(std::endian::native == std::endian::little, "weight files are little-endian float32, copied as is");

// One weight spec of the manifest, resolved to the parameter it sets.
struct ResolvedWeight {
  std::string name;
  Param* param = nullptr;
  size_t bytes = 0;
};

struct ResolvedGroup {
  std::vector<ResolvedWeight> weights;
  size_t first_shard = 0, shard_count = 0;  // into shard_bytes
  size_t bytes = 0;
};

std::string dims_string(const std::vector<int64_t>& dims) {
  if (dims.empty()) return "scalar";
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? "x" : "") + std::to_string(dims[i]);
  return s;
}

Status manifest_of(const JsonValue& model_json, const JsonValue** out) {
  const JsonValue* manifest = model_json.is_object() ? model_json.find("weightsManifest") : nullptr;
  if (!manifest || !manifest->is_array()) {
    return parse_error(
        "model.json has no weightsManifest list: it must come from tf.LayersModel.save() or the TF.js converter");
  }
  for (size_t g = 0; g < manifest->size(); ++g) {
    const JsonValue& group = (*manifest)[g];
    const JsonValue* paths = group.find("paths");
    const JsonValue* weights = group.find("weights");
    if (!group.is_object() || !paths || !paths->is_array() || !weights || !weights->is_array()) {
      return parse_error("model.json weightsManifest group ", g + 1,
                         " must be an object with 'paths' and 'weights' lists");
    }
    for (const JsonValue& p : paths->as_array()) {
      if (!p.is_string())
        return parse_error("model.json weightsManifest group ", g + 1, ": every path must be a string");
    }
  }
  *out = manifest;
  return Status::ok();
}

// "model/conv2d/kernel:0" -> layer "conv2d", param "kernel": the last component is the Keras
// parameter name; the layer is the longest suffix of the rest that names a layer (scopes such
// as an outer model's name come first).
Status resolve_name(const std::string& full, Model* model, Layer** layer_out, Param** out) {
  std::string name = full;
  const size_t colon = name.rfind(':');
  if (colon != std::string::npos && colon + 1 < name.size() &&
      name.find_first_not_of("0123456789", colon + 1) == std::string::npos) {
    name.resize(colon);  // TensorFlow variable names carry an output index
  }
  const size_t slash = name.rfind('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == name.size()) {
    return parse_error("weight '", full, "' is not named layer/parameter (e.g. 'conv2d/kernel')");
  }
  const std::string param_name = name.substr(slash + 1);
  std::string scope = name.substr(0, slash);
  int node = model->find_layer(scope);
  while (node < 0) {
    const size_t s = scope.find('/');
    if (s == std::string::npos) break;
    scope.erase(0, s + 1);
    node = model->find_layer(scope);
  }
  if (node < 0) {
    return invalid_argument("weight '", full, "' belongs to layer '", scope, "', which model '", model->name(),
                            "' does not have");
  }
  Layer& layer = *model->nodes()[static_cast<size_t>(node)].layer;
  std::string known;
  for (Param& p : layer.params()) {
    if (p.name == param_name) {
      *layer_out = &layer;
      *out = &p;
      return Status::ok();
    }
    known += (known.empty() ? "" : ", ") + p.name;
  }
  return invalid_argument("weight '", full, "': ", layer.class_name(), " '", layer.name(), "' has no parameter '",
                          param_name, "' (", known.empty() ? std::string("it has no parameters") : "it has " + known,
                          ")");
}

Status resolve_spec(const JsonValue& spec, size_t group, Model* model, ResolvedWeight* out) {
  const JsonValue* name = spec.find("name");
  if (!spec.is_object() || !name || !name->is_string()) {
    return parse_error("model.json weightsManifest group ", group + 1, ": a weight spec has no name");
  }
  const std::string& n = name->as_string();
  const JsonValue* dtype = spec.find("dtype");
  if (!dtype || !dtype->is_string()) return parse_error("weight '", n, "' has no dtype");
  if (dtype->as_string() != "float32") {
    return unsupported("weight '", n, "' has dtype ", dtype->as_string(), ": only float32 weights are supported");
  }
  const JsonValue* quantization = spec.find("quantization");
  if (quantization && !quantization->is_null()) {
    return unsupported("weight '", n,
                       "' is quantized: only unquantized float32 weights are supported "
                       "(convert the model without --quantize_* options)");
  }
  const JsonValue* shape = spec.find("shape");
  if (!shape || !shape->is_array()) return parse_error("weight '", n, "' has no shape list");
  std::vector<int64_t> dims;
  for (const JsonValue& d : shape->as_array()) {
    if (!d.is_number() || d.as_number() < 0 || d.as_number() != std::floor(d.as_number()) || d.as_number() > 1e12) {
      return parse_error("weight '", n, "': shape entries must be non-negative integers");
    }
    dims.push_back(static_cast<int64_t>(d.as_number()));
  }
  Layer* layer = nullptr;
  Param* param = nullptr;
  NN_RETURN_IF_ERROR(resolve_name(n, model, &layer, &param));
  bool same = static_cast<int>(dims.size()) == param->shape.rank;
  for (size_t i = 0; same && i < dims.size(); ++i) same = dims[i] == param->shape[static_cast<int>(i)];
  if (!same) {
    return shape_mismatch("weight '", n, "' has shape ", dims_string(dims), " but layer '", layer->name(), "' expects ",
                          param->shape.str());
  }
  out->name = n;
  out->param = param;
  out->bytes = static_cast<size_t>(param->shape.numel()) * sizeof(float);
  return Status::ok();
}

// Copies `count` bytes from the group's shards, continuing where the last copy stopped.
struct ShardReader {
  const std::vector<std::string_view>* shards;
  size_t shard = 0, offset = 0;

  void read(size_t count, char* dst) {
    while (count > 0) {
      const std::string_view s = (*shards)[shard];
      const size_t n = std::min(count, s.size() - offset);
      std::memcpy(dst, s.data() + offset, n);
      dst += n;
      count -= n;
      offset += n;
      if (offset == s.size()) {
        ++shard;
        offset = 0;
      }
    }
  }
};

}  // namespace

Status tfjs_weight_paths(const JsonValue& model_json, std::vector<std::string>* paths) {
  const JsonValue* manifest = nullptr;
  NN_RETURN_IF_ERROR(manifest_of(model_json, &manifest));
  paths->clear();
  for (const JsonValue& group : manifest->as_array())
    for (const JsonValue& p : group.find("paths")->as_array()) paths->push_back(p.as_string());
  return Status::ok();
}

Status load_tfjs_weights(const JsonValue& model_json, const std::vector<std::string_view>& shard_bytes, Model* model) {
  if (!model->finalized()) {
    return failed_precondition("model '", model->name(), "' must be finalized before its weights are loaded");
  }
  const JsonValue* manifest = nullptr;
  NN_RETURN_IF_ERROR(manifest_of(model_json, &manifest));

  // Pass 1: resolve every spec and check the byte counts; the model is not touched.
  std::vector<ResolvedGroup> groups;
  std::vector<const Param*> seen;
  size_t shard = 0;
  for (size_t g = 0; g < manifest->size(); ++g) {
    const JsonValue& group = (*manifest)[g];
    const std::vector<JsonValue>& paths = group.find("paths")->as_array();
    ResolvedGroup rg;
    rg.first_shard = shard;
    rg.shard_count = paths.size();
    shard += paths.size();
    for (const JsonValue& spec : group.find("weights")->as_array()) {
      ResolvedWeight w;
      NN_RETURN_IF_ERROR(resolve_spec(spec, g, model, &w));
      for (const Param* p : seen) {
        if (p == w.param) return invalid_argument("weight '", w.name, "' appears twice in the weightsManifest");
      }
      seen.push_back(w.param);
      rg.bytes += w.bytes;
      rg.weights.push_back(std::move(w));
    }
    groups.push_back(std::move(rg));
  }
  for (const Node& n : model->nodes())
    for (const Param& p : n.layer->params()) {
      bool found = false;
      for (const Param* s : seen) found = found || s == &p;
      if (!found) {
        return invalid_argument("model.json weightsManifest has no weight '", n.layer->name(), "/", p.name, "' (shape ",
                                p.shape.str(), ") for ", n.layer->class_name(), " '", n.layer->name(), "'");
      }
    }
  // The shard bytes come either one buffer per listed file or, as the JS package passes them,
  // as one buffer holding every file concatenated in manifest order. Groups are stored back to
  // back either way, so the concatenated buffer is cut at group boundaries and each group reads
  // its slice as if it were its only file.
  const bool concatenated = shard > 1 && shard_bytes.size() == 1;
  if (shard != shard_bytes.size() && !concatenated) {
    return invalid_argument("model.json weightsManifest lists ", shard, " weight file(s) but ", shard_bytes.size(),
                            " were given (give one buffer per file, or one buffer with all of them concatenated in "
                            "manifest order)");
  }
  for (size_t g = 0; g < groups.size(); ++g) {
    const ResolvedGroup& rg = groups[g];
    if (rg.shard_count == 0 && rg.bytes > 0) {
      return invalid_argument("model.json weightsManifest group ", g + 1, " lists ", rg.weights.size(),
                              " weights but no weight files (its paths list is empty): the file holds a topology only");
    }
  }
  auto size_error = [](const std::string& files, size_t have, size_t need, size_t weights, const char* how) {
    return parse_error("weight file(s) ", files, how, " hold ", have, " bytes but the weightsManifest needs ", need,
                       " (", weights,
                       " float32 weights): ", have < need ? "the file is truncated" : "the file has extra bytes");
  };
  std::vector<std::string_view> shards = shard_bytes;
  if (concatenated) {
    size_t need = 0, weights = 0;
    std::string files;
    for (size_t g = 0; g < groups.size(); ++g) {
      need += groups[g].bytes;
      weights += groups[g].weights.size();
      for (const JsonValue& p : (*manifest)[g].find("paths")->as_array())
        files += (files.empty() ? "" : ", ") + p.as_string();
    }
    const size_t have = shard_bytes[0].size();
    if (have != need) return size_error(files, have, need, weights, " (given concatenated as one buffer)");
    // Each group's slice goes in its first file's slot; its other files are empty.
    shards.assign(shard, std::string_view());
    size_t at = 0;
    for (const ResolvedGroup& rg : groups) {
      if (rg.shard_count == 0) continue;
      shards[rg.first_shard] = shard_bytes[0].substr(at, rg.bytes);
      at += rg.bytes;
    }
  }
  for (size_t g = 0; g < groups.size(); ++g) {
    const ResolvedGroup& rg = groups[g];
    const JsonValue& paths = *(*manifest)[g].find("paths");
    size_t have = 0;
    std::string files;
    for (size_t i = 0; i < rg.shard_count; ++i) {
      have += shards[rg.first_shard + i].size();
      files += (i ? ", " : "") + paths[i].as_string();
    }
    if (have != rg.bytes) return size_error(files, have, rg.bytes, rg.weights.size(), "");
  }

  auto shards_of = [&](const ResolvedGroup& rg) {
    return std::vector<std::string_view>(shards.begin() + static_cast<std::ptrdiff_t>(rg.first_shard),
                                         shards.begin() + static_cast<std::ptrdiff_t>(rg.first_shard + rg.shard_count));
  };
  // Every value must be finite, checked before anything is copied: a NaN would otherwise load
  // silently and surface as a NaN loss that blames the learning rate. Read through a small
  // buffer, since a float may straddle two shards.
  std::vector<float> chunk(4096);
  for (const ResolvedGroup& rg : groups) {
    const std::vector<std::string_view> group_shards = shards_of(rg);
    ShardReader reader{&group_shards};
    for (const ResolvedWeight& w : rg.weights) {
      for (size_t done = 0, count = w.bytes / sizeof(float); done < count;) {
        const size_t n = std::min(chunk.size(), count - done);
        reader.read(n * sizeof(float), reinterpret_cast<char*>(chunk.data()));
        for (size_t i = 0; i < n; ++i) {
          if (!std::isfinite(chunk[i])) {
            return invalid_argument("weight '", w.name, "' has ", chunk[i], " at element ", done + i,
                                    ": weights must be finite numbers");
          }
        }
        done += n;
      }
    }
  }

  // Pass 2: copy.
  for (const ResolvedGroup& rg : groups) {
    const std::vector<std::string_view> group_shards = shards_of(rg);
    ShardReader reader{&group_shards};
    for (const ResolvedWeight& w : rg.weights) reader.read(w.bytes, reinterpret_cast<char*>(w.param->value));
  }
  return Status::ok();
}

Status read_file_bytes(const std::string& path, std::string* out) {
  out->clear();
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return invalid_argument("cannot open file '", path, "': ", std::strerror(errno));
  constexpr size_t kChunk = 1 << 16;
  for (;;) {
    const size_t old_size = out->size();
    out->resize(old_size + kChunk);
    const size_t n = std::fread(&(*out)[old_size], 1, kChunk, file);
    out->resize(old_size + n);
    if (n < kChunk) break;
  }
  const bool failed = std::ferror(file) != 0;
  const int error = errno;
  std::fclose(file);
  if (failed) return invalid_argument("cannot read file '", path, "': ", std::strerror(error));
  return Status::ok();
}

Status load_tfjs_model(const std::string& model_json_path, std::unique_ptr<Model>* out) {
  JsonValue root;
  NN_RETURN_IF_ERROR(read_json_file(model_json_path, &root));
  std::unique_ptr<Model> model;
  NN_RETURN_IF_ERROR(model_from_json(root, &model));
  NN_RETURN_IF_ERROR(model->finalize(0));  // every parameter is overwritten below
  std::vector<std::string> paths;
  NN_RETURN_IF_ERROR(tfjs_weight_paths(root, &paths));
  const size_t slash = model_json_path.rfind('/');
  const std::string dir = slash == std::string::npos ? std::string() : model_json_path.substr(0, slash + 1);
  std::vector<std::string> files(paths.size());
  std::vector<std::string_view> views;
  for (size_t i = 0; i < paths.size(); ++i) {
    NN_RETURN_IF_ERROR(read_file_bytes(dir + paths[i], &files[i]));
    views.push_back(files[i]);
  }
  Status st = load_tfjs_weights(root, views, model.get());
  if (!st.is_ok()) return Status(st.code(), cat(model_json_path, ": ", st.message()));
  *out = std::move(model);
  return Status::ok();
}

}  // namespace nn
