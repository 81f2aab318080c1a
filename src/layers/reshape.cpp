// Reshape (Keras): the per-sample shape becomes target_shape, one of whose dimensions may be -1
// (inferred from the element count). NHWC memory is already in the new order, so forward and
// backward are copies, as for Flatten. Test: nn_tests_native -tc='Reshape*'
#include <algorithm>

#include "layers/layers.h"

namespace nn {

namespace {

// "(2, -1, 3)": target shapes as Keras prints them, -1 included.
std::string tuple(const Shape& s) {
  std::string t = "(";
  for (int i = 0; i < s.rank; ++i) t += (i ? ", " : "") + std::to_string(s[i]);
  return t + (s.rank == 1 ? ",)" : ")");
}

}  // namespace

Status Reshape::do_build(const std::vector<Shape>& inputs, Shape* output) {
  NN_RETURN_IF_ERROR(expect_inputs(inputs, 1, 0));
  const Shape& t = target_shape_;
  if (t.rank < 1) return invalid_argument(who(), ": target_shape is empty: it needs at least one dimension");
  int inferred = -1;
  CheckedSize product(1);  // of the given dimensions
  for (int i = 0; i < t.rank; ++i) {
    if (t[i] == -1 && inferred < 0) {
      inferred = i;
    } else if (t[i] == -1) {
      return invalid_argument(who(), ": target_shape ", tuple(t),
                              " has more than one -1: only one dimension can be inferred");
    } else if (t[i] <= 0) {
      return invalid_argument(who(), ": target_shape ", tuple(t), " has dimension ", i, " = ", t[i],
                              ": each dimension must be positive, or -1 for one inferred dimension");
    } else {
      product.mul(static_cast<uint64_t>(t[i]));
    }
  }
  const int64_t n = inputs[0].numel();
  if (!product.ok()) {
    return shape_mismatch(who(), ": cannot reshape input ", inputs[0].str(), " (", n, " elements) to target_shape ",
                          tuple(t), ": its dimensions multiply to more than 2^64 elements");
  }
  const uint64_t known = product.value();
  Shape out = t;
  if (inferred >= 0) {
    if (known > static_cast<uint64_t>(n) || static_cast<uint64_t>(n) % known != 0) {
      return shape_mismatch(who(), ": cannot reshape input ", inputs[0].str(), " (", n, " elements) to target_shape ",
                            tuple(t), ": ", n, " is not a multiple of ", known,
                            ", the product of the other dimensions");
    }
    out[inferred] = n / static_cast<int64_t>(known);
  } else if (known != static_cast<uint64_t>(n)) {
    return shape_mismatch(who(), ": cannot reshape input ", inputs[0].str(), " (", n, " elements) to target_shape ",
                          tuple(t), " (", known, " elements): the element counts must be equal");
  }
  *output = out;
  return Status::ok();
}

void Reshape::forward(const RunContext& ctx, const std::vector<const float*>& in, float* out) {
  std::copy(in[0], in[0] + ctx.batch * output_shape_.numel(), out);
}

void Reshape::backward(const RunContext& ctx, const std::vector<const float*>&, const float*, const float* grad_out,
                       const std::vector<float*>& grad_in) {
  if (!grad_in[0]) return;
  const size_t n = ctx.batch * output_shape_.numel();
  for (size_t i = 0; i < n; ++i) grad_in[0][i] += grad_out[i];
}

}  // namespace nn
