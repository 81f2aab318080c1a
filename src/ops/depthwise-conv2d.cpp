// Depthwise convolution (see depthwise-conv2d.h). With depth multiplier 1, each output row is
// split into border columns (clipped windows, the generic kernel one pixel at a time) and the
// interior (full windows, one kernel call for the whole run, the 3x3 kernel when it applies),
// so no kernel tests taps. Forward is parallel over output rows. Backward-input with stride 1
// is the forward "gather" over grad_out with the filter flipped (parallel over input rows);
// with larger strides it scatters, parallel over images. Backward-filter accumulates per-image
// partials (parallel over images), then reduces them in image order, parallel over elements.
#include "ops/depthwise-conv2d.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/alloc.h"
#include "core/profile.h"
#include "core/status.h"
#include "kernels/f32-dwconv/f32-dwconv.h"
#include "threading/thread-pool.h"

namespace nn {
namespace {

// Separable convolutions call the forward again in their backward (the recomputation shows here).
ProfileCounter forward_time("dwconv_forward");
ProfileCounter backward_input_time("dwconv_backward_input");
ProfileCounter backward_filter_time("dwconv_backward_filter");

size_t filter_size(const ConvDims& d) { return d.kernel_h * d.kernel_w * d.out_c; }
// Per-image partial: the filter gradient, then the bias gradient.
size_t partial_stride(const ConvDims& d) { return round_up_floats(filter_size(d) + d.out_c); }

// The taps [k0, k1) of a k-wide window starting at `start` that fall inside [0, n).
struct TapRange {
  size_t k0, k1;
};
TapRange clip_taps(ptrdiff_t start, size_t k, size_t n) {
  const ptrdiff_t lo = std::max<ptrdiff_t>(0, -start);
  const ptrdiff_t hi = std::min<ptrdiff_t>(static_cast<ptrdiff_t>(k), static_cast<ptrdiff_t>(n) - start);
  return hi > lo ? TapRange{static_cast<size_t>(lo), static_cast<size_t>(hi)} : TapRange{0, 0};
}

// Columns [lo, hi) whose windows lie wholly inside the source row; the rest are borders.
struct Interior {
  size_t lo, hi;
};
Interior interior_columns(size_t out_w, size_t src_w, size_t k, size_t stride, size_t pad) {
  const size_t lo = std::min(out_w, (pad + stride - 1) / stride);
  size_t hi = src_w + pad >= k ? std::min(out_w, (src_w + pad - k) / stride + 1) : 0;
  return Interior{lo, std::max(lo, hi)};
}

// One "gather" pass, depth multiplier 1: dst(oy, ox) (+)= bias + sum of src taps * w taps, the
// src window of (oy, ox) starting at (oy * sh - pt, ox * sw - pl). Tap (ky, kx) of the filter
// is w + ky * w_ky + kx * w_kx (negative steps flip it).
struct Gather {
  size_t src_h, src_w, ch, kh, kw, sh, sw, pt, pl, dst_w;
  const float* w;
  ptrdiff_t w_ky, w_kx;
  const float* bias;
  bool accumulate;
};

void gather_row(const DwconvConfig& cfg, const Gather& g, const float* src, size_t oy, float* dst_row) {
  const ptrdiff_t in_row = static_cast<ptrdiff_t>(g.src_w * g.ch);
  const ptrdiff_t iy0 = static_cast<ptrdiff_t>(oy * g.sh) - static_cast<ptrdiff_t>(g.pt);
  const TapRange ry = clip_taps(iy0, g.kh, g.src_h);
  const size_t nrows = ry.k1 - ry.k0;
  // Row pointer of the first valid tap row, as a column-0 origin (columns offset below).
  const float* src0 = nrows ? src + (iy0 + static_cast<ptrdiff_t>(ry.k0)) * in_row : src;
  const float* w0 = g.w + static_cast<ptrdiff_t>(ry.k0) * g.w_ky;
  const Interior x = interior_columns(g.dst_w, g.src_w, g.kw, g.sw, g.pl);
  auto border = [&](size_t ox) {
    const ptrdiff_t ix0 = static_cast<ptrdiff_t>(ox * g.sw) - static_cast<ptrdiff_t>(g.pl);
    const TapRange rx = clip_taps(ix0, g.kw, g.src_w);
    const size_t kw = nrows ? rx.k1 - rx.k0 : 0;
    const float* s = kw ? src0 + (ix0 + static_cast<ptrdiff_t>(rx.k0)) * static_cast<ptrdiff_t>(g.ch) : src0;
    cfg.conv(g.ch, 1, nrows, kw, s, in_row, 0, w0 + static_cast<ptrdiff_t>(rx.k0) * g.w_kx, g.w_ky, g.w_kx, g.bias,
             dst_row + ox * g.ch, g.accumulate);
  };
  for (size_t ox = 0; ox < x.lo; ++ox) border(ox);
  if (x.hi > x.lo) {
    const float* s = src0 + static_cast<ptrdiff_t>((x.lo * g.sw - g.pl) * g.ch);
    const size_t rows = nrows, kw = nrows ? g.kw : 0;
    const DwconvUkernelFn fn = rows == 3 && kw == 3 ? cfg.conv_3x3 : cfg.conv;
    fn(g.ch, x.hi - x.lo, rows, kw, s, in_row, g.sw * g.ch, w0, g.w_ky, g.w_kx, g.bias, dst_row + x.lo * g.ch,
       g.accumulate);
  }
  for (size_t ox = x.hi; ox < g.dst_w; ++ox) border(ox);
}

// ---- Depth multiplier > 1: plain loops ---------------------------------------------------

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

void forward_multiplier(ThreadPool* pool, const ConvDims& d, const float* in, const float* filter, const float* bias,
                        float* out) {
  const size_t c = d.in_c, dm = d.out_c / d.in_c, co = d.out_c;
  parallel_for(pool, d.batch * d.out_h, 1, [&](int, size_t b, size_t e) {
    for (size_t row = b; row < e; ++row) {
      const size_t n = row / d.out_h, oy = row % d.out_h;
      for (size_t ox = 0; ox < d.out_w; ++ox) {
        float* o = out + ((n * d.out_h + oy) * d.out_w + ox) * co;
        if (bias)
          std::memcpy(o, bias, co * sizeof(float));
        else
          std::memset(o, 0, co * sizeof(float));
        for_taps(d, oy, ox, [&](size_t iy, size_t ix, size_t ky, size_t kx) {
          const float* x = in + ((n * d.in_h + iy) * d.in_w + ix) * c;
          const float* w = filter + (ky * d.kernel_w + kx) * co;
          for (size_t j = 0; j < c; ++j)
            for (size_t m = 0; m < dm; ++m) o[j * dm + m] += x[j] * w[j * dm + m];
        });
      }
    }
  });
}

void backward_input_multiplier(ThreadPool* pool, const ConvDims& d, const float* grad_out, const float* filter,
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
            for (size_t j = 0; j < c; ++j)
              for (size_t m = 0; m < dm; ++m) gi[j] += go[j * dm + m] * w[j * dm + m];
          });
        }
  });
}

