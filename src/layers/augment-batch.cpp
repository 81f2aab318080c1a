// What the augmentation layers share (seeding, shape rule, pass-through, the affine forward and
// backward) and augment_batch, which runs a chain of them on a batch without a model.
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

Status augment_batch(const std::vector<Layer*>& layers, const Shape& image_shape, int n, const float* in, float* out,
                     Rng* rng, ThreadPool* pool) {
  if (image_shape.rank != 3 || image_shape.numel() <= 0) {
    return shape_mismatch("augment_batch: image shape ", image_shape.str(), " is not (height, width, channels)");
  }
  if (n <= 0) return invalid_argument("augment_batch: batch of ", n, " images: it must be positive");
  if (in == nullptr || out == nullptr) return invalid_argument("augment_batch: null image buffer");
  size_t saved = 0, workspace = 0;
  for (Layer* layer : layers) {
    if (layer == nullptr) return invalid_argument("augment_batch: null layer");
    const std::string who = cat(layer->class_name(), " '", layer->name(), "'");
    if (layer->input_shapes().size() != 1 || layer->input_shapes()[0] != image_shape) {
      return failed_precondition("augment_batch: ", who, " is not built for ", image_shape.str(),
                                 " images: build it with that input shape first");
    }
    if (layer->output_shape() != image_shape) {
      return unsupported("augment_batch: ", who, " turns ", image_shape.str(), " images into ",
                         layer->output_shape().str(), ": only shape-preserving preprocessing layers can be chained");
    }
    if (!layer->params().empty()) {
      return unsupported("augment_batch: ", who, " has parameters: only parameter-free preprocessing layers can run");
    }
    saved     = std::max(saved, layer->saved_floats(n));
    workspace = std::max(workspace, static_cast<size_t>(layer->workspace_floats(n, pool_threads(pool))));
  }
  const size_t count = static_cast<size_t>(n) * static_cast<size_t>(image_shape.numel());
  if (layers.empty()) {
    if (in != out) std::memcpy(out, in, count * sizeof(float));
    return Status::ok();
  }
  // Layers alternate between `out` and one spare buffer, arranged so that the last writes
  // `out`. In place (in == out), an odd count would have the first layer read and write `out`,
  // so the input moves to the spare first; an even count starts by writing the spare anyway.
  Arena arena("augment_batch");
  const size_t spare_at   = arena.reserve(layers.size() > 1 || in == out ? count : 0);
  const size_t saved_at   = arena.reserve(saved);
  const size_t scratch_at = arena.reserve(workspace);
  NN_RETURN_IF_ERROR(arena.allocate());
  float* spare = arena.at(spare_at);
  const float* src = in;
  if (in == out && layers.size() % 2 == 1) {
    std::memcpy(spare, in, count * sizeof(float));
    src = spare;
  }
  RunContext ctx;
  ctx.pool      = pool;
  ctx.batch     = n;
  ctx.training  = true;
  ctx.rng       = rng;
  ctx.saved     = arena.at(saved_at);
  ctx.workspace = arena.at(scratch_at);
  for (size_t i = 0; i < layers.size(); ++i) {
    float* dst = (layers.size() - 1 - i) % 2 == 0 ? out : spare;
    layers[i]->forward(ctx, {src}, dst);
    src = dst;
  }
  NN_ASSERT(src == out);
  return Status::ok();
}

}  // namespace nn
