// im2col gathers for convolution through GEMM: forward/filter-gradient rows are output
// positions, input-gradient rows are input positions (the transposed convolution written as
// a gather, so threads own disjoint rows of grad_in and never race).
#include <algorithm>
#include <cstring>

#include "kernels/kernels.h"

namespace nn {

void nn_f32_im2col(const ConvDims& d, const float* in, size_t row_begin, size_t row_end, size_t k_begin, size_t k_end,
                   float* col) {
  const size_t width = k_end - k_begin;
  const size_t ci = d.in_c;
  const size_t tap_row = d.kernel_w * ci;  // K columns of one kernel row ky
  const long in_w = static_cast<long>(d.in_w), in_h = static_cast<long>(d.in_h);
  size_t ox = row_begin % d.out_w;
  size_t oy = (row_begin / d.out_w) % d.out_h;
  size_t n = row_begin / (d.out_w * d.out_h);
  // Kernel rows that [k_begin, k_end) touches.
  const size_t ky_begin = k_begin / tap_row, ky_end = (k_end + tap_row - 1) / tap_row;
  for (size_t row = row_begin; row < row_end; ++row) {
    float* dst = col + (row - row_begin) * width;  // dst[k - k_begin] is column k of this row
    const long ix0 = static_cast<long>(ox * d.stride_w) - static_cast<long>(d.pad_left);
    // Taps kx in [kx_lo, kx_hi) read inside the image; they are adjacent pixels (no dilation),
    // so a kernel row's valid taps are one contiguous run of the input: one copy, not KW.
    const size_t kx_lo = static_cast<size_t>(std::clamp<long>(-ix0, 0, static_cast<long>(d.kernel_w)));
    const size_t kx_hi = static_cast<size_t>(std::clamp<long>(in_w - ix0, 0, static_cast<long>(d.kernel_w)));
    for (size_t ky = ky_begin; ky < ky_end; ++ky) {
      const size_t r0 = ky * tap_row;
      const size_t lo = std::max(k_begin, r0), hi = std::min(k_end, r0 + tap_row);
      const long iy = static_cast<long>(oy * d.stride_h + ky) - static_cast<long>(d.pad_top);
      size_t v0 = r0 + kx_lo * ci, v1 = r0 + kx_hi * ci;  // the valid columns of this kernel row
      if (iy < 0 || iy >= in_h || kx_lo >= kx_hi) v0 = v1 = hi;
      v0 = std::clamp(v0, lo, hi);
      v1 = std::clamp(v1, v0, hi);
      if (v0 > lo) std::memset(dst + (lo - k_begin), 0, (v0 - lo) * sizeof(float));
      if (v1 > v0) {
        // Column k = r0 + kx*ci + c reads pixel (iy, ix0 + kx), channel c.
        const long src = (static_cast<long>(n * d.in_h) + iy) * in_w * static_cast<long>(ci) +
                         ix0 * static_cast<long>(ci) + static_cast<long>(v0 - r0);
        std::memcpy(dst + (v0 - k_begin), in + src, (v1 - v0) * sizeof(float));
      }
      if (hi > v1) std::memset(dst + (v1 - k_begin), 0, (hi - v1) * sizeof(float));
    }
    if (++ox == d.out_w) {
      ox = 0;
      if (++oy == d.out_h) {
        oy = 0;
        ++n;
      }
    }
  }
}

void nn_f32_col_gather_grad(const ConvDims& d, const float* grad_out, size_t row_begin, size_t row_end, float* col) {
  const size_t co = d.out_c;
  const size_t width = d.kernel_h * d.kernel_w * co;
  for (size_t row = row_begin; row < row_end; ++row) {
    const size_t x = row % d.in_w;
    const size_t y = (row / d.in_w) % d.in_h;
    const size_t n = row / (d.in_w * d.in_h);
    float* dst = col + (row - row_begin) * width;
    for (size_t ky = 0; ky < d.kernel_h; ++ky) {
      // Output row oy uses input row oy*stride + ky - pad_top; invert that for this y.
      const long ty = static_cast<long>(y + d.pad_top) - static_cast<long>(ky);
      const bool row_ok = ty >= 0 && ty % static_cast<long>(d.stride_h) == 0 &&
                          ty / static_cast<long>(d.stride_h) < static_cast<long>(d.out_h);
      for (size_t kx = 0; kx < d.kernel_w; ++kx, dst += co) {
        const long tx = static_cast<long>(x + d.pad_left) - static_cast<long>(kx);
        const bool ok = row_ok && tx >= 0 && tx % static_cast<long>(d.stride_w) == 0 &&
                        tx / static_cast<long>(d.stride_w) < static_cast<long>(d.out_w);
        if (!ok) {
          std::memset(dst, 0, co * sizeof(float));
          continue;
        }
        const size_t oy = static_cast<size_t>(ty) / d.stride_h, ox = static_cast<size_t>(tx) / d.stride_w;
        std::memcpy(dst, grad_out + ((n * d.out_h + oy) * d.out_w + ox) * co, co * sizeof(float));
      }
    }
  }
}

}  // namespace nn
