// The register-tiled GEMM loops, written once over a small per-ISA vector interface `V` and
// instantiated by each kernel file (f32-gemm-*-wasmsimd.cpp, -sse2, -fma3, -scalar). XNNPACK
// generates one C file per tile from a template with a script (src/f32-gemm/*.c.in); here the
// compiler does that expansion: every loop over the MR x NV tile is fully unrolled, so the
// accumulators are plain locals (registers) in each kernel.
//
// Only kernel .cpp files include this header, after their ISA's intrinsics (and, for the fma3
// file, after its target pragma): everything lives in an anonymous namespace so that each
// translation unit keeps its own copy, compiled for its own ISA.
//
// The vector interface (all static):
//   Vec, kLanes                       the vector type and its float count
//   load(p), load_splat(p)            kLanes floats / one float broadcast
//   load_partial(p, n)                n in [1, kLanes] floats, the rest zero (n == kLanes: load)
//   store(p, v), store_partial(p, v, n)
//   zero(), add(a, b), mul_add(acc, a, b) = acc + a * b, clamp(v, lo, hi) with lo, hi from splat(x)
//   splat(x)                          broadcast a scalar
//   splat_lane<L>(v)                  broadcast lane L (only kernels of the "splat" strategy)
//   keep_order(v)                     no code; in wasm, pins v between k steps (see f32-vec.h)
//
// What matters for speed in V8 (x64 has 16 vector registers, one of them scratch): TurboFan
// hoists every load of a loop body ahead of the arithmetic, so the accumulators plus the
// loads of one body must fit in ~15 registers. 4x8 (8 accumulators, 2 W vectors, 4
// broadcasts) unrolled twice fits; 4 steps per body or the "splat" strategy spill.
#pragma once

#include <cassert>
#include <cstddef>

#include "kernels/kernels.h"

#if defined(__clang__)
#define NN_UNROLL _Pragma("clang loop unroll(full)")
#else
#define NN_UNROLL _Pragma("GCC unroll 16")
#endif

