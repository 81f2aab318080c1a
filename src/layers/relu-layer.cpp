// ReLU and LeakyReLU layers (Keras): a clipped, thresholded, leaky rectifier (see layers.h).
#include "layers/layers.h"
#include "threading/thread-pool.h"

namespace nn {

Status ReLULayer::do_build(const std::vector<Shape>& inputs, Shape* output) {
  NN_RETURN_IF_ERROR(expect_inputs(inputs, 1, 0));
  if (options_.max_value >= 0.0f && options_.max_value < options_.threshold) {
    return invalid_argument(who(), ": max_value ", options_.max_value, " is below threshold ", options_.threshold);
  }
  if (options_.negative_slope < 0.0f) {
    return invalid_argument(who(), ": negative_slope is ", options_.negative_slope, ": it must not be negative");
  }
  *output = inputs[0];
  return Status::ok();
}

void ReLULayer::forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) {
  const ReLUOptions o = options_;
  const bool clip = o.max_value >= 0.0f;
  const float* x = in[0];
  parallel_for(ctx.pool, static_cast<size_t>(ctx.batch) * output_shape_.numel(), 1 << 14, [&](int, size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) {
      const float v = x[i];
      float y = v >= o.threshold ? v : o.negative_slope * (v - o.threshold);
      if (clip && v >= o.max_value) y = o.max_value;
      out[i] = y;
    }
  });
}

void ReLULayer::backward(const RunContext& ctx, const std::vector<const float*>& in, const float*,
                         const float* grad_out, const std::vector<float*>& grad_in) {
  if (!grad_in[0]) return;
  const ReLUOptions o = options_;
  const bool clip = o.max_value >= 0.0f;
  const float* x = in[0];
  float* g = grad_in[0];
  parallel_for(ctx.pool, static_cast<size_t>(ctx.batch) * output_shape_.numel(), 1 << 14, [&](int, size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) {
      const float v = x[i];
      float d = v >= o.threshold ? 1.0f : o.negative_slope;
      if (clip && v >= o.max_value) d = 0.0f;
      g[i] += grad_out[i] * d;
    }
  });
}

}  // namespace nn
