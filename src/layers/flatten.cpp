// Flatten (Keras): NHWC memory is already in flattened order, so this is a copy.
#include <algorithm>

#include "layers/layers.h"

namespace nn {

Status Flatten::do_build(const std::vector<Shape>& inputs, Shape* output) {
  NN_RETURN_IF_ERROR(expect_inputs(inputs, 1, 0));
  *output = Shape{inputs[0].numel()};
  return Status::ok();
}

void Flatten::forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) {
  std::copy(in[0], in[0] + ctx.batch * output_shape_.numel(), out);
}

void Flatten::backward(const RunContext& ctx, const std::vector<const float*>&, const float*, const float* grad_out,
                       const std::vector<float*>& grad_in) {
  if (!grad_in[0]) return;
  const size_t n = ctx.batch * output_shape_.numel();
  for (size_t i = 0; i < n; ++i) grad_in[0][i] += grad_out[i];
}

}  // namespace nn
