// Keras layer configs (as TF.js and the Keras converter write them in model.json) to engine
// layers. The JS package builds layers from option objects through the same entry point, so
// there is one place that knows each layer's Keras option names and defaults.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "io/json.h"
#include "layers/layer.h"

namespace nn {

// Creates the layer `class_name` from its Keras `config` object (which holds its name).
// InputLayer and Sequential are handled by the model reader, not here.
Status layer_from_config(const std::string& class_name, const JsonValue& config, std::unique_ptr<Layer>* out);

// The comma-separated class names layer_from_config accepts, for error messages and docs.
const char* supported_layer_classes();

// Reads a Keras input shape list ([null, h, w, c] with the batch entry, or without it).
Status shape_from_json(const JsonValue& list, bool has_batch, const std::string& who, Shape* out);

}  // namespace nn
