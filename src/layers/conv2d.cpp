// Conv2D (Keras): kernel (KH, KW, CI, CO) glorot-uniform, bias zeros, optional fused activation.
// Backward first turns grad_output into the gradient before the activation (from the saved
// output), then runs the input- and filter-gradient convolutions on it.
#include "layers/layers.h"
#include "ops/conv2d.h"

namespace nn {

Status Conv2D::do_build(const std::vector<Shape>& inputs, Shape* output) {
  NN_RETURN_IF_ERROR(expect_inputs(inputs, 1, 3));
  const Conv2DOptions& o = options_;
  if (o.filters <= 0) return invalid_argument(who(), ": filters is ", o.filters, ": filters must be positive");
  NN_RETURN_IF_ERROR(window_2d(who(), inputs[0], o.kernel_h, o.kernel_w, o.stride_h, o.stride_w, o.padding, &window_));
  const int64_t ci = inputs[0][2];
  add_param("kernel", Shape{o.kernel_h, o.kernel_w, ci, o.filters}, Init::kGlorotUniform, true,
            o.kernel_h * o.kernel_w * ci, o.kernel_h * o.kernel_w * o.filters);
  if (o.use_bias) add_param("bias", Shape{o.filters}, Init::kZeros, true);
  *output = Shape{window_.h.out, window_.w.out, o.filters};
  return Status::ok();
}

ConvDims Conv2D::dims(int batch) const { return window_.dims(batch, input_shapes_[0], output_shape_[2]); }

uint64_t Conv2D::workspace_floats(int batch, int threads) const {
  return conv2d_fused_workspace_floats(dims(batch), options_.activation, threads);
}

void Conv2D::forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) {
  conv2d_forward(ctx.pool, dims(ctx.batch), in[0], value(0), options_.use_bias ? value(1) : nullptr,
                 options_.activation, out, ctx.workspace);
}

void Conv2D::backward(const RunContext& ctx, const std::vector<const float*>& in, const float* out,
                      const float* grad_out, const std::vector<float*>& grad_in) {
  conv2d_fused_backward(ctx.pool, dims(ctx.batch), options_.activation, in[0], out, grad_out, value(0), grad_in[0],
                        grad(0), options_.use_bias ? grad(1) : nullptr, ctx.workspace);
}

int64_t Conv2D::macs_per_sample() const {
  return output_shape_[0] * output_shape_[1] * output_shape_[2] * options_.kernel_h * options_.kernel_w *
         input_shapes_[0][2];
}

}  // namespace nn
