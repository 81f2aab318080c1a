// Activation (Keras layer): applies relu/relu6/sigmoid/tanh/softmax/linear; softmax over the last axis.
#include "layers/layers.h"

namespace nn {

Status ActivationLayer::do_build(const std::vector<Shape>& inputs, Shape* output) {
  NN_RETURN_IF_ERROR(expect_inputs(inputs, 1, 0));
  if (axis_ != -1 && axis_ != inputs[0].rank) {
    return unsupported(who(), ": axis ", axis_, " is not supported: only the last axis (-1 or ", inputs[0].rank,
                       ") can be normalized");
  }
  *output = inputs[0];
  return Status::ok();
}

void ActivationLayer::forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) {
  const size_t cols = output_shape_.last();
  activation_forward(ctx.pool, activation_, in[0], out, ctx.batch * output_shape_.numel() / cols, cols);
}

void ActivationLayer::backward(const RunContext& ctx, const std::vector<const float*>&, const float* out,
                               const float* grad_out, const std::vector<float*>& grad_in) {
  if (!grad_in[0]) return;
  const size_t cols = output_shape_.last();
  activation_backward(ctx.pool, activation_, out, grad_out, grad_in[0], ctx.batch * output_shape_.numel() / cols, cols,
                      true);
}

}  // namespace nn
