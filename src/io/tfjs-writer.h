// TF.js model out: a model as TensorFlow.js layers-model JSON (the model.json of
// tf.LayersModel.save(): a functional "Model" topology with Keras layer configs) plus its weights
// as one little-endian float32 file. tf.loadLayersModel and our own reader both load the result.
// Check against real TF.js: wasm-tests/fixtures/generate/check-roundtrip.mjs.
#pragma once

#include <string>

#include "core/status.h"
#include "graph/model.h"
#include "io/json.h"

namespace nn {

// The one weight file model_to_tfjs's manifest names.
inline constexpr const char* kTfjsWeightFile = "group1-shard1of1.bin";

// Writes `model` (finalized) as model.json and its weights (per layer, each layer's weights in
// Keras order, as the manifest lists them). Layer classes the writer does not know (custom
// layers) give kUnsupported naming the layer.
Status model_to_tfjs(const Model& model, JsonValue* model_json, std::string* weight_bytes);

// The Keras config of one layer as model.json holds it ({"filters": 32, "kernel_size": [3, 3], ...}).
Status layer_to_tfjs_config(const Layer& layer, JsonValue* config);

// Writes <dir>/model.json and <dir>/group1-shard1of1.bin (the folder must exist).
Status save_tfjs_model(const Model& model, const std::string& dir);

}  // namespace nn
