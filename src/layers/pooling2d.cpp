// MaxPooling2D / AveragePooling2D (Keras): strides default to the pool size; 'same' padding
// ignores padded taps.
#include "layers/layers.h"
#include "ops/pool2d.h"

namespace nn {

Status Pooling2D::do_build(const std::vector<Shape>& inputs, Shape* output) {
  NN_RETURN_IF_ERROR(expect_inputs(inputs, 1, 3));
  Pool2DOptions& o = options_;
  if (o.pool_h <= 0 || o.pool_w <= 0) {
    return invalid_argument(who(), ": pool_size is ", o.pool_h, "x", o.pool_w, ": it must be positive");
  }
  if (o.stride_h == 0) o.stride_h = o.pool_h;
  if (o.stride_w == 0) o.stride_w = o.pool_w;
  if (o.stride_h < 0 || o.stride_w < 0) {
    return invalid_argument(who(), ": strides are ", o.stride_h, "x", o.stride_w, ": they must be positive");
  }
  Window1D wh, ww;
  NN_RETURN_IF_ERROR(window_1d(who(), "height", inputs[0][0], o.pool_h, o.stride_h, o.padding, &wh));
  NN_RETURN_IF_ERROR(window_1d(who(), "width", inputs[0][1], o.pool_w, o.stride_w, o.padding, &ww));
  pad_top_  = wh.pad_before;
  pad_left_ = ww.pad_before;
  *output = Shape{wh.out, ww.out, inputs[0][2]};
  return Status::ok();
}

ConvDims Pooling2D::dims(int batch) const {
  const Shape& in = input_shapes_[0];
  return ConvDims{static_cast<size_t>(batch),
                  static_cast<size_t>(in[0]), static_cast<size_t>(in[1]), static_cast<size_t>(in[2]),
                  static_cast<size_t>(options_.pool_h), static_cast<size_t>(options_.pool_w),
                  static_cast<size_t>(options_.stride_h), static_cast<size_t>(options_.stride_w),
                  static_cast<size_t>(pad_top_), static_cast<size_t>(pad_left_),
                  static_cast<size_t>(output_shape_[0]), static_cast<size_t>(output_shape_[1]),
                  static_cast<size_t>(output_shape_[2])};
}

void Pooling2D::forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) {
  if (kind_ == PoolKind::kMax) max_pool2d_forward(ctx.pool, dims(ctx.batch), in[0], out);
  else avg_pool2d_forward(ctx.pool, dims(ctx.batch), in[0], out);
}

void Pooling2D::backward(const RunContext& ctx, const std::vector<const float*>& in, const float*,
                         const float* grad_out, const std::vector<float*>& grad_in) {
  if (!grad_in[0]) return;
  if (kind_ == PoolKind::kMax) max_pool2d_backward(ctx.pool, dims(ctx.batch), in[0], grad_out, grad_in[0]);
  else avg_pool2d_backward(ctx.pool, dims(ctx.batch), grad_out, grad_in[0]);
}

}  // namespace nn
