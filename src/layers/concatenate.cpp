// Concatenate (Keras, axis=-1): joins inputs along channels; backward splits the gradient.
#include <cstring>

#include "layers/layers.h"
#include "threading/thread-pool.h"

namespace nn {

Status Concatenate::do_build(const std::vector<Shape>& inputs, Shape* output) {
  if (inputs.size() < 2) return invalid_argument(who(), " needs at least 2 inputs but was given ", inputs.size());
  Shape out = inputs[0];
  for (size_t i = 1; i < inputs.size(); ++i) {
    Shape a = inputs[i], b = inputs[0];
    bool ok = a.rank == b.rank;
    for (int d = 0; ok && d + 1 < a.rank; ++d) ok = a[d] == b[d];
    if (!ok) {
      return shape_mismatch(who(), ": input ", i, " has shape ", a.str(), " but input 0 has shape ", b.str(),
                            ": all axes but the last (channels) must match");
    }
    out.dims[out.rank - 1] += a.last();
  }
  *output = out;
  return Status::ok();
}

void Concatenate::forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) {
  const size_t rows = static_cast<size_t>(ctx.batch) * output_shape_.numel() / output_shape_.last();
  const size_t width = static_cast<size_t>(output_shape_.last());
  parallel_for(ctx.pool, rows, 256, [&](int, size_t b, size_t e) {
    for (size_t r = b; r < e; ++r) {
      size_t col = 0;
      for (size_t k = 0; k < in.size(); ++k) {
        const size_t w = static_cast<size_t>(input_shapes_[k].last());
        std::memcpy(out + r * width + col, in[k] + r * w, w * sizeof(float));
        col += w;
      }
    }
  });
}

void Concatenate::backward(const RunContext& ctx, const std::vector<const float*>&, const float*, const float* grad_out,
                           const std::vector<float*>& grad_in) {
  const size_t rows = static_cast<size_t>(ctx.batch) * output_shape_.numel() / output_shape_.last();
  const size_t width = static_cast<size_t>(output_shape_.last());
  parallel_for(ctx.pool, rows, 256, [&](int, size_t b, size_t e) {
    for (size_t r = b; r < e; ++r) {
      size_t col = 0;
      for (size_t k = 0; k < grad_in.size(); ++k) {
        const size_t w = static_cast<size_t>(input_shapes_[k].last());
        if (grad_in[k])
          for (size_t j = 0; j < w; ++j) grad_in[k][r * w + j] += grad_out[r * width + col + j];
        col += w;
      }
    }
  });
}

}  // namespace nn