// Adds image n's filter and bias gradients into part (zeroed by the caller).
void backward_filter_image_multiplier(const ConvDims& d, size_t n, const float* in, const float* grad_out,
                                      float* part) {
  const size_t c = d.in_c, dm = d.out_c / d.in_c, co = d.out_c;
  float* pb = part + filter_size(d);
  for (size_t oy = 0; oy < d.out_h; ++oy)
    for (size_t ox = 0; ox < d.out_w; ++ox) {
      const float* go = grad_out + ((n * d.out_h + oy) * d.out_w + ox) * co;
      for (size_t j = 0; j < co; ++j) pb[j] += go[j];
      for_taps(d, oy, ox, [&](size_t iy, size_t ix, size_t ky, size_t kx) {
        const float* x = in + ((n * d.in_h + iy) * d.in_w + ix) * c;
        float* gw = part + (ky * d.kernel_w + kx) * co;
        for (size_t j = 0; j < c; ++j)
          for (size_t m = 0; m < dm; ++m) gw[j * dm + m] += x[j] * go[j * dm + m];
      });
    }
}

// The same with the kernels, depth multiplier 1.
void backward_filter_image(const DwconvConfig& cfg, const ConvDims& d, size_t n, const float* in, const float* grad_out,
                           float* part) {
  const size_t ch = d.in_c;
  const ptrdiff_t in_row = static_cast<ptrdiff_t>(d.in_w * ch);
  const float* img = in + n * d.in_h * d.in_w * ch;
  const Interior x = interior_columns(d.out_w, d.in_w, d.kernel_w, d.stride_w, d.pad_left);
  float* pb = part + filter_size(d);
  for (size_t oy = 0; oy < d.out_h; ++oy) {
    const float* go = grad_out + (n * d.out_h + oy) * d.out_w * ch;
    for (size_t ox = 0; ox < d.out_w; ++ox)
      for (size_t j = 0; j < ch; ++j) pb[j] += go[ox * ch + j];
    const ptrdiff_t iy0 = static_cast<ptrdiff_t>(oy * d.stride_h) - static_cast<ptrdiff_t>(d.pad_top);
    const TapRange ry = clip_taps(iy0, d.kernel_h, d.in_h);
    const size_t nrows = ry.k1 - ry.k0;
    if (nrows == 0) continue;
    const float* src0 = img + (iy0 + static_cast<ptrdiff_t>(ry.k0)) * in_row;
    float* gw0 = part + ry.k0 * d.kernel_w * ch;
    auto border = [&](size_t ox) {
      const ptrdiff_t ix0 = static_cast<ptrdiff_t>(ox * d.stride_w) - static_cast<ptrdiff_t>(d.pad_left);
      const TapRange rx = clip_taps(ix0, d.kernel_w, d.in_w);
      if (rx.k1 == rx.k0) return;
      cfg.backward_filter(ch, 1, nrows, rx.k1 - rx.k0, src0 + (ix0 + static_cast<ptrdiff_t>(rx.k0)) * ptrdiff_t(ch),
                          in_row, 0, go + ox * ch, gw0 + rx.k0 * ch, d.kernel_w * ch);
    };
    for (size_t ox = 0; ox < x.lo; ++ox) border(ox);
    if (x.hi > x.lo) {
      const DwconvBackwardFilterUkernelFn fn =
          nrows == 3 && d.kernel_w == 3 ? cfg.backward_filter_3x3 : cfg.backward_filter;
      fn(ch, x.hi - x.lo, nrows, d.kernel_w, src0 + static_cast<ptrdiff_t>((x.lo * d.stride_w - d.pad_left) * ch),
         in_row, d.stride_w * ch, go + x.lo * ch, gw0, d.kernel_w * ch);
    }
    for (size_t ox = x.hi; ox < d.out_w; ++ox) border(ox);
  }
}

}  // namespace

