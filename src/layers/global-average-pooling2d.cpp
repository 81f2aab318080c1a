// GlobalAveragePooling2D (Keras, keepdims=False): (H, W, C) -> (C).
#include "layers/layers.h"
#include "ops/pool2d.h"

namespace nn {

Status GlobalAveragePooling2D::do_build(const std::vector<Shape>& inputs, Shape* output) {
  NN_RETURN_IF_ERROR(expect_inputs(inputs, 1, 3));
  *output = Shape{inputs[0][2]};
  return Status::ok();
}

void GlobalAveragePooling2D::forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) {
  const Shape& s = input_shapes_[0];
  global_avg_pool_forward(ctx.pool, ctx.batch, s[0] * s[1], s[2], in[0], out);
}

void GlobalAveragePooling2D::backward(const RunContext& ctx, const std::vector<const float*>&, const float*,
                                      const float* grad_out, const std::vector<float*>& grad_in) {
  if (!grad_in[0]) return;
  const Shape& s = input_shapes_[0];
  global_avg_pool_backward(ctx.pool, ctx.batch, s[0] * s[1], s[2], grad_out, grad_in[0]);
}

}  // namespace nn
