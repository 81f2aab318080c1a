// Depthwise convolution (see depthwise-conv2d.h). Forward is parallel over output rows,
// backward-input over images (each image's grad_in has one writer), backward-filter over
// images into per-image partials, then an in-order reduction parallel over filter elements.
#include "ops/depthwise-conv2d.h"

#include <algorithm>
#include <cstring>

#include "core/alloc.h"
#include "threading/thread-pool.h"

namespace nn {
namespace {

size_t filter_size(const ConvDims& d) { return d.kernel_h * d.kernel_w * d.out_c; }

// Calls f(iy, ix, ky, kx) for every tap of output (oy, ox) that lands inside the image.
template <typename F>
inline void for_taps(const ConvDims& d, size_t oy, size_t ox, F f) {
  for (size_t ky = 0; ky < d.kernel_h; ++ky) {
    const long iy = static_cast<long>(oy * d.stride_h + ky) - static_cast<long>(d.pad_top);
    if (iy < 0 || iy >= static_cast<long>(d.in_h)) continue;
    for (size_t kx = 0; kx < d.kernel_w; ++kx) {
      const long ix = static_cast<long>(ox * d.stride_w + kx) - static_cast<long>(d.pad_left);
      if (ix < 0 || ix >= static_cast<long>(d.in_w)) continue;
      f(static_cast<size_t>(iy), static_cast<size_t>(ix), ky, kx);
    }
  }
}

}  // namespace

size_t depthwise_conv2d_workspace_floats(const ConvDims& d) { return d.batch * round_up_floats(filter_size(d)); }

void depthwise_conv2d_forward(ThreadPool* pool, const ConvDims& d, const float* in, const float* filter,
                              const float* bias, float* out) {
  const size_t c = d.in_c, dm = d.out_c / d.in_c, co = d.out_c;
  parallel_for(pool, d.batch * d.out_h, 1, [&](int, size_t b, size_t e) {
    for (size_t row = b; row < e; ++row) {
      const size_t n = row / d.out_h, oy = row % d.out_h;
      for (size_t ox = 0; ox < d.out_w; ++ox) {
        float* o = out + ((n * d.out_h + oy) * d.out_w + ox) * co;
        if (bias) std::memcpy(o, bias, co * sizeof(float));
        else std::memset(o, 0, co * sizeof(float));
        for_taps(d, oy, ox, [&](size_t iy, size_t ix, size_t ky, size_t kx) {
          const float* x = in + ((n * d.in_h + iy) * d.in_w + ix) * c;
          const float* w = filter + (ky * d.kernel_w + kx) * co;
          if (dm == 1) {
            for (size_t j = 0; j < c; ++j) o[j] += x[j] * w[j];
          } else {
            for (size_t j = 0; j < c; ++j)
              for (size_t m = 0; m < dm; ++m) o[j * dm + m] += x[j] * w[j * dm + m];
          }
        });
      }
    }
  });
}

void depthwise_conv2d_backward_input(ThreadPool* pool, const ConvDims& d, const float* grad_out, const float* filter,
                                     float* grad_in) {
  const size_t c = d.in_c, dm = d.out_c / d.in_c, co = d.out_c;
  parallel_for(pool, d.batch, 1, [&](int, size_t b, size_t e) {
    for (size_t n = b; n < e; ++n)
      for (size_t oy = 0; oy < d.out_h; ++oy)
        for (size_t ox = 0; ox < d.out_w; ++ox) {
          const float* go = grad_out + ((n * d.out_h + oy) * d.out_w + ox) * co;
          for_taps(d, oy, ox, [&](size_t iy, size_t ix, size_t ky, size_t kx) {
            float* gi = grad_in + ((n * d.in_h + iy) * d.in_w + ix) * c;
            const float* w = filter + (ky * d.kernel_w + kx) * co;
            if (dm == 1) {
              for (size_t j = 0; j < c; ++j) gi[j] += go[j] * w[j];
            } else {
              for (size_t j = 0; j < c; ++j)
                for (size_t m = 0; m < dm; ++m) gi[j] += go[j * dm + m] * w[j * dm + m];
            }
          });
        }
  });
}

void depthwise_conv2d_backward_filter(ThreadPool* pool, const ConvDims& d, const float* in, const float* grad_out,
                                      float* grad_filter, float* grad_bias, float* workspace) {
  const size_t c = d.in_c, dm = d.out_c / d.in_c, co = d.out_c;
  const size_t fsize = filter_size(d), stride = round_up_floats(fsize);
  parallel_for(pool, d.batch, 1, [&](int, size_t b, size_t e) {
    for (size_t n = b; n < e; ++n) {
      float* part = workspace + n * stride;
      std::memset(part, 0, fsize * sizeof(float));
      for (size_t oy = 0; oy < d.out_h; ++oy)
        for (size_t ox = 0; ox < d.out_w; ++ox) {
          const float* go = grad_out + ((n * d.out_h + oy) * d.out_w + ox) * co;
          for_taps(d, oy, ox, [&](size_t iy, size_t ix, size_t ky, size_t kx) {
            const float* x = in + ((n * d.in_h + iy) * d.in_w + ix) * c;
            float* gw = part + (ky * d.kernel_w + kx) * co;
            for (size_t j = 0; j < c; ++j)
              for (size_t m = 0; m < dm; ++m) gw[j * dm + m] += x[j] * go[j * dm + m];
          });
        }
    }
  });
  parallel_for(pool, fsize, 256, [&](int, size_t b, size_t e) {
    for (size_t n = 0; n < d.batch; ++n)
      for (size_t i = b; i < e; ++i) grad_filter[i] += workspace[n * stride + i];
  });
  if (grad_bias) {
    const size_t rows = d.batch * d.out_h * d.out_w;
    for (size_t r = 0; r < rows; ++r)
      for (size_t j = 0; j < co; ++j) grad_bias[j] += grad_out[r * co + j];
  }
}

void depthwise_conv2d_forward_reference(const ConvDims& d, const float* in, const float* filter, const float* bias,
                                        float* out) {
  const size_t c = d.in_c, dm = d.out_c / d.in_c;
  for (size_t n = 0; n < d.batch; ++n)
    for (size_t oy = 0; oy < d.out_h; ++oy)
      for (size_t ox = 0; ox < d.out_w; ++ox)
        for (size_t j = 0; j < c; ++j)
          for (size_t m = 0; m < dm; ++m) {
            double acc = bias ? bias[j * dm + m] : 0.0;
            for (size_t ky = 0; ky < d.kernel_h; ++ky)
              for (size_t kx = 0; kx < d.kernel_w; ++kx) {
                long iy = static_cast<long>(oy * d.stride_h + ky) - static_cast<long>(d.pad_top);
                long ix = static_cast<long>(ox * d.stride_w + kx) - static_cast<long>(d.pad_left);
                if (iy < 0 || ix < 0 || iy >= static_cast<long>(d.in_h) || ix >= static_cast<long>(d.in_w)) continue;
                acc += static_cast<double>(in[((n * d.in_h + iy) * d.in_w + ix) * c + j]) *
                       filter[((ky * d.kernel_w + kx) * c + j) * dm + m];
              }
            out[((n * d.out_h + oy) * d.out_w + ox) * d.out_c + j * dm + m] = static_cast<float>(acc);
          }
}

}  // namespace nn
