// Output size and padding of a sliding window (conv or pool) under Keras's rules:
// 'valid' uses only full windows; 'same' gives ceil(in / stride) outputs and, when the total
// padding is odd, puts the extra row/column at the bottom/right (TensorFlow's convention).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/shape.h"
#include "core/status.h"
#include "kernels/kernels.h"

namespace nn {

enum class Padding { kValid, kSame };

Status parse_padding(std::string_view name, Padding* out);
const char* padding_name(Padding p);

struct Window1D {
  int64_t out = 0;
  int64_t pad_before = 0;
  int64_t pad_after = 0;
};

// Fails (naming `who` and the axis) when no output position fits.
Status window_1d(std::string_view who, const char* axis, int64_t in, int64_t kernel, int64_t stride, Padding padding,
                 Window1D* out);

// A 2-D window (convolution or pooling) over an (H, W, C) input, validated once at build.
struct Window2D {
  int64_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1;
  Window1D h, w;
  // The geometry of this window over a batch, with out_c output channels.
  ConvDims dims(int batch, const Shape& in, int64_t out_c) const;
};

// Checks that kernel and strides are positive and that an output fits, naming `who`.
Status window_2d(std::string_view who, const Shape& in, int64_t kernel_h, int64_t kernel_w, int64_t stride_h,
                 int64_t stride_w, Padding padding, Window2D* out);

}  // namespace nn
