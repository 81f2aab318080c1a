// TF.js weights in: sets a finalized model's parameters from a model.json weightsManifest and
// the bytes of its weight files, following tfjs-core's io format (groups of shard files, each
// group's shards concatenated and read in order as little-endian float32). Weights are matched
// to parameters by name ("conv2d/kernel", optionally scoped: "model/conv2d/kernel").
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "graph/model.h"
#include "io/json.h"

namespace nn {

// The weight file paths of model_json's weightsManifest, in manifest order (the order
// load_tfjs_weights expects the shard bytes in).
Status tfjs_weight_paths(const JsonValue& model_json, std::vector<std::string>* paths);

// Sets every parameter of `model` (finalized) from `shard_bytes`: one entry per path of
// tfjs_weight_paths, or a single entry holding all of those files concatenated in that order. Every spec must name a
// parameter of the model with its exact shape, every parameter must be covered and the files must hold exactly the
// bytes the manifest describes; the model is changed only when all of that holds.
Status load_tfjs_weights(const JsonValue& model_json, const std::vector<std::string_view>& shard_bytes, Model* model);

// Reads model.json at `model_json_path`, builds and finalizes the model and loads its weights
// from the shard files beside it.
Status load_tfjs_model(const std::string& model_json_path, std::unique_ptr<Model>* out);

// Reads a whole binary file; the path is in every error.
Status read_file_bytes(const std::string& path, std::string* out);

}  // namespace nn
