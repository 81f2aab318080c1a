// Keras layer configs (as TF.js and the Keras converter write them in model.json) to engine
// layers and back. The JS package builds layers from option objects through the same entry
// point, so there is one place that knows each layer's Keras option names and defaults. The
// classes, their aliases, readers and writers are listed once, in layers/layer-registry.inc.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "io/json.h"
#include "layers/layer.h"

namespace nn {

// Creates the layer `class_name` (a registered class or one of its aliases) from its Keras
// `config` object (which holds its name). The model reader makes inputs itself and expands
// nested Sequential models; unknown classes are kUnsupported, naming the supported ones.
Status layer_from_config(const std::string& class_name, const JsonValue& config, std::unique_ptr<Layer>* out);

// The Keras config of `layer` ({"filters": 32, "kernel_size": [3, 3], ...}), without name and
// trainable. A class the registry does not list (a custom layer) is kUnsupported, naming it.
Status layer_to_config(const Layer& layer, JsonValue* config);

// The registered Keras class names (no aliases), in layer-registry.inc's order.
const std::vector<std::string>& layer_classes();

// The comma-separated class names layer_from_config accepts (the registry's, and Sequential),
// for error messages and docs.
const char* supported_layer_classes();

// Reads a Keras input shape list ([null, h, w, c] with the batch entry, or without it).
Status shape_from_json(const JsonValue& list, bool has_batch, const std::string& who, Shape* out);

}  // namespace nn
