// RandomContrast (Keras): per image a factor f uniform in [1 - lower, 1 + upper]; per channel
// y = (x - mean) f + mean, mean over the image's pixels, clipped to value_range as Keras 3 does.
// Gradient: dy_i/dx_j = f [i == j] + (1 - f) / HW where not clipped (TF's clip_by_value passes
// the gradient on the bounds), so backward needs the input, the factor and the means.
#include <algorithm>

#include "layers/augmentation.h"
#include "threading/thread-pool.h"

namespace nn {

Status RandomContrast::validate() const {
  const RandomContrastOptions& o = options_;
  // Keras 2 and early Keras 3's rule (and Keras 3's docs); lower may not reach past 1, which
  // would make the factor negative.
  if (!(o.lower >= 0.0f && o.lower <= 1.0f && o.upper >= 0.0f && o.upper < 1e30f)) {
    return invalid_argument(who(), ": factor (lower ", o.lower, ", upper ", o.upper,
                            ") is out of range: lower must lie in [0, 1] and upper must be >= 0");
  }
  if (!(o.value_low <= o.value_high)) {
    return invalid_argument(who(), ": value_range [", o.value_low, ", ", o.value_high, "] is empty");
  }
  return Status::ok();
}

size_t RandomContrast::saved_floats(int batch) const {
  // Per image: the factor, then one mean per channel.
  return static_cast<size_t>(batch) * static_cast<size_t>(1 + input_shapes_[0][2]);
}

void RandomContrast::forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) {
  if (!ctx.training) return copy_through(ctx, in[0], out);
  NN_ASSERT(ctx.saved != nullptr);
  Rng own;
  Rng* rng = generator(ctx, &own);
  const ImageBatch d = dims(ctx.batch);
  const int64_t hw = d.h * d.w, stride = 1 + d.c;
  for (int i = 0; i < ctx.batch; ++i)
    ctx.saved[i * stride] = rng->uniform(1.0f - options_.lower, 1.0f + options_.upper);
  const float lo = options_.value_low, hi = options_.value_high;
  parallel_for(ctx.pool, static_cast<size_t>(d.n), 1, [&](int, size_t n0, size_t n1) {
    for (size_t n = n0; n < n1; ++n) {
      const float* x = in[0] + static_cast<int64_t>(n) * hw * d.c;
      float* o = out + static_cast<int64_t>(n) * hw * d.c;
      float* saved = ctx.saved + static_cast<int64_t>(n) * stride;
      const float f = saved[0];
      for (int64_t c = 0; c < d.c; ++c) {
        double sum = 0.0;
        for (int64_t p = 0; p < hw; ++p) sum += x[p * d.c + c];
        const float mean = static_cast<float>(sum / static_cast<double>(hw));
        saved[1 + c] = mean;
        for (int64_t p = 0; p < hw; ++p)
          o[p * d.c + c] = std::min(std::max((x[p * d.c + c] - mean) * f + mean, lo), hi);
      }
    }
  });
}

void RandomContrast::backward(const RunContext& ctx, const std::vector<const float*>& in, const float*,
                              const float* grad_out, const std::vector<float*>& grad_in) {
  if (!grad_in[0]) return;
  if (!ctx.training) return add_through(ctx, grad_out, grad_in[0]);
  const ImageBatch d = dims(ctx.batch);
  const int64_t hw = d.h * d.w, stride = 1 + d.c;
  const float lo = options_.value_low, hi = options_.value_high;
  parallel_for(ctx.pool, static_cast<size_t>(d.n), 1, [&](int, size_t n0, size_t n1) {
    for (size_t n = n0; n < n1; ++n) {
      const int64_t base = static_cast<int64_t>(n) * hw * d.c;
      const float* x = in[0] + base;
      const float* go = grad_out + base;
      float* gi = grad_in[0] + base;
      const float* saved = ctx.saved + static_cast<int64_t>(n) * stride;
      const float f = saved[0];
      for (int64_t c = 0; c < d.c; ++c) {
        const float mean = saved[1 + c];
        // Recomputed exactly as in forward, so the clip mask matches bit for bit.
        auto passes = [&](int64_t p) {
          const float y = (x[p * d.c + c] - mean) * f + mean;
          return y >= lo && y <= hi;
        };
        double through = 0.0;  // sum of the gradient reaching y, which every x_j gets via the mean
        for (int64_t p = 0; p < hw; ++p)
          if (passes(p)) through += go[p * d.c + c];
        const float shared = static_cast<float>((1.0 - f) * through / static_cast<double>(hw));
        for (int64_t p = 0; p < hw; ++p) gi[p * d.c + c] += (passes(p) ? f * go[p * d.c + c] : 0.0f) + shared;
      }
    }
  });
}

}  // namespace nn
