// Reads a model's topology from TensorFlow.js layers-model JSON (model.json as written by
// tf.LayersModel.save() and the Keras-to-TF.js converter): functional models ("Model" /
// "Functional") and Sequential models, which may hold Sequential or functional models as layers
// at any depth (a `data_augmentation` block, a pretrained base, Teachable Machine's export). Nested
// models are expanded into one flat graph with their layers' own names, so the engine's summary
// and the model.json it writes back are flat (tf.loadLayersModel reads that as it is). Keras 2
// (list) and Keras 3 (args/kwargs) inbound_nodes are both understood.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "graph/model.h"
#include "io/json.h"

namespace nn {

// root is the whole model.json or just its modelTopology. The model is built, not finalized.
// With the whole model.json, a DepthwiseConv2D or SeparableConv2D config without
// depth_multiplier takes it from its depthwise kernel's shape in the weightsManifest (TF.js
// 4.22 saves SeparableConv2D without it); a depth_multiplier the config does give is kept.
// Each layer's config.trainable (Keras's flag, default true) is kept; a nested model whose
// config says false freezes all of its layers.
Status model_from_json(const JsonValue& root, std::unique_ptr<Model>* out);
Status model_from_json_text(std::string_view text, std::unique_ptr<Model>* out);
Status load_model_json(const std::string& path, std::unique_ptr<Model>* out);

// model.summary() as JSON: {name, layers: [{name, class_name, output_shape, params, trainable, inbound}],
// total_params, trainable_params, non_trainable_params}.
JsonValue summary_to_json(const ModelSummary& summary);

}  // namespace nn
