// Keras/TensorFlow window arithmetic (see window.h).
#include "ops/window.h"

#include <algorithm>

namespace nn {

Status parse_padding(std::string_view name, Padding* out) {
  if (name == "valid") *out = Padding::kValid;
  else if (name == "same") *out = Padding::kSame;
  else return unsupported("padding '", name, "' is not supported: use 'valid' or 'same'");
  return Status::ok();
}

const char* padding_name(Padding p) { return p == Padding::kSame ? "same" : "valid"; }

Status window_1d(std::string_view who, const char* axis, int64_t in, int64_t kernel, int64_t stride,
                 Padding padding, Window1D* out) {
  if (kernel <= 0 || stride <= 0) {
    return invalid_argument(who, ": kernel ", kernel, " and stride ", stride, " along ", axis, " must be positive");
  }
  if (padding == Padding::kSame) {
    out->out = (in + stride - 1) / stride;
    int64_t total = std::max<int64_t>((out->out - 1) * stride + kernel - in, 0);
    out->pad_before = total / 2;
    out->pad_after  = total - total / 2;
  } else {
    out->out = in >= kernel ? (in - kernel) / stride + 1 : 0;
    out->pad_before = out->pad_after = 0;
  }
  if (out->out <= 0) {
    return shape_mismatch(who, ": input ", axis, " ", in, " is smaller than the window ", kernel,
                          " with padding '", padding_name(padding), "': the output would be empty");
  }
  return Status::ok();
}

}  // namespace nn
