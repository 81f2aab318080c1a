// Keras/TensorFlow window arithmetic (see window.h).
#include "ops/window.h"

#include <algorithm>

namespace nn {

constexpr int64_t kMaxWindow = 65535;

Status parse_padding(std::string_view name, Padding* out) {
  if (name == "valid")
    *out = Padding::kValid;
  else if (name == "same")
    *out = Padding::kSame;
  else
    return unsupported("padding '", name, "' is not supported: use 'valid' or 'same'");
  return Status::ok();
}

const char* padding_name(Padding p) { return p == Padding::kSame ? "same" : "valid"; }

Status window_1d(std::string_view who, const char* axis, int64_t in, int64_t kernel, int64_t stride, Padding padding,
                 Window1D* out) {
  if (kernel <= 0 || stride <= 0) {
    return invalid_argument(who, ": kernel ", kernel, " and stride ", stride, " along ", axis, " must be positive");
  }
  // Bounded so that window products (kernel area x channels) stay far from overflowing.
  if (kernel > kMaxWindow || stride > kMaxWindow) {
    return invalid_argument(who, ": kernel ", kernel, " and stride ", stride, " along ", axis, " must be at most ",
                            kMaxWindow);
  }
  if (padding == Padding::kSame) {
    out->out = (in + stride - 1) / stride;
    int64_t total = std::max<int64_t>((out->out - 1) * stride + kernel - in, 0);
    out->pad_before = total / 2;
    out->pad_after = total - total / 2;
  } else {
    out->out = in >= kernel ? (in - kernel) / stride + 1 : 0;
    out->pad_before = out->pad_after = 0;
  }
  if (out->out <= 0) {
    return shape_mismatch(who, ": input ", axis, " ", in, " is smaller than the window ", kernel, " with padding '",
                          padding_name(padding), "': the output would be empty");
  }
  return Status::ok();
}

Status window_2d(std::string_view who, const Shape& in, int64_t kernel_h, int64_t kernel_w, int64_t stride_h,
                 int64_t stride_w, Padding padding, Window2D* out) {
  if (kernel_h <= 0 || kernel_w <= 0 || stride_h <= 0 || stride_w <= 0) {
    return invalid_argument(who, ": kernel size ", kernel_h, "x", kernel_w, " and strides ", stride_h, "x", stride_w,
                            " must be positive");
  }
  out->kernel_h = kernel_h;
  out->kernel_w = kernel_w;
  out->stride_h = stride_h;
  out->stride_w = stride_w;
  NN_RETURN_IF_ERROR(window_1d(who, "height", in[0], kernel_h, stride_h, padding, &out->h));
  return window_1d(who, "width", in[1], kernel_w, stride_w, padding, &out->w);
}

ConvDims Window2D::dims(int batch, const Shape& in, int64_t out_c) const {
  return ConvDims{static_cast<size_t>(batch),        static_cast<size_t>(in[0]),    static_cast<size_t>(in[1]),
                  static_cast<size_t>(in[2]),        static_cast<size_t>(kernel_h), static_cast<size_t>(kernel_w),
                  static_cast<size_t>(stride_h),     static_cast<size_t>(stride_w), static_cast<size_t>(h.pad_before),
                  static_cast<size_t>(w.pad_before), static_cast<size_t>(h.out),    static_cast<size_t>(w.out),
                  static_cast<size_t>(out_c)};
}

}  // namespace nn
