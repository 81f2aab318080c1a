// What the augmentation layers share: seeding, the shape rule, pass-through, and the affine
// forward and backward.
#include <algorithm>
#include <cstring>

#include "core/arena.h"
#include "layers/augmentation.h"
#include "threading/thread-pool.h"

namespace nn {

Status AugmentationLayer::do_build(const std::vector<Shape>& inputs, Shape* output) {
  NN_RETURN_IF_ERROR(expect_inputs(inputs, 1, 3));
  NN_RETURN_IF_ERROR(validate());
  *output = inputs[0];
  return Status::ok();
}

Rng* AugmentationLayer::generator(const RunContext& ctx, Rng* own) {
  // The same golden-ratio stride as Dropout, so call k of a seeded layer has its own stream.
  own->seed_with(seed_ + 0x9e3779b97f4a7c15ULL * ++calls_);
  return has_seed_ || ctx.rng == nullptr ? own : ctx.rng;
}

ImageBatch AugmentationLayer::dims(int batch) const {
  const Shape& s = input_shapes_[0];
  return ImageBatch{batch, s[0], s[1], s[2]};
}

void AugmentationLayer::copy_through(const RunContext& ctx, const float* in, float* out) const {
  if (in != out) std::memcpy(out, in, sizeof(float) * static_cast<size_t>(ctx.batch) * output_shape_.numel());
}

void AugmentationLayer::add_through(const RunContext& ctx, const float* grad_out, float* grad_in) const {
  parallel_for(ctx.pool, static_cast<size_t>(ctx.batch) * output_shape_.numel(), 1 << 14, [&](int, size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) grad_in[i] += grad_out[i];
  });
}

void AffineAugmentation::forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) {
  if (!ctx.training) return copy_through(ctx, in[0], out);
  NN_ASSERT(ctx.saved != nullptr);
  Rng own;
  Rng* rng = generator(ctx, &own);
  const ImageBatch d = dims(ctx.batch);
  for (int i = 0; i < ctx.batch; ++i) draw_map(*rng, d.h, d.w, ctx.saved + i * kAffineMapFloats);
  affine_transform(ctx.pool, d, ctx.saved, sampling_, in[0], out);
}

void AffineAugmentation::backward(const RunContext& ctx, const std::vector<const float*>&, const float*,
                                  const float* grad_out, const std::vector<float*>& grad_in) {
  if (!grad_in[0]) return;
  if (!ctx.training) return add_through(ctx, grad_out, grad_in[0]);
  affine_transform_backward(ctx.pool, dims(ctx.batch), ctx.saved, sampling_, grad_out, grad_in[0]);
}

}  // namespace nn
