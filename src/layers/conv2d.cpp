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
  if (o.kernel_h <= 0 || o.kernel_w <= 0) {
    return invalid_argument(who(), ": kernel_size is ", o.kernel_h, "x", o.kernel_w, ": it must be positive");
  }
  if (o.stride_h <= 0 || o.stride_w <= 0) {
    return invalid_argument(who(), ": strides are ", o.stride_h, "x", o.stride_w, ": they must be positive");
  }
  Window1D wh, ww;
  NN_RETURN_IF_ERROR(window_1d(who(), "height", inputs[0][0], o.kernel_h, o.stride_h, o.padding, &wh));
  NN_RETURN_IF_ERROR(window_1d(who(), "width", inputs[0][1], o.kernel_w, o.stride_w, o.padding, &ww));
  pad_top_  = wh.pad_before;
  pad_left_ = ww.pad_before;
  const int64_t ci = inputs[0][2];
  add_param("kernel", Shape{o.kernel_h, o.kernel_w, ci, o.filters}, Init::kGlorotUniform, true,
            o.kernel_h * o.kernel_w * ci, o.kernel_h * o.kernel_w * o.filters);
  if (o.use_bias) add_param("bias", Shape{o.filters}, Init::kZeros, true);
  *output = Shape{wh.out, ww.out, o.filters};
  return Status::ok();
}

ConvDims Conv2D::dims(int batch) const {
  const Shape& in = input_shapes_[0];
  return ConvDims{static_cast<size_t>(batch),
                  static_cast<size_t>(in[0]), static_cast<size_t>(in[1]), static_cast<size_t>(in[2]),
                  static_cast<size_t>(options_.kernel_h), static_cast<size_t>(options_.kernel_w),
                  static_cast<size_t>(options_.stride_h), static_cast<size_t>(options_.stride_w),
                  static_cast<size_t>(pad_top_), static_cast<size_t>(pad_left_),
                  static_cast<size_t>(output_shape_[0]), static_cast<size_t>(output_shape_[1]),
                  static_cast<size_t>(output_shape_[2])};
}

size_t Conv2D::workspace_floats(int batch, int threads) const {
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
  return output_shape_[0] * output_shape_[1] * output_shape_[2] * options_.kernel_h * options_.kernel_w * input_shapes_[0][2];
}

}  // namespace nn