uint64_t depthwise_conv2d_workspace_floats(const ConvDims& d) {
  return static_cast<uint64_t>(d.batch) *
         round_up_floats64(static_cast<uint64_t>(d.kernel_h) * d.kernel_w * d.out_c + d.out_c);
}

void depthwise_conv2d_forward(ThreadPool* pool, const ConvDims& d, const float* in, const float* filter,
                              const float* bias, float* out) {
  ProfileScope scope(forward_time);
  if (d.out_c != d.in_c) return forward_multiplier(pool, d, in, filter, bias, out);
  const DwconvConfig& cfg = dwconv_config();
  const size_t ch = d.in_c;
  const Gather g{d.in_h,
                 d.in_w,
                 ch,
                 d.kernel_h,
                 d.kernel_w,
                 d.stride_h,
                 d.stride_w,
                 d.pad_top,
                 d.pad_left,
                 d.out_w,
                 filter,
                 static_cast<ptrdiff_t>(d.kernel_w * ch),
                 static_cast<ptrdiff_t>(ch),
                 bias,
                 false};
  parallel_for(pool, d.batch * d.out_h, 1, [&](int, size_t b, size_t e) {
    for (size_t row = b; row < e; ++row) {
      const size_t n = row / d.out_h, oy = row % d.out_h;
      gather_row(cfg, g, in + n * d.in_h * d.in_w * ch, oy, out + row * d.out_w * ch);
    }
  });
}