namespace nn {
namespace {

// How the A values of one k step reach the tile.
enum class Strategy {
  kLoadSplat,  // one broadcast load per row and k (XNNPACK "loadsplat")
  kSplat,      // one vector load of 4 consecutive k per row, then lane broadcasts (XNNPACK "splat")
};

// Where the tile's A values are (a is an array of MR pointers).
enum class ALayout {
  kRows,     // A(i, p) = a[i][p]: row-major A, one pointer per row (packed-W kernels)
  kColumns,  // A(i, p) = a[0][p * a_step + i]: transposed A, all MR rows present (tn kernels)
  kStrided,  // A(i, p) = a[i][p * a_step]: transposed A with aliased rows, mr < MR (tn kernels)
};

// One MR x (NV * kLanes) tile over the whole depth kc:
//   acc = bias (or 0) [+ C when accumulating]; for p < kc: acc += A(:, p) * B(p, :); clamp; store.
// B(p, :) = b + p * b_step. KU > 1 unrolls the load-splat loop KU times with constant offsets
// (one pointer update per row per KU steps; kRows only). For a tail tile (TAIL), only n columns
// are valid (NV = ceil(n / kLanes)): C is loaded and stored partially.
template <class V, size_t MR, size_t NV, bool TAIL, Strategy S, size_t KU, ALayout AL>
inline void gemm_tile(size_t kc, const float* const* a, size_t a_step, const float* b, size_t b_step, const float* bias,
                      float* const* c, size_t n, bool accumulate, bool clamp, float lo, float hi) {
  using Vec = typename V::Vec;
  constexpr size_t L = V::kLanes;
  // Columns in the last vector of the tile (all of them unless this is a ragged tail).
  const size_t last = TAIL ? n - (NV - 1) * L : L;

  Vec acc[MR][NV];
  NN_UNROLL for (size_t j = 0; j < NV; ++j) {
    const Vec v = bias ? V::load(bias + j * L) : V::zero();
    NN_UNROLL for (size_t i = 0; i < MR; ++i) acc[i][j] = v;
  }
  if (accumulate) {
    // All rows are read before any is written: aliased rows (mr < MR) must all see the old C.
    NN_UNROLL for (size_t i = 0; i < MR; ++i) {
      NN_UNROLL for (size_t j = 0; j + 1 < NV; ++j) acc[i][j] = V::add(acc[i][j], V::load(c[i] + j * L));
      const Vec cl = TAIL ? V::load_partial(c[i] + (NV - 1) * L, last) : V::load(c[i] + (NV - 1) * L);
      acc[i][NV - 1] = V::add(acc[i][NV - 1], cl);
    }
  }

  const float* ap[MR];
  NN_UNROLL for (size_t i = 0; i < MR; ++i) ap[i] = a[i];
  size_t k = kc;
  if constexpr (S == Strategy::kSplat) {
    static_assert(L == 4, "the splat strategy broadcasts lanes of 4-float vectors");
    static_assert(AL == ALayout::kRows, "the splat strategy loads 4 consecutive k of a row");
    for (; k >= 4; k -= 4) {
      Vec va[MR];
      NN_UNROLL for (size_t i = 0; i < MR; ++i) {
        va[i] = V::load(ap[i]);
        ap[i] += 4;
      }
#define NN_GEMM_SPLAT_STEP(LANE)                                                                                  \
  {                                                                                                               \
    Vec vb[NV];                                                                                                   \
    NN_UNROLL for (size_t j = 0; j < NV; ++j) vb[j] = V::load(b + LANE * b_step + j * L);                         \
    NN_UNROLL for (size_t i = 0; i < MR; ++i) {                                                                   \
      const Vec va_l = V::template splat_lane<LANE>(va[i]);                                                       \
      NN_UNROLL for (size_t j = 0; j < NV; ++j) acc[i][j] = V::mul_add(acc[i][j], va_l, vb[j]);                   \
    }                                                                                                             \
    NN_UNROLL for (size_t i = 0; i < MR; ++i) NN_UNROLL for (size_t j = 0; j < NV; ++j) V::keep_order(acc[i][j]); \
  }
      NN_GEMM_SPLAT_STEP(0)
      NN_GEMM_SPLAT_STEP(1)
      NN_GEMM_SPLAT_STEP(2)
      NN_GEMM_SPLAT_STEP(3)
#undef NN_GEMM_SPLAT_STEP
      b += 4 * b_step;
    }
  } else if constexpr (KU > 1) {
    static_assert(AL != ALayout::kStrided, "unrolled load-splat reads A at offsets from one pointer per row");
    for (; k >= KU; k -= KU) {
      NN_UNROLL for (size_t u = 0; u < KU; ++u) {
        Vec vb[NV];
        NN_UNROLL for (size_t j = 0; j < NV; ++j) vb[j] = V::load(b + u * b_step + j * L);
        NN_UNROLL for (size_t i = 0; i < MR; ++i) {
          const Vec va = V::load_splat(AL == ALayout::kColumns ? ap[0] + u * a_step + i : ap[i] + u);
          NN_UNROLL for (size_t j = 0; j < NV; ++j) acc[i][j] = V::mul_add(acc[i][j], va, vb[j]);
        }
        NN_UNROLL for (size_t i = 0; i < MR; ++i) NN_UNROLL for (size_t j = 0; j < NV; ++j) V::keep_order(acc[i][j]);
      }
      b += KU * b_step;
      if constexpr (AL == ALayout::kColumns) {
        ap[0] += KU * a_step;
      } else {
        NN_UNROLL for (size_t i = 0; i < MR; ++i) ap[i] += KU;
      }
    }
  }
  // One k step at a time: the whole depth, or what the loops above leave.
  for (; k != 0; --k) {
    Vec vb[NV];
    NN_UNROLL for (size_t j = 0; j < NV; ++j) vb[j] = V::load(b + j * L);
    b += b_step;
    NN_UNROLL for (size_t i = 0; i < MR; ++i) {
      const Vec va = V::load_splat(AL == ALayout::kColumns ? ap[0] + i : ap[i]);
      NN_UNROLL for (size_t j = 0; j < NV; ++j) acc[i][j] = V::mul_add(acc[i][j], va, vb[j]);
    }
    NN_UNROLL for (size_t i = 0; i < MR; ++i) NN_UNROLL for (size_t j = 0; j < NV; ++j) V::keep_order(acc[i][j]);
    if constexpr (AL == ALayout::kRows) {
      NN_UNROLL for (size_t i = 0; i < MR; ++i) ap[i] += 1;
    } else if constexpr (AL == ALayout::kStrided) {
      NN_UNROLL for (size_t i = 0; i < MR; ++i) ap[i] += a_step;
    } else {
      ap[0] += a_step;
    }
  }

  if (clamp) {
    const Vec vlo = V::splat(lo), vhi = V::splat(hi);
    NN_UNROLL for (size_t i = 0; i < MR; ++i) NN_UNROLL for (size_t j = 0; j < NV; ++j) acc[i][j] =
        V::clamp(acc[i][j], vlo, vhi);
  }
  // Highest row first, so that where rows alias, row mr-1 is stored last (all hold equal values).
  NN_UNROLL for (size_t rr = 0; rr < MR; ++rr) {
    const size_t r = MR - 1 - rr;
    NN_UNROLL for (size_t j = 0; j + 1 < NV; ++j) V::store(c[r] + j * L, acc[r][j]);
    if (TAIL)
      V::store_partial(c[r] + (NV - 1) * L, acc[r][NV - 1], last);
    else
      V::store(c[r] + (NV - 1) * L, acc[r][NV - 1]);
  }
}

// The last, partial panel (0 < n < NR): a tile only as wide as its ceil(n / kLanes) vectors.
template <class V, size_t MR, size_t NR, Strategy S, size_t KU, ALayout AL>
inline void gemm_tail(size_t kc, const float* const* a, size_t a_step, const float* b, size_t b_step, const float* bias,
                      float* const* c, size_t n, bool accumulate, bool clamp, float lo, float hi) {
  constexpr size_t L = V::kLanes;
  constexpr size_t NV = NR / L;
  const size_t nv = (n + L - 1) / L;
#define NN_GEMM_TAIL_CASE(W)                                                                                 \
  if constexpr (W <= NV) {                                                                                   \
    if (nv == W) {                                                                                           \
      gemm_tile<V, MR, W, true, S, KU, AL>(kc, a, a_step, b, b_step, bias, c, n, accumulate, clamp, lo, hi); \
      return;                                                                                                \
    }                                                                                                        \
  }
  NN_GEMM_TAIL_CASE(1)
  NN_GEMM_TAIL_CASE(2)
  NN_GEMM_TAIL_CASE(3)
  NN_GEMM_TAIL_CASE(4)
  NN_GEMM_TAIL_CASE(5)
  NN_GEMM_TAIL_CASE(6)
  NN_GEMM_TAIL_CASE(7)
  NN_GEMM_TAIL_CASE(8)
#undef NN_GEMM_TAIL_CASE
  static_assert(NV <= 8, "add tail cases");
}

// Row pointers of an mr-row tile; rows past mr alias row mr-1 (computed twice, stored alike).
template <size_t MR, class T>
inline void tile_rows(size_t mr, T* base, size_t stride, T** rows) {
  rows[0] = base;
  NN_UNROLL for (size_t i = 1; i < MR; ++i) rows[i] = i < mr ? rows[i - 1] + stride : rows[i - 1];
}

inline bool needs_clamp(const GemmParams& p) { return p.min != -__builtin_inff() || p.max != __builtin_inff(); }

// GemmUkernelFn body: A row-major, W packed in NR-column panels with bias (kernels.h).
template <class V, size_t MR, size_t NR, Strategy S, size_t KU>
inline void gemm_packed(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride, const float* w, float* c,
                        size_t c_stride, const GemmParams* params) {
  static_assert(NR % V::kLanes == 0, "NR must be a whole number of vectors");
  assert(mr != 0 && mr <= MR);
  assert(nc != 0);
  assert(kc != 0);
  assert(a_stride >= kc || mr == 1);
  assert(a != nullptr && w != nullptr && c != nullptr && params != nullptr);
  const float* ar[MR];
  float* cr[MR];
  tile_rows<MR>(mr, a, a_stride, ar);
  tile_rows<MR>(mr, c, c_stride, cr);
  const bool accumulate = params->accumulate, clamp = needs_clamp(*params);
  const float lo = params->min, hi = params->max;
  const size_t panel = NR * (kc + 1);
  for (; nc >= NR; nc -= NR) {
    gemm_tile<V, MR, NR / V::kLanes, false, S, KU, ALayout::kRows>(kc, ar, 1, w + NR, NR, w, cr, NR, accumulate, clamp,
                                                                   lo, hi);
    w += panel;
    NN_UNROLL for (size_t i = 0; i < MR; ++i) cr[i] += NR;
  }
  if (nc != 0) gemm_tail<V, MR, NR, S, KU, ALayout::kRows>(kc, ar, 1, w + NR, NR, w, cr, nc, accumulate, clamp, lo, hi);
}

// GemmTnUkernelFn body: A stored transposed (A(i, p) = a[p * a_stride + i]), B unpacked. A full
// tile reads its MR values of a k step at constant offsets from one pointer; a partial one
// (mr < MR) keeps a pointer per row, the rows past mr aliasing row mr-1.
template <class V, size_t MR, size_t NR, size_t KU, ALayout AL>
inline void gemm_tn_rows(size_t nc, size_t kc, const float* const* ar, size_t a_stride, const float* b, size_t b_stride,
                         float** cr, const GemmParams* params) {
  const bool accumulate = params->accumulate, clamp = needs_clamp(*params);
  const float lo = params->min, hi = params->max;
  for (; nc >= NR; nc -= NR) {
    gemm_tile<V, MR, NR / V::kLanes, false, Strategy::kLoadSplat, KU, AL>(kc, ar, a_stride, b, b_stride, nullptr, cr,
                                                                          NR, accumulate, clamp, lo, hi);
    b += NR;
    NN_UNROLL for (size_t i = 0; i < MR; ++i) cr[i] += NR;
  }
  if (nc != 0)
    gemm_tail<V, MR, NR, Strategy::kLoadSplat, KU, AL>(kc, ar, a_stride, b, b_stride, nullptr, cr, nc, accumulate,
                                                       clamp, lo, hi);
}

template <class V, size_t MR, size_t NR, size_t KU>
inline void gemm_tn(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride, const float* b, size_t b_stride,
                    float* c, size_t c_stride, const GemmParams* params) {
  static_assert(NR % V::kLanes == 0, "NR must be a whole number of vectors");
  assert(mr != 0 && mr <= MR);
  assert(nc != 0);
  assert(kc != 0);
  assert(a_stride >= mr || kc == 1);
  assert(b_stride >= nc || kc == 1);
  assert(a != nullptr && b != nullptr && c != nullptr && params != nullptr);
  const float* ar[MR];
  float* cr[MR];
  tile_rows<MR>(mr, a, 1, ar);  // row i of the tile is column i of the stored A
  tile_rows<MR>(mr, c, c_stride, cr);
  if (mr == MR)
    gemm_tn_rows<V, MR, NR, KU, ALayout::kColumns>(nc, kc, ar, a_stride, b, b_stride, cr, params);
  else
    gemm_tn_rows<V, MR, NR, 1, ALayout::kStrided>(nc, kc, ar, a_stride, b, b_stride, cr, params);
}

}  // namespace
}  // namespace nn

// Defines the exported kernel `fn` as an instance of the bodies above.
#define NN_DEFINE_GEMM_UKERNEL(fn, V, MR, NR, S, KU)                                                         \
  void fn(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride, const float* packed_w, float* c, \
          size_t c_stride, const GemmParams* params) {                                                       \
    gemm_packed<V, MR, NR, S, KU>(mr, nc, kc, a, a_stride, packed_w, c, c_stride, params);                   \
  }
#define NN_DEFINE_GEMM_TN_UKERNEL(fn, V, MR, NR, KU)                                                                   \
  void fn(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride, const float* b, size_t b_stride, float* c, \
          size_t c_stride, const GemmParams* params) {                                                                 \
    gemm_tn<V, MR, NR, KU>(mr, nc, kc, a, a_stride, b, b_stride, c, c_stride, params);                                 \
  }
