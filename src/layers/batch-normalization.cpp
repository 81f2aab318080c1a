// BatchNormalization (Keras): batch statistics and moving-average updates in training, moving
// averages in inference and whenever the layer is frozen (trainable false). The mean and 1/std
// used are saved for backward.
#include "layers/layers.h"
#include "ops/batchnorm.h"

namespace nn {

Status BatchNormalization::do_build(const std::vector<Shape>& inputs, Shape* output) {
  NN_RETURN_IF_ERROR(expect_inputs(inputs, 1, 0));
  const int rank = inputs[0].rank + 1;  // Keras counts the batch axis
  const int axis = options_.axis < 0 ? options_.axis + rank : options_.axis;
  if (axis < 1 || axis >= rank) {
    return invalid_argument(who(), ": axis ", options_.axis, " does not exist for inputs of rank ", rank,
                            " (batch included): use -1, the channel axis");
  }
  if (axis != rank - 1) {
    return unsupported(who(), ": axis ", options_.axis, " is not supported: only the last (channel) axis, -1 or ",
                       rank - 1, ", can be normalized");
  }
  if (!(options_.momentum >= 0.0f && options_.momentum <= 1.0f)) {
    return invalid_argument(who(), ": momentum is ", options_.momentum, ": it must lie in [0, 1]");
  }
  if (!(options_.epsilon > 0.0f))
    return invalid_argument(who(), ": epsilon is ", options_.epsilon, ": it must be positive");
  const int64_t c = inputs[0].last();
  gamma_ = beta_ = -1;
  if (options_.scale) {
    gamma_ = static_cast<int>(params_.size());
    add_param("gamma", Shape{c}, Init::kOnes, true);
  }
  if (options_.center) {
    beta_ = static_cast<int>(params_.size());
    add_param("beta", Shape{c}, Init::kZeros, true);
  }
  moving_mean_ = static_cast<int>(params_.size());
  add_param("moving_mean", Shape{c}, Init::kZeros, false);
  moving_variance_ = static_cast<int>(params_.size());
  add_param("moving_variance", Shape{c}, Init::kOnes, false);
  *output = inputs[0];
  return Status::ok();
}

size_t BatchNormalization::rows(int batch) const {
  return static_cast<size_t>(batch) * static_cast<size_t>(output_shape_.numel() / output_shape_.last());
}

uint64_t BatchNormalization::workspace_floats(int batch, int) const {
  return batchnorm_workspace_floats(rows(batch), static_cast<size_t>(output_shape_.last()));
}

size_t BatchNormalization::saved_floats(int) const { return 2 * static_cast<size_t>(output_shape_.last()); }

void BatchNormalization::forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) {
  BatchNormArgs a;
  a.rows = rows(ctx.batch);
  a.channels = static_cast<size_t>(output_shape_.last());
  a.epsilon = options_.epsilon;
  a.momentum = options_.momentum;
  a.gamma = gamma_ >= 0 ? value(gamma_) : nullptr;
  a.beta = beta_ >= 0 ? value(beta_) : nullptr;
  float* mean = ctx.saved;
  float* inv_std = ctx.saved + a.channels;
  // A frozen layer normalizes with its moving statistics and leaves them as they are, also
  // while training (Keras 2.x+: layer.trainable = False means inference mode).
  if (ctx.training && trainable()) {
    batchnorm_forward_training(ctx.pool, a, in[0], out, mean, inv_std, value(moving_mean_), value(moving_variance_),
                               ctx.workspace);
  } else {
    batchnorm_forward_inference(ctx.pool, a, in[0], out, value(moving_mean_), value(moving_variance_), mean, inv_std);
  }
}

void BatchNormalization::backward(const RunContext& ctx, const std::vector<const float*>& in, const float*,
                                  const float* grad_out, const std::vector<float*>& grad_in) {
  BatchNormArgs a;
  a.rows = rows(ctx.batch);
  a.channels = static_cast<size_t>(output_shape_.last());
  a.epsilon = options_.epsilon;
  a.gamma = gamma_ >= 0 ? value(gamma_) : nullptr;
  a.beta = beta_ >= 0 ? value(beta_) : nullptr;
  batchnorm_backward(ctx.pool, a, ctx.training && trainable(), in[0], grad_out, ctx.saved, ctx.saved + a.channels,
                     grad_in[0], gamma_ >= 0 ? grad(gamma_) : nullptr, beta_ >= 0 ? grad(beta_) : nullptr,
                     ctx.workspace);
}

}  // namespace nn
