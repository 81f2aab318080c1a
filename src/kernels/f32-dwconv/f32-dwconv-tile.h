// The depthwise kernel loops of f32-dwconv.h, written once over a vector interface V (the
// GEMM kernels' one, kernels/f32-vec.h) and instantiated by f32-dwconv-<isa>.cpp. Channels are
// the vector axis (NHWC makes them unit-stride); a channel tail of fewer than kLanes uses exact
// partial loads.
//
// The 3x3 kernels walk one group of kLanes channels along the whole row with the 9 taps (or 9
// filter-gradient accumulators) in registers: 9 + 2-3 live vectors, within V8's ~15 on x64.
#pragma once

#include <cassert>
#include <cstddef>

#include "kernels/f32-vec.h"

namespace nn {
namespace {

// Loads/stores n floats at p: a full vector unless this is a channel tail.
template <class V, bool TAIL>
inline typename V::Vec dw_load(const float* p, size_t n) {
  return TAIL ? V::load_partial(p, n) : V::load(p);
}
template <class V, bool TAIL>
inline void dw_store(float* p, typename V::Vec v, size_t n) {
  if (TAIL)
    V::store_partial(p, v, n);
  else
    V::store(p, v);
}

template <class V, bool TAIL>
inline void dw_conv_3x3_group(size_t ch, size_t c, size_t n, size_t out_w, const float* in, ptrdiff_t in_row,
                              size_t in_x, const float* w, ptrdiff_t w_row, ptrdiff_t w_col, const float* bias,
                              float* out, bool accumulate) {
  using Vec = typename V::Vec;
  auto ld = [n](const float* p) { return dw_load<V, TAIL>(p, n); };
  const float* w0 = w + c;
  const float* w1 = w0 + w_row;
  const float* w2 = w1 + w_row;
  const Vec k00 = ld(w0), k01 = ld(w0 + w_col), k02 = ld(w0 + 2 * w_col);
  const Vec k10 = ld(w1), k11 = ld(w1 + w_col), k12 = ld(w1 + 2 * w_col);
  const Vec k20 = ld(w2), k21 = ld(w2 + w_col), k22 = ld(w2 + 2 * w_col);
  const Vec vb = bias ? ld(bias + c) : V::zero();
  const float* i0 = in + c;
  const float* i1 = i0 + in_row;
  const float* i2 = i1 + in_row;
  float* o = out + c;
  for (size_t x = 0; x < out_w; ++x) {
    Vec acc = accumulate ? V::add(vb, ld(o)) : vb;
    acc = V::mul_add(acc, ld(i0), k00);
    acc = V::mul_add(acc, ld(i0 + ch), k01);
    acc = V::mul_add(acc, ld(i0 + 2 * ch), k02);
    acc = V::mul_add(acc, ld(i1), k10);
    acc = V::mul_add(acc, ld(i1 + ch), k11);
    acc = V::mul_add(acc, ld(i1 + 2 * ch), k12);
    acc = V::mul_add(acc, ld(i2), k20);
    acc = V::mul_add(acc, ld(i2 + ch), k21);
    acc = V::mul_add(acc, ld(i2 + 2 * ch), k22);
    dw_store<V, TAIL>(o, acc, n);
    i0 += in_x;
    i1 += in_x;
    i2 += in_x;
    o += ch;
  }
}

template <class V>
void dw_conv_3x3(size_t ch, size_t out_w, size_t nrows, size_t kw, const float* in, ptrdiff_t in_row, size_t in_x,
                 const float* w, ptrdiff_t w_row, ptrdiff_t w_col, const float* bias, float* out, bool accumulate) {
  assert(nrows == 3 && kw == 3);
  constexpr size_t L = V::kLanes;
  size_t c = 0;
  for (; c + L <= ch; c += L)
    dw_conv_3x3_group<V, false>(ch, c, L, out_w, in, in_row, in_x, w, w_row, w_col, bias, out, accumulate);
  if (c < ch)
    dw_conv_3x3_group<V, true>(ch, c, ch - c, out_w, in, in_row, in_x, w, w_row, w_col, bias, out, accumulate);
}

template <class V, bool TAIL>
inline void dw_conv_generic_group(size_t ch, size_t c, size_t n, size_t out_w, size_t nrows, size_t kw, const float* in,
                                  ptrdiff_t in_row, size_t in_x, const float* w, ptrdiff_t w_row, ptrdiff_t w_col,
                                  const float* bias, float* out, bool accumulate) {
  using Vec = typename V::Vec;
  auto ld = [n](const float* p) { return dw_load<V, TAIL>(p, n); };
  const Vec vb = bias ? ld(bias + c) : V::zero();
  for (size_t x = 0; x < out_w; ++x) {
    float* o = out + x * ch + c;
    Vec acc = accumulate ? V::add(vb, ld(o)) : vb;
    for (size_t r = 0; r < nrows; ++r) {
      const float* ip = in + r * in_row + x * in_x + c;
      const float* wp = w + r * w_row + c;
      for (size_t k = 0; k < kw; ++k) acc = V::mul_add(acc, ld(ip + k * ch), ld(wp + k * w_col));
    }
    dw_store<V, TAIL>(o, acc, n);
  }
}

template <class V>
void dw_conv_generic(size_t ch, size_t out_w, size_t nrows, size_t kw, const float* in, ptrdiff_t in_row, size_t in_x,
                     const float* w, ptrdiff_t w_row, ptrdiff_t w_col, const float* bias, float* out, bool accumulate) {
  constexpr size_t L = V::kLanes;
  size_t c = 0;
  for (; c + L <= ch; c += L)
    dw_conv_generic_group<V, false>(ch, c, L, out_w, nrows, kw, in, in_row, in_x, w, w_row, w_col, bias, out,
                                    accumulate);
  if (c < ch)
    dw_conv_generic_group<V, true>(ch, c, ch - c, out_w, nrows, kw, in, in_row, in_x, w, w_row, w_col, bias, out,
                                   accumulate);
}

template <class V, bool TAIL>
inline void dw_backward_filter_3x3_group(size_t ch, size_t c, size_t n, size_t out_w, const float* in, ptrdiff_t in_row,
                                         size_t in_x, const float* grad_out, float* gw, size_t gw_row) {
  using Vec = typename V::Vec;
  auto ld = [n](const float* p) { return dw_load<V, TAIL>(p, n); };
  Vec a00 = V::zero(), a01 = V::zero(), a02 = V::zero();
  Vec a10 = V::zero(), a11 = V::zero(), a12 = V::zero();
  Vec a20 = V::zero(), a21 = V::zero(), a22 = V::zero();
  const float* i0 = in + c;
  const float* i1 = i0 + in_row;
  const float* i2 = i1 + in_row;
  const float* g = grad_out + c;
  for (size_t x = 0; x < out_w; ++x) {
    const Vec vg = ld(g);
    a00 = V::mul_add(a00, ld(i0), vg);
    a01 = V::mul_add(a01, ld(i0 + ch), vg);
    a02 = V::mul_add(a02, ld(i0 + 2 * ch), vg);
    a10 = V::mul_add(a10, ld(i1), vg);
    a11 = V::mul_add(a11, ld(i1 + ch), vg);
    a12 = V::mul_add(a12, ld(i1 + 2 * ch), vg);
    a20 = V::mul_add(a20, ld(i2), vg);
    a21 = V::mul_add(a21, ld(i2 + ch), vg);
    a22 = V::mul_add(a22, ld(i2 + 2 * ch), vg);
    i0 += in_x;
    i1 += in_x;
    i2 += in_x;
    g += ch;
  }
  auto put = [&](float* p, Vec a) { dw_store<V, TAIL>(p, V::add(ld(p), a), n); };
  float* g0 = gw + c;
  float* g1 = g0 + gw_row;
  float* g2 = g1 + gw_row;
  put(g0, a00);
  put(g0 + ch, a01);
  put(g0 + 2 * ch, a02);
  put(g1, a10);
  put(g1 + ch, a11);
  put(g1 + 2 * ch, a12);
  put(g2, a20);
  put(g2 + ch, a21);
  put(g2 + 2 * ch, a22);
}

template <class V>
void dw_backward_filter_3x3(size_t ch, size_t out_w, size_t nrows, size_t kw, const float* in, ptrdiff_t in_row,
                            size_t in_x, const float* grad_out, float* gw, size_t gw_row) {
  assert(nrows == 3 && kw == 3);
  constexpr size_t L = V::kLanes;
  size_t c = 0;
  for (; c + L <= ch; c += L)
    dw_backward_filter_3x3_group<V, false>(ch, c, L, out_w, in, in_row, in_x, grad_out, gw, gw_row);
  if (c < ch) dw_backward_filter_3x3_group<V, true>(ch, c, ch - c, out_w, in, in_row, in_x, grad_out, gw, gw_row);
}

template <class V, bool TAIL>
inline void dw_backward_filter_generic_group(size_t ch, size_t c, size_t n, size_t out_w, size_t nrows, size_t kw,
                                             const float* in, ptrdiff_t in_row, size_t in_x, const float* grad_out,
                                             float* gw, size_t gw_row) {
  using Vec = typename V::Vec;
  auto ld = [n](const float* p) { return dw_load<V, TAIL>(p, n); };
  for (size_t x = 0; x < out_w; ++x) {
    const Vec vg = ld(grad_out + x * ch + c);
    for (size_t r = 0; r < nrows; ++r) {
      const float* ip = in + r * in_row + x * in_x + c;
      float* gp = gw + r * gw_row + c;
      for (size_t k = 0; k < kw; ++k)
        dw_store<V, TAIL>(gp + k * ch, V::mul_add(ld(gp + k * ch), ld(ip + k * ch), vg), n);
    }
  }
}

template <class V>
void dw_backward_filter_generic(size_t ch, size_t out_w, size_t nrows, size_t kw, const float* in, ptrdiff_t in_row,
                                size_t in_x, const float* grad_out, float* gw, size_t gw_row) {
  constexpr size_t L = V::kLanes;
  size_t c = 0;
  for (; c + L <= ch; c += L)
    dw_backward_filter_generic_group<V, false>(ch, c, L, out_w, nrows, kw, in, in_row, in_x, grad_out, gw, gw_row);
  if (c < ch)
    dw_backward_filter_generic_group<V, true>(ch, c, ch - c, out_w, nrows, kw, in, in_row, in_x, grad_out, gw, gw_row);
}

template <class V, bool TAIL>
inline void dw_scatter_group(size_t ch, size_t c, size_t n, size_t out_w, size_t nrows, size_t kw,
                             const float* grad_out, const float* w, size_t w_row, float* gi, size_t gi_row,
                             size_t gi_x) {
  using Vec = typename V::Vec;
  auto ld = [n](const float* p) { return dw_load<V, TAIL>(p, n); };
  for (size_t x = 0; x < out_w; ++x) {
    const Vec vg = ld(grad_out + x * ch + c);
    for (size_t r = 0; r < nrows; ++r) {
      float* gp = gi + r * gi_row + x * gi_x + c;
      const float* wp = w + r * w_row + c;
      for (size_t k = 0; k < kw; ++k)
        dw_store<V, TAIL>(gp + k * ch, V::mul_add(ld(gp + k * ch), vg, ld(wp + k * ch)), n);
    }
  }
}

template <class V>
void dw_scatter(size_t ch, size_t out_w, size_t nrows, size_t kw, const float* grad_out, const float* w, size_t w_row,
                float* gi, size_t gi_row, size_t gi_x) {
  constexpr size_t L = V::kLanes;
  size_t c = 0;
  for (; c + L <= ch; c += L)
    dw_scatter_group<V, false>(ch, c, L, out_w, nrows, kw, grad_out, w, w_row, gi, gi_row, gi_x);
  if (c < ch) dw_scatter_group<V, true>(ch, c, ch - c, out_w, nrows, kw, grad_out, w, w_row, gi, gi_row, gi_x);
}

}  // namespace
}  // namespace nn

