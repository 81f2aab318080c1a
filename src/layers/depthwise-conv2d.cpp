// DepthwiseConv2D (Keras): kernel (KH, KW, C, depth_multiplier) glorot-uniform with Keras's
// fans (receptive field times C in, times depth_multiplier out), bias zeros, fused activation.
#include "core/alloc.h"
#include "layers/layers.h"
#include "ops/depthwise-conv2d.h"

namespace nn {

Status DepthwiseConv2D::do_build(const std::vector<Shape>& inputs, Shape* output) {
  NN_RETURN_IF_ERROR(expect_inputs(inputs, 1, 3));
  const DepthwiseConv2DOptions& o = options_;
  if (o.depth_multiplier <= 0) {
    return invalid_argument(who(), ": depth_multiplier is ", o.depth_multiplier, ": it must be positive");
  }
  NN_RETURN_IF_ERROR(window_2d(who(), inputs[0], o.kernel_h, o.kernel_w, o.stride_h, o.stride_w, o.padding, &window_));
  const int64_t c = inputs[0][2], k = o.kernel_h * o.kernel_w;
  add_param("depthwise_kernel", Shape{o.kernel_h, o.kernel_w, c, o.depth_multiplier}, Init::kGlorotUniform, true, k * c,
            k * o.depth_multiplier);
  if (o.use_bias) add_param("bias", Shape{c * o.depth_multiplier}, Init::kZeros, true);
  *output = Shape{window_.h.out, window_.w.out, c * o.depth_multiplier};
  return Status::ok();
}

ConvDims DepthwiseConv2D::dims(int batch) const { return window_.dims(batch, input_shapes_[0], output_shape_[2]); }

uint64_t DepthwiseConv2D::workspace_floats(int batch, int) const {
  const uint64_t pre =
      options_.activation == Activation::kLinear
          ? 0
          : round_up_floats64(static_cast<uint64_t>(batch) * static_cast<uint64_t>(output_shape_.numel()));
  return pre + depthwise_conv2d_workspace_floats(dims(batch));
}

void DepthwiseConv2D::forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) {
  const ConvDims d = dims(ctx.batch);
  depthwise_conv2d_forward(ctx.pool, d, in[0], value(0), options_.use_bias ? value(1) : nullptr, out);
  if (options_.activation != Activation::kLinear) {
    activation_forward(ctx.pool, options_.activation, out, out, d.batch * d.out_h * d.out_w, d.out_c);
  }
}

void DepthwiseConv2D::backward(const RunContext& ctx, const std::vector<const float*>& in, const float* out,
                               const float* grad_out, const std::vector<float*>& grad_in) {
  const ConvDims d = dims(ctx.batch);
  float* grad_bias = options_.use_bias ? grad(1) : nullptr;
  if (!grad_in[0] && !grad(0) && !grad_bias) return;
  const float* g = grad_out;
  float* ws = ctx.workspace;
  if (options_.activation != Activation::kLinear) {
    activation_backward(ctx.pool, options_.activation, out, grad_out, ws, d.batch * d.out_h * d.out_w, d.out_c, false);
    g = ws;
    ws += round_up_floats(ctx.batch * output_shape_.numel());
  }
  if (grad_in[0]) depthwise_conv2d_backward_input(ctx.pool, d, g, value(0), grad_in[0]);
  if (!grad(0) && !grad_bias) return;  // frozen: no weight gradients
  depthwise_conv2d_backward_filter(ctx.pool, d, in[0], g, grad(0), grad_bias, ws);
}

int64_t DepthwiseConv2D::macs_per_sample() const {
  return output_shape_.numel() * options_.kernel_h * options_.kernel_w;
}

}  // namespace nn
