// SeparableConv2D (Keras): depthwise (strides, padding, no bias) into a saved intermediate,
// then a pointwise 1x1 convolution with bias and activation. For a 3x3 window 64 -> 64 without
// bias: 3*3*64 + 64*64 = 4,672 weights instead of Conv2D's 36,864.
#include <cstring>

#include "core/alloc.h"
#include "layers/layers.h"
#include "ops/conv2d.h"
#include "ops/depthwise-conv2d.h"

namespace nn {

Status SeparableConv2D::do_build(const std::vector<Shape>& inputs, Shape* output) {
  NN_RETURN_IF_ERROR(expect_inputs(inputs, 1, 3));
  const SeparableConv2DOptions& o = options_;
  if (o.filters <= 0) return invalid_argument(who(), ": filters is ", o.filters, ": filters must be positive");
  if (o.depth_multiplier <= 0) {
    return invalid_argument(who(), ": depth_multiplier is ", o.depth_multiplier, ": it must be positive");
  }
  NN_RETURN_IF_ERROR(window_2d(who(), inputs[0], o.kernel_h, o.kernel_w, o.stride_h, o.stride_w, o.padding, &window_));
  const int64_t c = inputs[0][2], k = o.kernel_h * o.kernel_w, mid = c * o.depth_multiplier;
  add_param("depthwise_kernel", Shape{o.kernel_h, o.kernel_w, c, o.depth_multiplier}, Init::kGlorotUniform, true, k * c,
            k * o.depth_multiplier);
  add_param("pointwise_kernel", Shape{1, 1, mid, o.filters}, Init::kGlorotUniform, true, mid, o.filters);
  if (o.use_bias) add_param("bias", Shape{o.filters}, Init::kZeros, true);
  NN_RETURN_IF_ERROR(check_tensor("its depthwise intermediate (per sample)", Shape{window_.h.out, window_.w.out, mid}));
  *output = Shape{window_.h.out, window_.w.out, o.filters};
  return Status::ok();
}

ConvDims SeparableConv2D::depthwise_dims(int batch) const {
  return window_.dims(batch, input_shapes_[0], input_shapes_[0][2] * options_.depth_multiplier);
}

ConvDims SeparableConv2D::pointwise_dims(int batch) const {
  const size_t rows = static_cast<size_t>(batch) * static_cast<size_t>(output_shape_[0] * output_shape_[1]);
  return dense_dims(rows, static_cast<size_t>(input_shapes_[0][2] * options_.depth_multiplier),
                    static_cast<size_t>(options_.filters));
}

// The depthwise intermediate is recomputed in backward rather than saved: it is the
// largest buffer of Xception-like models (as big as the output per separable layer, alive
// from forward to backward), while the depthwise pass costs a fraction of the pointwise one.
uint64_t SeparableConv2D::intermediate_floats(int batch) const {
  const ConvDims d = depthwise_dims(batch);
  return static_cast<uint64_t>(d.batch) * d.out_h * d.out_w * d.out_c;
}

uint64_t SeparableConv2D::workspace_floats(int batch, int threads) const {
  // Intermediate and its gradient, then whichever pass needs more scratch.
  return 2 * round_up_floats64(intermediate_floats(batch)) +
         std::max(conv2d_fused_workspace_floats(pointwise_dims(batch), options_.activation, threads),
                  depthwise_conv2d_workspace_floats(depthwise_dims(batch)));
}

void SeparableConv2D::forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) {
  float* mid = ctx.workspace;
  float* ws = ctx.workspace + 2 * round_up_floats(static_cast<size_t>(intermediate_floats(ctx.batch)));
  depthwise_conv2d_forward(ctx.pool, depthwise_dims(ctx.batch), in[0], value(0), nullptr, mid);
  conv2d_forward(ctx.pool, pointwise_dims(ctx.batch), mid, value(1), options_.use_bias ? value(2) : nullptr,
                 options_.activation, out, ws);
}

void SeparableConv2D::backward(const RunContext& ctx, const std::vector<const float*>& in, const float* out,
                               const float* grad_out, const std::vector<float*>& grad_in) {
  const size_t mid_size = static_cast<size_t>(intermediate_floats(ctx.batch));
  float* mid = ctx.workspace;
  float* grad_mid = mid + round_up_floats(mid_size);
  float* ws = grad_mid + round_up_floats(mid_size);
  const ConvDims d = depthwise_dims(ctx.batch);
  // Frozen (null parameter gradients): neither the intermediate (only the pointwise filter
  // gradient reads it) nor any weight gradient is computed, only the input gradient.
  const bool weights = grad(0) || grad(1);
  if (!weights && !grad_in[0]) return;
  if (weights) depthwise_conv2d_forward(ctx.pool, d, in[0], value(0), nullptr, mid);  // recomputed: saves memory
  std::memset(grad_mid, 0, mid_size * sizeof(float));
  conv2d_fused_backward(ctx.pool, pointwise_dims(ctx.batch), options_.activation, mid, out, grad_out, value(1),
                        grad_mid, grad(1), options_.use_bias ? grad(2) : nullptr, ws);
  if (grad_in[0]) depthwise_conv2d_backward_input(ctx.pool, d, grad_mid, value(0), grad_in[0]);
  if (!grad(0)) return;
  depthwise_conv2d_backward_filter(ctx.pool, d, in[0], grad_mid, grad(0), nullptr, ws);
}

int64_t SeparableConv2D::macs_per_sample() const {
  return output_shape_[0] * output_shape_[1] * input_shapes_[0][2] * options_.depth_multiplier *
         (options_.kernel_h * options_.kernel_w + options_.filters);
}

}  // namespace nn
