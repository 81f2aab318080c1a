// ZeroPadding2D (Keras): pads height and width with zeros; backward crops the gradient.
#include <algorithm>

#include "layers/layers.h"

namespace nn {

Status ZeroPadding2D::do_build(const std::vector<Shape>& inputs, Shape* output) {
  NN_RETURN_IF_ERROR(expect_inputs(inputs, 1, 3));
  if (top_ < 0 || bottom_ < 0 || left_ < 0 || right_ < 0) {
    return invalid_argument(who(), ": padding ((", top_, ", ", bottom_, "), (", left_, ", ", right_,
                            ")) must not be negative");
  }
  *output = Shape{inputs[0][0] + top_ + bottom_, inputs[0][1] + left_ + right_, inputs[0][2]};
  return Status::ok();
}

void ZeroPadding2D::forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) {
  const Shape& s = input_shapes_[0];
  const int64_t oh = output_shape_[0], ow = output_shape_[1], c = s[2];
  std::fill(out, out + ctx.batch * output_shape_.numel(), 0.0f);
  for (int64_t n = 0; n < ctx.batch; ++n)
    for (int64_t y = 0; y < s[0]; ++y) {
      const float* src = in[0] + ((n * s[0] + y) * s[1]) * c;
      float* dst = out + ((n * oh + y + top_) * ow + left_) * c;
      std::copy(src, src + s[1] * c, dst);
    }
}

void ZeroPadding2D::backward(const RunContext& ctx, const std::vector<const float*>&, const float*,
                             const float* grad_out, const std::vector<float*>& grad_in) {
  if (!grad_in[0]) return;
  const Shape& s = input_shapes_[0];
  const int64_t oh = output_shape_[0], ow = output_shape_[1], c = s[2];
  for (int64_t n = 0; n < ctx.batch; ++n)
    for (int64_t y = 0; y < s[0]; ++y) {
      const float* src = grad_out + ((n * oh + y + top_) * ow + left_) * c;
      float* dst = grad_in[0] + ((n * s[0] + y) * s[1]) * c;
      for (int64_t i = 0; i < s[1] * c; ++i) dst[i] += src[i];
    }
}

}  // namespace nn
