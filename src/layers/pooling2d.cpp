// MaxPooling2D / AveragePooling2D (Keras): strides default to the pool size; 'same' padding
// ignores padded taps.
#include "layers/layers.h"
#include "ops/pool2d.h"

namespace nn {

Status Pooling2D::do_build(const std::vector<Shape>& inputs, Shape* output) {
  NN_RETURN_IF_ERROR(expect_inputs(inputs, 1, 3));
  Pool2DOptions& o = options_;
  if (o.stride_h == 0) o.stride_h = o.pool_h;
  if (o.stride_w == 0) o.stride_w = o.pool_w;
  NN_RETURN_IF_ERROR(window_2d(who(), inputs[0], o.pool_h, o.pool_w, o.stride_h, o.stride_w, o.padding, &window_));
  *output = Shape{window_.h.out, window_.w.out, inputs[0][2]};
  return Status::ok();
}

ConvDims Pooling2D::dims(int batch) const { return window_.dims(batch, input_shapes_[0], output_shape_[2]); }

void Pooling2D::forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) {
  if (kind_ == PoolKind::kMax)
    max_pool2d_forward(ctx.pool, dims(ctx.batch), in[0], out);
  else
    avg_pool2d_forward(ctx.pool, dims(ctx.batch), in[0], out);
}

void Pooling2D::backward(const RunContext& ctx, const std::vector<const float*>& in, const float*,
                         const float* grad_out, const std::vector<float*>& grad_in) {
  if (!grad_in[0]) return;
  if (kind_ == PoolKind::kMax)
    max_pool2d_backward(ctx.pool, dims(ctx.batch), in[0], grad_out, grad_in[0]);
  else
    avg_pool2d_backward(ctx.pool, dims(ctx.batch), grad_out, grad_in[0]);
}

}  // namespace nn
