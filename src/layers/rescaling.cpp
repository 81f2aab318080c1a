// Rescaling: y = x * scale + offset (Keras preprocessing layer, e.g. 1/255 for pixels).
#include "layers/layers.h"
#include "threading/thread-pool.h"

namespace nn {

Status Rescaling::do_build(const std::vector<Shape>& inputs, Shape* output) {
  NN_RETURN_IF_ERROR(expect_inputs(inputs, 1, 0));
  *output = inputs[0];
  return Status::ok();
}

void Rescaling::forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) {
  const float* x = in[0];
  parallel_for(ctx.pool, ctx.batch * output_shape_.numel(), 1 << 14, [&](int, size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) out[i] = x[i] * scale_ + offset_;
  });
}

void Rescaling::backward(const RunContext& ctx, const std::vector<const float*>&, const float*, const float* grad_out,
                         const std::vector<float*>& grad_in) {
  if (!grad_in[0]) return;
  float* g = grad_in[0];
  parallel_for(ctx.pool, ctx.batch * output_shape_.numel(), 1 << 14, [&](int, size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) g[i] += grad_out[i] * scale_;
  });
}

}  // namespace nn
