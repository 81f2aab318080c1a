// Reference convolution and GEMM: direct loops that nobody optimizes. Tests compare the
// im2col+GEMM ops (and later the SIMD kernels) against these.
#include "kernels/kernels.h"

namespace nn {

void nn_f32_gemm__reference(size_t m, size_t n, size_t k, const float* a, const float* b, float* c) {
  for (size_t i = 0; i < m; ++i)
    for (size_t j = 0; j < n; ++j) {
      double acc = 0.0;
      for (size_t p = 0; p < k; ++p) acc += static_cast<double>(a[i * k + p]) * b[p * n + j];
      c[i * n + j] = static_cast<float>(acc);
    }
}

// Calls f(n, oy, ox, ky, kx, iy, ix) for every tap that lands inside the input.
template <typename F>
static void for_each_tap(const ConvDims& d, F f) {
  for (size_t n = 0; n < d.batch; ++n)
    for (size_t oy = 0; oy < d.out_h; ++oy)
      for (size_t ox = 0; ox < d.out_w; ++ox)
        for (size_t ky = 0; ky < d.kernel_h; ++ky)
          for (size_t kx = 0; kx < d.kernel_w; ++kx) {
            long iy = static_cast<long>(oy * d.stride_h + ky) - static_cast<long>(d.pad_top);
            long ix = static_cast<long>(ox * d.stride_w + kx) - static_cast<long>(d.pad_left);
            if (iy < 0 || ix < 0 || iy >= static_cast<long>(d.in_h) || ix >= static_cast<long>(d.in_w)) continue;
            f(n, oy, ox, ky, kx, static_cast<size_t>(iy), static_cast<size_t>(ix));
          }
}

void nn_f32_conv2d_forward__reference(const ConvDims& d, const float* in, const float* filter, const float* bias,
                                      float* out) {
  const size_t out_size = d.batch * d.out_h * d.out_w * d.out_c;
  for (size_t i = 0; i < out_size; ++i) out[i] = bias ? bias[i % d.out_c] : 0.0f;
  for_each_tap(d, [&](size_t n, size_t oy, size_t ox, size_t ky, size_t kx, size_t iy, size_t ix) {
    float* o = out + ((n * d.out_h + oy) * d.out_w + ox) * d.out_c;
    const float* x = in + ((n * d.in_h + iy) * d.in_w + ix) * d.in_c;
    for (size_t c = 0; c < d.in_c; ++c) {
      const float* w = filter + ((ky * d.kernel_w + kx) * d.in_c + c) * d.out_c;
      for (size_t f = 0; f < d.out_c; ++f) o[f] += x[c] * w[f];
    }
  });
}

void nn_f32_conv2d_backward_input__reference(const ConvDims& d, const float* grad_out, const float* filter,
                                             float* grad_in) {
  for_each_tap(d, [&](size_t n, size_t oy, size_t ox, size_t ky, size_t kx, size_t iy, size_t ix) {
    const float* go = grad_out + ((n * d.out_h + oy) * d.out_w + ox) * d.out_c;
    float* gi = grad_in + ((n * d.in_h + iy) * d.in_w + ix) * d.in_c;
    for (size_t c = 0; c < d.in_c; ++c) {
      const float* w = filter + ((ky * d.kernel_w + kx) * d.in_c + c) * d.out_c;
      for (size_t f = 0; f < d.out_c; ++f) gi[c] += go[f] * w[f];
    }
  });
}

void nn_f32_conv2d_backward_filter__reference(const ConvDims& d, const float* in, const float* grad_out,
                                              float* grad_filter, float* grad_bias) {
  for_each_tap(d, [&](size_t n, size_t oy, size_t ox, size_t ky, size_t kx, size_t iy, size_t ix) {
    const float* go = grad_out + ((n * d.out_h + oy) * d.out_w + ox) * d.out_c;
    const float* x = in + ((n * d.in_h + iy) * d.in_w + ix) * d.in_c;
    for (size_t c = 0; c < d.in_c; ++c) {
      float* gw = grad_filter + ((ky * d.kernel_w + kx) * d.in_c + c) * d.out_c;
      for (size_t f = 0; f < d.out_c; ++f) gw[f] += x[c] * go[f];
    }
  });
  if (grad_bias) {
    const size_t rows = d.batch * d.out_h * d.out_w;
    for (size_t r = 0; r < rows; ++r)
      for (size_t f = 0; f < d.out_c; ++f) grad_bias[f] += grad_out[r * d.out_c + f];
  }
}

}  // namespace nn
