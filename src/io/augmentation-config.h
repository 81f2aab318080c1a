// Keras configs of the augmentation layers (RandomFlip, RandomRotation, RandomZoom,
// RandomTranslation, RandomContrast) to engine layers; layer_from_config defers to this.
// Reads the keys Keras 2 and Keras 3 write: mode, factor, height_factor, width_factor,
// fill_mode, interpolation, fill_value, value_range, seed (and rejects channels_first).
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "io/json.h"
#include "layers/layer.h"

namespace nn {

// Sets *handled = false (and returns ok) for a class name that is not an augmentation layer.
// Otherwise *handled = true and the layer is created and its options validated: wrong JSON
// types are kParseError, values that break Keras's rules kInvalidArgument, unknown fill or
// interpolation modes kUnsupported; every message names the layer.
Status augmentation_layer_from_config(const std::string& class_name, const JsonValue& config,
                                      std::unique_ptr<Layer>* out, bool* handled);

}  // namespace nn
