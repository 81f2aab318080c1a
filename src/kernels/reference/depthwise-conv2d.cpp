// Reference depthwise convolution: direct loops in double, serial, that nobody optimizes. Tests
// compare the depthwise ops and the f32-dwconv microkernels against these.
#include <vector>

#include "kernels/kernels.h"

namespace nn {

namespace {

// Calls f(in_index, filter_index, out_index) for every valid (output, tap, channel, m).
template <typename F>
void reference_taps(const ConvDims& d, F f) {
  const size_t c = d.in_c, dm = d.out_c / d.in_c;
  for (size_t n = 0; n < d.batch; ++n)
    for (size_t oy = 0; oy < d.out_h; ++oy)
      for (size_t ox = 0; ox < d.out_w; ++ox)
        for (size_t ky = 0; ky < d.kernel_h; ++ky)
          for (size_t kx = 0; kx < d.kernel_w; ++kx) {
            long iy = static_cast<long>(oy * d.stride_h + ky) - static_cast<long>(d.pad_top);
            long ix = static_cast<long>(ox * d.stride_w + kx) - static_cast<long>(d.pad_left);
            if (iy < 0 || ix < 0 || iy >= static_cast<long>(d.in_h) || ix >= static_cast<long>(d.in_w)) continue;
            for (size_t j = 0; j < c; ++j)
              for (size_t m = 0; m < dm; ++m)
                f(((n * d.in_h + iy) * d.in_w + ix) * c + j, ((ky * d.kernel_w + kx) * c + j) * dm + m,
                  ((n * d.out_h + oy) * d.out_w + ox) * d.out_c + j * dm + m);
          }
}

}  // namespace

void nn_f32_dwconv_forward__reference(const ConvDims& d, const float* in, const float* filter, const float* bias,
                                      float* out) {
  const size_t out_n = d.batch * d.out_h * d.out_w * d.out_c;
  std::vector<double> acc(out_n);
  for (size_t i = 0; i < out_n; ++i) acc[i] = bias ? bias[i % d.out_c] : 0.0;
  reference_taps(d, [&](size_t ii, size_t fi, size_t oi) { acc[oi] += static_cast<double>(in[ii]) * filter[fi]; });
  for (size_t i = 0; i < out_n; ++i) out[i] = static_cast<float>(acc[i]);
}

void nn_f32_dwconv_backward_input__reference(const ConvDims& d, const float* grad_out, const float* filter,
                                             float* grad_in) {
  const size_t in_n = d.batch * d.in_h * d.in_w * d.in_c;
  std::vector<double> acc(grad_in, grad_in + in_n);
  reference_taps(d,
                 [&](size_t ii, size_t fi, size_t oi) { acc[ii] += static_cast<double>(grad_out[oi]) * filter[fi]; });
  for (size_t i = 0; i < in_n; ++i) grad_in[i] = static_cast<float>(acc[i]);
}

void nn_f32_dwconv_backward_filter__reference(const ConvDims& d, const float* in, const float* grad_out,
                                              float* grad_filter, float* grad_bias) {
  const size_t fsize = d.kernel_h * d.kernel_w * d.out_c;
  std::vector<double> acc(grad_filter, grad_filter + fsize);
  reference_taps(d, [&](size_t ii, size_t fi, size_t oi) { acc[fi] += static_cast<double>(in[ii]) * grad_out[oi]; });
  for (size_t i = 0; i < fsize; ++i) grad_filter[i] = static_cast<float>(acc[i]);
  if (grad_bias) {
    const size_t rows = d.batch * d.out_h * d.out_w;
    for (size_t j = 0; j < d.out_c; ++j) {
      double s = grad_bias[j];
      for (size_t r = 0; r < rows; ++r) s += grad_out[r * d.out_c + j];
      grad_bias[j] = static_cast<float>(s);
    }
  }
}

}  // namespace nn
