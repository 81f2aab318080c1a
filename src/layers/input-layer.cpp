// InputLayer: declares the per-sample input shape.
#include "layers/layers.h"

namespace nn {

Status InputLayer::do_build(const std::vector<Shape>& inputs, Shape* output) {
  if (!inputs.empty()) return invalid_argument(who(), " takes no inputs");
  if (shape_.rank == 0) return invalid_argument(who(), ": the input shape is empty");
  for (int i = 0; i < shape_.rank; ++i) {
    if (shape_[i] <= 0) {
      return invalid_argument(who(), ": dimension ", i, " of the input shape ", shape_.str(), " is ", shape_[i],
                              ": every dimension (batch excluded) must be a positive size");
    }
  }
  *output = shape_;
  return Status::ok();
}

}  // namespace nn
