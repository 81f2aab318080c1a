// Dense (Keras): kernel (in, units) glorot-uniform, bias zeros, optional fused activation.
// Runs as a 1x1 convolution over rows = batch * (all axes but the last).
#include "layers/layers.h"
#include "ops/conv2d.h"

namespace nn {

Status Dense::do_build(const std::vector<Shape>& inputs, Shape* output) {
  NN_RETURN_IF_ERROR(expect_inputs(inputs, 1, 0));
  if (options_.units <= 0) return invalid_argument(who(), ": units is ", options_.units, ": units must be positive");
  const int64_t in = inputs[0].last();
  add_param("kernel", Shape{in, options_.units}, Init::kGlorotUniform, true, in, options_.units);
  if (options_.use_bias) add_param("bias", Shape{options_.units}, Init::kZeros, true);
  *output = inputs[0];
  output->dims[output->rank - 1] = options_.units;
  return Status::ok();
}

ConvDims Dense::dims(int batch) const {
  const size_t in = static_cast<size_t>(input_shapes_[0].last());
  const size_t rows = static_cast<size_t>(batch) * static_cast<size_t>(input_shapes_[0].numel()) / in;
  return dense_dims(rows, in, static_cast<size_t>(options_.units));
}

uint64_t Dense::workspace_floats(int batch, int threads) const {
  return conv2d_fused_workspace_floats(dims(batch), options_.activation, threads);
}

void Dense::forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) {
  conv2d_forward(ctx.pool, dims(ctx.batch), in[0], value(0), options_.use_bias ? value(1) : nullptr,
                 options_.activation, out, ctx.workspace);
}

void Dense::backward(const RunContext& ctx, const std::vector<const float*>& in, const float* out,
                     const float* grad_out, const std::vector<float*>& grad_in) {
  conv2d_fused_backward(ctx.pool, dims(ctx.batch), options_.activation, in[0], out, grad_out, value(0), grad_in[0],
                        grad(0), options_.use_bias ? grad(1) : nullptr, ctx.workspace);
}

int64_t Dense::macs_per_sample() const { return input_shapes_[0].numel() * options_.units; }

}  // namespace nn
