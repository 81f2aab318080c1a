// Add (Keras merge layer): the residual connection. Backward hands grad_output to every input
// unchanged, so a residual block's input gradient is the sum of both paths.
#include "layers/layers.h"
#include "threading/thread-pool.h"

namespace nn {

Status Add::do_build(const std::vector<Shape>& inputs, Shape* output) {
  if (inputs.size() < 2) return invalid_argument(who(), " needs at least 2 inputs but was given ", inputs.size());
  for (size_t i = 1; i < inputs.size(); ++i) {
    if (inputs[i] != inputs[0]) {
      return shape_mismatch(who(), ": input ", i, " has shape ", inputs[i].str(), " but input 0 has shape ",
                            inputs[0].str(), ": all inputs of Add must have the same shape");
    }
  }
  *output = inputs[0];
  return Status::ok();
}

void Add::forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) {
  parallel_for(ctx.pool, ctx.batch * output_shape_.numel(), 1 << 14, [&](int, size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) out[i] = in[0][i] + in[1][i];
    for (size_t k = 2; k < in.size(); ++k)
      for (size_t i = b; i < e; ++i) out[i] += in[k][i];
  });
}

void Add::backward(const RunContext& ctx, const std::vector<const float*>&, const float*, const float* grad_out,
                   const std::vector<float*>& grad_in) {
  parallel_for(ctx.pool, ctx.batch * output_shape_.numel(), 1 << 14, [&](int, size_t b, size_t e) {
    for (float* g : grad_in) {
      if (!g) continue;
      for (size_t i = b; i < e; ++i) g[i] += grad_out[i];
    }
  });
}

}  // namespace nn
