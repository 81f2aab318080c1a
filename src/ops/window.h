// Output size and padding of a sliding window (conv or pool) under Keras's rules:
// 'valid' uses only full windows; 'same' gives ceil(in / stride) outputs and, when the total
// padding is odd, puts the extra row/column at the bottom/right (TensorFlow's convention).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/status.h"

namespace nn {

enum class Padding { kValid, kSame };

Status      parse_padding(std::string_view name, Padding* out);
const char* padding_name(Padding p);

struct Window1D {
  int64_t out        = 0;
  int64_t pad_before = 0;
  int64_t pad_after  = 0;
};

// Fails (naming `who` and the axis) when no output position fits.
Status window_1d(std::string_view who, const char* axis, int64_t in, int64_t kernel, int64_t stride,
                 Padding padding, Window1D* out);

}  // namespace nn
