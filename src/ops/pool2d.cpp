// Pooling (see pool2d.h). Parallel over images: each image's grad_in is written by one thread.
#include "ops/pool2d.h"

#include <algorithm>
#include <limits>

#include "threading/thread-pool.h"

namespace nn {
namespace {

// The window of output (oy, ox) clipped to the image: [y0, y1) x [x0, x1).
struct Clip {
  size_t y0, y1, x0, x1;
};

Clip clip_window(const ConvDims& d, size_t oy, size_t ox) {
  long y0 = static_cast<long>(oy * d.stride_h) - static_cast<long>(d.pad_top);
  long x0 = static_cast<long>(ox * d.stride_w) - static_cast<long>(d.pad_left);
  long y1 = std::min<long>(y0 + static_cast<long>(d.kernel_h), static_cast<long>(d.in_h));
  long x1 = std::min<long>(x0 + static_cast<long>(d.kernel_w), static_cast<long>(d.in_w));
  return Clip{static_cast<size_t>(std::max<long>(y0, 0)), static_cast<size_t>(y1),
              static_cast<size_t>(std::max<long>(x0, 0)), static_cast<size_t>(x1)};
}

// Calls f(image, oy, ox, clip) for every output position of the images in [n0, n1).
template <typename F>
void for_each_window(const ConvDims& d, size_t n0, size_t n1, F f) {
  for (size_t n = n0; n < n1; ++n)
    for (size_t oy = 0; oy < d.out_h; ++oy)
      for (size_t ox = 0; ox < d.out_w; ++ox) f(n, oy, ox, clip_window(d, oy, ox));
}

inline const float* pixel(const ConvDims& d, const float* t, size_t n, size_t y, size_t x) {
  return t + ((n * d.in_h + y) * d.in_w + x) * d.in_c;
}
inline size_t out_index(const ConvDims& d, size_t n, size_t oy, size_t ox) {
  return ((n * d.out_h + oy) * d.out_w + ox) * d.in_c;
}

}  // namespace

// clang's wasm cost model rates the arg-max scan's selects as too dear to vectorize; measured,
// the vector loop is several times faster, so ask for it.
#if defined(__clang__)
#define NN_VECTORIZE_LOOP _Pragma("clang loop vectorize(enable)")
#else
#define NN_VECTORIZE_LOOP
#endif

// Channels per block of the max-pool backward's per-lane arg-max (stack arrays).
constexpr size_t kPoolChannelBlock = 64;

void max_pool2d_forward(ThreadPool* pool, const ConvDims& d, const float* in, float* out) {
  // Parallel over output rows: each writes its own outputs.
  parallel_for(pool, d.batch * d.out_h, 1, [&](int, size_t r0, size_t r1) {
    for (size_t row = r0; row < r1; ++row) {
      const size_t n = row / d.out_h, oy = row % d.out_h;
      for (size_t ox = 0; ox < d.out_w; ++ox) {
        const Clip w = clip_window(d, oy, ox);
        float* __restrict o = out + out_index(d, n, oy, ox);
        std::fill(o, o + d.in_c, -std::numeric_limits<float>::infinity());
        for (size_t y = w.y0; y < w.y1; ++y)
          for (size_t x = w.x0; x < w.x1; ++x) {
            const float* __restrict p = pixel(d, in, n, y, x);
            // A NaN anywhere in the window stays NaN (std::max would drop it). Bitwise '|' and
            // unconditional loads keep the loop branch-free, so it vectorizes over channels.
            for (size_t c = 0; c < d.in_c; ++c) {
              const float a = o[c], v = p[c];
              o[c] = ((a != a) | (v <= a)) ? a : v;
            }
          }
      }
    }
  });
}

// One window's backward over channels [c0, c0 + nc), nc <= kPoolChannelBlock: a scan keeps
// each lane's maximum and the index of the first tap reaching it (the forward's first
// maximum), then each tap adds the gradient on the lanes it won. The tap index is a float
// (exact below 2^24 taps): float-only selects vectorize. (A variant with a constant 8-channel
// trip count, to keep best/arg in registers, measured slower in wasm.)
inline void max_pool_window_backward(const ConvDims& d, size_t n, Clip w, size_t c0, size_t nc, const float* in,
                                     const float* go, float* grad_in) {
  const size_t ww = w.x1 - w.x0;
  float best[kPoolChannelBlock], arg[kPoolChannelBlock];
  const float* first = pixel(d, in, n, w.y0, w.x0) + c0;
  for (size_t c = 0; c < nc; ++c) {
    best[c] = first[c];
    arg[c] = 0.0f;
  }
  for (size_t y = w.y0; y < w.y1; ++y)
    for (size_t x = w.x0; x < w.x1; ++x) {
      const float t = static_cast<float>((y - w.y0) * ww + (x - w.x0));
      const float* __restrict p = pixel(d, in, n, y, x) + c0;
      NN_VECTORIZE_LOOP for (size_t c = 0; c < nc; ++c) {
        const float v = p[c];
        const bool gt = v > best[c];
        best[c] = gt ? v : best[c];
        arg[c] = gt ? t : arg[c];
      }
    }
  for (size_t y = w.y0; y < w.y1; ++y)
    for (size_t x = w.x0; x < w.x1; ++x) {
      const float t = static_cast<float>((y - w.y0) * ww + (x - w.x0));
      float* __restrict g = grad_in + ((n * d.in_h + y) * d.in_w + x) * d.in_c + c0;
      const float* __restrict gc = go + c0;
      for (size_t c = 0; c < nc; ++c) {
        const float v = gc[c];
        g[c] += arg[c] == t ? v : 0.0f;
      }
    }
}

void max_pool2d_backward(ThreadPool* pool, const ConvDims& d, const float* in, const float* grad_out, float* grad_in) {
  // Per image: windows overlap across output rows, so each image's grad_in has one writer.
  parallel_for(pool, d.batch, 1, [&](int, size_t n0, size_t n1) {
    for (size_t n = n0; n < n1; ++n)
      for (size_t oy = 0; oy < d.out_h; ++oy)
        for (size_t ox = 0; ox < d.out_w; ++ox) {
          const Clip w = clip_window(d, oy, ox);
          const float* go = grad_out + out_index(d, n, oy, ox);
          for (size_t c0 = 0; c0 < d.in_c; c0 += kPoolChannelBlock) {
            max_pool_window_backward(d, n, w, c0, std::min(kPoolChannelBlock, d.in_c - c0), in, go, grad_in);
          }
        }
  });
}

void avg_pool2d_forward(ThreadPool* pool, const ConvDims& d, const float* in, float* out) {
  parallel_for(pool, d.batch, 1, [&](int, size_t n0, size_t n1) {
    for_each_window(d, n0, n1, [&](size_t n, size_t oy, size_t ox, Clip w) {
      float* o = out + out_index(d, n, oy, ox);
      std::fill(o, o + d.in_c, 0.0f);
      for (size_t y = w.y0; y < w.y1; ++y)
        for (size_t x = w.x0; x < w.x1; ++x) {
          const float* p = pixel(d, in, n, y, x);
          for (size_t c = 0; c < d.in_c; ++c) o[c] += p[c];
        }
      const float inv = 1.0f / static_cast<float>((w.y1 - w.y0) * (w.x1 - w.x0));
      for (size_t c = 0; c < d.in_c; ++c) o[c] *= inv;
    });
  });
}

void avg_pool2d_backward(ThreadPool* pool, const ConvDims& d, const float* grad_out, float* grad_in) {
  parallel_for(pool, d.batch, 1, [&](int, size_t n0, size_t n1) {
    for_each_window(d, n0, n1, [&](size_t n, size_t oy, size_t ox, Clip w) {
      const float* go = grad_out + out_index(d, n, oy, ox);
      const float inv = 1.0f / static_cast<float>((w.y1 - w.y0) * (w.x1 - w.x0));
      for (size_t y = w.y0; y < w.y1; ++y)
        for (size_t x = w.x0; x < w.x1; ++x) {
          float* gi = grad_in + ((n * d.in_h + y) * d.in_w + x) * d.in_c;
          for (size_t c = 0; c < d.in_c; ++c) gi[c] += go[c] * inv;
        }
    });
  });
}

void global_avg_pool_forward(ThreadPool* pool, size_t n, size_t hw, size_t c, const float* in, float* out) {
  const float inv = 1.0f / static_cast<float>(hw);
  parallel_for(pool, n, 1, [&](int, size_t n0, size_t n1) {
    for (size_t b = n0; b < n1; ++b) {
      float* o = out + b * c;
      std::fill(o, o + c, 0.0f);
      for (size_t p = 0; p < hw; ++p) {
        const float* x = in + (b * hw + p) * c;
        for (size_t k = 0; k < c; ++k) o[k] += x[k];
      }
      for (size_t k = 0; k < c; ++k) o[k] *= inv;
    }
  });
}

void global_avg_pool_backward(ThreadPool* pool, size_t n, size_t hw, size_t c, const float* grad_out, float* grad_in) {
  const float inv = 1.0f / static_cast<float>(hw);
  parallel_for(pool, n, 1, [&](int, size_t n0, size_t n1) {
    for (size_t b = n0; b < n1; ++b)
      for (size_t p = 0; p < hw; ++p) {
        float* g = grad_in + (b * hw + p) * c;
        for (size_t k = 0; k < c; ++k) g[k] += grad_out[b * c + k] * inv;
      }
  });
}

}  // namespace nn
