// Dropout (Keras): inverted dropout, keep an element when uniform() >= rate and scale it by
// 1/(1-rate). Without its own seed the layer draws from the trainer's generator; with one it
// re-seeds per call from (seed, call count) so runs repeat exactly.
#include "layers/layers.h"

namespace nn {

Status Dropout::do_build(const std::vector<Shape>& inputs, Shape* output) {
  NN_RETURN_IF_ERROR(expect_inputs(inputs, 1, 0));
  if (!(rate_ >= 0.0f && rate_ < 1.0f)) {
    return invalid_argument(who(), ": rate is ", rate_, ": it must lie in [0, 1)");
  }
  *output = inputs[0];
  return Status::ok();
}

void Dropout::forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) {
  const size_t n = static_cast<size_t>(ctx.batch) * output_shape_.numel();
  last_training_ = ctx.training && rate_ > 0.0f;
  if (!last_training_) {
    std::copy(in[0], in[0] + n, out);
    return;
  }
  Rng own(seed_ + 0x9e3779b97f4a7c15ULL * ++calls_);
  Rng* rng = has_seed_ || ctx.rng == nullptr ? &own : ctx.rng;
  const float keep_scale = 1.0f / (1.0f - rate_);
  float* mask = ctx.saved;
  // Serial on purpose: one generator, one order, the same mask with any thread count.
  for (size_t i = 0; i < n; ++i) {
    mask[i] = rng->uniform() >= rate_ ? keep_scale : 0.0f;
    out[i] = in[0][i] * mask[i];
  }
}

void Dropout::backward(const RunContext& ctx, const std::vector<const float*>&, const float*, const float* grad_out,
                       const std::vector<float*>& grad_in) {
  if (!grad_in[0]) return;
  const size_t n = static_cast<size_t>(ctx.batch) * output_shape_.numel();
  float* g = grad_in[0];
  if (!last_training_) {
    for (size_t i = 0; i < n; ++i) g[i] += grad_out[i];
    return;
  }
  for (size_t i = 0; i < n; ++i) g[i] += grad_out[i] * ctx.saved[i];
}

}  // namespace nn
