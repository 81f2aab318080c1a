// im2col gathers for convolution through GEMM: forward/filter-gradient rows are output
// positions, input-gradient rows are input positions (the transposed convolution written as
// a gather, so threads own disjoint rows of grad_in and never race).
#include <cstring>

#include "kernels/kernels.h"

namespace nn {

void nn_f32_im2col(const ConvDims& d, const float* in, size_t row_begin, size_t row_end,
                   size_t k_begin, size_t k_end, float* col) {
  const size_t width = k_end - k_begin;
  const size_t ci = d.in_c;
  for (size_t row = row_begin; row < row_end; ++row) {
    const size_t ox = row % d.out_w;
    const size_t oy = (row / d.out_w) % d.out_h;
    const size_t n  = row / (d.out_w * d.out_h);
    float* dst = col + (row - row_begin) * width;
    // Walk taps (ky, kx) overlapping [k_begin, k_end); each tap is a run of ci floats.
    size_t k = k_begin;
    while (k < k_end) {
      const size_t tap = k / ci;
      const size_t c0  = k % ci;
      const size_t run = (ci - c0) < (k_end - k) ? (ci - c0) : (k_end - k);
      const size_t ky = tap / d.kernel_w, kx = tap % d.kernel_w;
      const long iy = static_cast<long>(oy * d.stride_h + ky) - static_cast<long>(d.pad_top);
      const long ix = static_cast<long>(ox * d.stride_w + kx) - static_cast<long>(d.pad_left);
      if (iy < 0 || ix < 0 || iy >= static_cast<long>(d.in_h) || ix >= static_cast<long>(d.in_w)) {
        std::memset(dst, 0, run * sizeof(float));
      } else {
        const float* src = in + ((n * d.in_h + iy) * d.in_w + ix) * ci + c0;
        std::memcpy(dst, src, run * sizeof(float));
      }
      dst += run;
      k += run;
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
