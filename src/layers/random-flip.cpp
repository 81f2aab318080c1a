// RandomFlip (Keras): per image, a left-right flip when uniform() < 1/2 and, independently, a
// top-bottom flip. Current Keras 3 draws one coin for both axes in "horizontal_and_vertical" (so
// it only ever turns an image by 180 degrees); we keep the independent coins of Keras 2 and the
// first Keras 3 releases, which also give all four orientations.
#include "layers/augmentation.h"
#include "threading/thread-pool.h"

namespace nn {

Status parse_flip_mode(std::string_view name, FlipMode* out) {
  if (name == "horizontal")
    *out = FlipMode::kHorizontal;
  else if (name == "vertical")
    *out = FlipMode::kVertical;
  else if (name == "horizontal_and_vertical")
    *out = FlipMode::kHorizontalAndVertical;
  else
    return invalid_argument("mode '", name,
                            "' is not a flip mode: use 'horizontal', 'vertical' or 'horizontal_and_vertical'");
  return Status::ok();
}

const char* flip_mode_name(FlipMode mode) {
  switch (mode) {
    case FlipMode::kHorizontal:
      return "horizontal";
    case FlipMode::kVertical:
      return "vertical";
    case FlipMode::kHorizontalAndVertical:
      return "horizontal_and_vertical";
  }
  return "?";
}

namespace {

// Calls f(dst_row, src_row, mirror_x) for every row of the batch; a flip is a permutation of
// rows (vertical) with each row optionally reversed (horizontal), so rows are independent.
template <typename F>
void for_each_row(const RunContext& ctx, const ImageBatch& d, const float* flags, F f) {
  parallel_for(ctx.pool, static_cast<size_t>(d.n * d.h), 16, [&](int, size_t r0, size_t r1) {
    for (size_t r = r0; r < r1; ++r) {
      const int64_t n = static_cast<int64_t>(r) / d.h, y = static_cast<int64_t>(r) % d.h;
      const bool flip_x = flags[2 * n] != 0.0f, flip_y = flags[2 * n + 1] != 0.0f;
      const int64_t src_y = flip_y ? d.h - 1 - y : y;
      f(static_cast<int64_t>(r), n * d.h + src_y, flip_x);
    }
  });
}

}  // namespace

void RandomFlip::forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) {
  if (!ctx.training) return copy_through(ctx, in[0], out);
  NN_ASSERT(ctx.saved != nullptr);
  Rng own;
  Rng* rng = generator(ctx, &own);
  const bool horizontal = options_.mode != FlipMode::kVertical;
  const bool vertical = options_.mode != FlipMode::kHorizontal;
  float* flags = ctx.saved;
  for (int i = 0; i < ctx.batch; ++i) {
    flags[2 * i] = horizontal && rng->uniform() < 0.5f ? 1.0f : 0.0f;
    flags[2 * i + 1] = vertical && rng->uniform() < 0.5f ? 1.0f : 0.0f;
  }
  const ImageBatch d = dims(ctx.batch);
  const int64_t row = d.w * d.c;
  const float* x = in[0];
  for_each_row(ctx, d, flags, [&](int64_t dst, int64_t src, bool flip_x) {
    const float* s = x + src * row;
    float* o = out + dst * row;
    if (!flip_x) {
      std::copy(s, s + row, o);
      return;
    }
    for (int64_t px = 0; px < d.w; ++px) std::copy(s + (d.w - 1 - px) * d.c, s + (d.w - px) * d.c, o + px * d.c);
  });
}

void RandomFlip::backward(const RunContext& ctx, const std::vector<const float*>&, const float*, const float* grad_out,
                          const std::vector<float*>& grad_in) {
  if (!grad_in[0]) return;
  if (!ctx.training) return add_through(ctx, grad_out, grad_in[0]);
  // The adjoint of a permutation is its inverse: add each output row back where it came from.
  const ImageBatch d = dims(ctx.batch);
  const int64_t row = d.w * d.c;
  float* g = grad_in[0];
  for_each_row(ctx, d, ctx.saved, [&](int64_t dst, int64_t src, bool flip_x) {
    const float* go = grad_out + dst * row;
    float* gi = g + src * row;
    for (int64_t px = 0; px < d.w; ++px) {
      const float* from = go + (flip_x ? d.w - 1 - px : px) * d.c;
      for (int64_t ch = 0; ch < d.c; ++ch) gi[px * d.c + ch] += from[ch];
    }
  });
}

}  // namespace nn