// Defines the five nn_f32_dwconv_*__<isa> functions of f32-dwconv.h over vector interface V.
#define NN_DEFINE_DWCONV_UKERNELS(isa, V)                                                                           \
  void nn_f32_dwconv_ukernel_3x3__##isa(size_t ch, size_t out_w, size_t nrows, size_t kw, const float* in,          \
                                        ptrdiff_t in_row, size_t in_x, const float* w, ptrdiff_t w_row,             \
                                        ptrdiff_t w_col, const float* bias, float* out, bool accumulate) {          \
    dw_conv_3x3<V>(ch, out_w, nrows, kw, in, in_row, in_x, w, w_row, w_col, bias, out, accumulate);                 \
  }                                                                                                                 \
  void nn_f32_dwconv_ukernel_generic__##isa(size_t ch, size_t out_w, size_t nrows, size_t kw, const float* in,      \
                                            ptrdiff_t in_row, size_t in_x, const float* w, ptrdiff_t w_row,         \
                                            ptrdiff_t w_col, const float* bias, float* out, bool accumulate) {      \
    dw_conv_generic<V>(ch, out_w, nrows, kw, in, in_row, in_x, w, w_row, w_col, bias, out, accumulate);             \
  }                                                                                                                 \
  void nn_f32_dwconv_backward_filter_ukernel_3x3__##isa(size_t ch, size_t out_w, size_t nrows, size_t kw,           \
                                                        const float* in, ptrdiff_t in_row, size_t in_x,             \
                                                        const float* grad_out, float* gw, size_t gw_row) {          \
    dw_backward_filter_3x3<V>(ch, out_w, nrows, kw, in, in_row, in_x, grad_out, gw, gw_row);                        \
  }                                                                                                                 \
  void nn_f32_dwconv_backward_filter_ukernel_generic__##isa(size_t ch, size_t out_w, size_t nrows, size_t kw,       \
                                                            const float* in, ptrdiff_t in_row, size_t in_x,         \
                                                            const float* grad_out, float* gw, size_t gw_row) {      \
    dw_backward_filter_generic<V>(ch, out_w, nrows, kw, in, in_row, in_x, grad_out, gw, gw_row);                    \
  }                                                                                                                 \
  void nn_f32_dwconv_scatter_ukernel_generic__##isa(size_t ch, size_t out_w, size_t nrows, size_t kw,               \
                                                    const float* grad_out, const float* w, size_t w_row, float* gi, \
                                                    size_t gi_row, size_t gi_x) {                                   \
    dw_scatter<V>(ch, out_w, nrows, kw, grad_out, w, w_row, gi, gi_row, gi_x);                                      \
  }