void depthwise_conv2d_backward_input(ThreadPool* pool, const ConvDims& d, const float* grad_out, const float* filter,
                                     float* grad_in) {
  ProfileScope scope(backward_input_time);
  if (d.out_c != d.in_c) return backward_input_multiplier(pool, d, grad_out, filter, grad_in);
  const DwconvConfig& cfg = dwconv_config();
  const size_t ch = d.in_c, kh = d.kernel_h, kw = d.kernel_w;
  if (d.stride_h == 1 && d.stride_w == 1 && d.pad_top < kh && d.pad_left < kw) {
    // grad_in(iy, ix) = sum over taps of grad_out(iy + pt - ky, ix + pl - kx) * w(ky, kx): a
    // stride-1 forward pass over grad_out with the flipped filter and padding k - 1 - pad.
    const Gather g{d.out_h,
                   d.out_w,
                   ch,
                   kh,
                   kw,
                   1,
                   1,
                   kh - 1 - d.pad_top,
                   kw - 1 - d.pad_left,
                   d.in_w,
                   filter + ((kh - 1) * kw + (kw - 1)) * ch,
                   -static_cast<ptrdiff_t>(kw * ch),
                   -static_cast<ptrdiff_t>(ch),
                   nullptr,
                   true};
    parallel_for(pool, d.batch * d.in_h, 1, [&](int, size_t b, size_t e) {
      for (size_t row = b; row < e; ++row) {
        const size_t n = row / d.in_h, iy = row % d.in_h;
        gather_row(cfg, g, grad_out + n * d.out_h * d.out_w * ch, iy, grad_in + row * d.in_w * ch);
      }
    });
    return;
  }
  // Strided: scatter each output's window into its image's grad_in (one writer per image).
  const Interior x = interior_columns(d.out_w, d.in_w, kw, d.stride_w, d.pad_left);
  const size_t gi_row = d.in_w * ch;
  parallel_for(pool, d.batch, 1, [&](int, size_t b, size_t e) {
    for (size_t n = b; n < e; ++n)
      for (size_t oy = 0; oy < d.out_h; ++oy) {
        const float* go = grad_out + (n * d.out_h + oy) * d.out_w * ch;
        const ptrdiff_t iy0 = static_cast<ptrdiff_t>(oy * d.stride_h) - static_cast<ptrdiff_t>(d.pad_top);
        const TapRange ry = clip_taps(iy0, kh, d.in_h);
        const size_t nrows = ry.k1 - ry.k0;
        if (nrows == 0) continue;
        float* gi0 = grad_in + (n * d.in_h + static_cast<size_t>(iy0 + static_cast<ptrdiff_t>(ry.k0))) * gi_row;
        const float* w0 = filter + ry.k0 * kw * ch;
        auto border = [&](size_t ox) {
          const ptrdiff_t ix0 = static_cast<ptrdiff_t>(ox * d.stride_w) - static_cast<ptrdiff_t>(d.pad_left);
          const TapRange rx = clip_taps(ix0, kw, d.in_w);
          if (rx.k1 == rx.k0) return;
          cfg.scatter(ch, 1, nrows, rx.k1 - rx.k0, go + ox * ch, w0 + rx.k0 * ch, kw * ch,
                      gi0 + (ix0 + static_cast<ptrdiff_t>(rx.k0)) * static_cast<ptrdiff_t>(ch), gi_row, 0);
        };
        for (size_t ox = 0; ox < x.lo; ++ox) border(ox);
        if (x.hi > x.lo) {
          cfg.scatter(ch, x.hi - x.lo, nrows, kw, go + x.lo * ch, w0, kw * ch,
                      gi0 + (x.lo * d.stride_w - d.pad_left) * ch, gi_row, d.stride_w * ch);
        }
        for (size_t ox = x.hi; ox < d.out_w; ++ox) border(ox);
      }
  });
}

void depthwise_conv2d_backward_filter(ThreadPool* pool, const ConvDims& d, const float* in, const float* grad_out,
                                      float* grad_filter, float* grad_bias, float* workspace) {
  if (!grad_filter && !grad_bias) return;  // a frozen layer: no weight-gradient work
  ProfileScope scope(backward_filter_time);
  const size_t fsize = filter_size(d), stride = partial_stride(d);
  const DwconvConfig& cfg = dwconv_config();
  parallel_for(pool, d.batch, 1, [&](int, size_t b, size_t e) {
    for (size_t n = b; n < e; ++n) {
      float* part = workspace + n * stride;
      std::memset(part, 0, (fsize + d.out_c) * sizeof(float));
      if (d.out_c == d.in_c)
        backward_filter_image(cfg, d, n, in, grad_out, part);
      else
        backward_filter_image_multiplier(d, n, in, grad_out, part);
    }
  });
  // In image order, so the sums do not depend on which thread made which partial.
  const size_t first = grad_filter ? 0 : fsize, total = grad_bias ? fsize + d.out_c : fsize;
  parallel_for(pool, total - first, 256, [&](int, size_t b, size_t e) {
    for (size_t n = 0; n < d.batch; ++n) {
      const float* part = workspace + n * stride;
      for (size_t i = first + b; i < first + e; ++i) {
        if (i < fsize)
          grad_filter[i] += part[i];
        else
          grad_bias[i - fsize] += part[i];
      }
    }
  });
}

}  // namespace nn
