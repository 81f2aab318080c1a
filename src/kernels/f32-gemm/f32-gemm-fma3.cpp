// f32 GEMM microkernels for x86 AVX2 + FMA3 (8-float vectors, fused multiply-add), compiled
// with a target pragma so the rest of the native build stays baseline x86-64; the kernel
// config uses them only when the CPU reports avx2 and fma. Loops: f32-gemm-tile.h.
// Test: nn_tests_native -tc='*gemm*'.
#if (defined(__x86_64__) || defined(__i386__)) && !defined(__EMSCRIPTEN__) && defined(__GNUC__)
// Every header with inline functions comes before the pragma, so that no AVX code ends up in
// an inline function the linker could pick for baseline callers; the tile loops below live in
// an anonymous namespace, private to this file.
#include <cassert>
#include <cstddef>
#include <limits>

#include "kernels/kernels.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include <immintrin.h>

#include "kernels/f32-gemm/f32-gemm-tile.h"

namespace nn {
namespace {

struct Fma3 {
  using Vec = __m256;
  static constexpr size_t kLanes = 8;

  // Lanes [0, n) of a mask, for the ragged last vector of a row.
  static __m256i mask(size_t n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static Vec load(const float* p) { return _mm256_loadu_ps(p); }
  static Vec load_splat(const float* p) { return _mm256_broadcast_ss(p); }
  static Vec load_partial(const float* p, size_t n) { return _mm256_maskload_ps(p, mask(n)); }
  static void store(float* p, Vec v) { _mm256_storeu_ps(p, v); }
  static void store_partial(float* p, Vec v, size_t n) { _mm256_maskstore_ps(p, mask(n), v); }
  static Vec zero() { return _mm256_setzero_ps(); }
  static Vec splat(float x) { return _mm256_set1_ps(x); }
  static Vec add(Vec a, Vec b) { return _mm256_add_ps(a, b); }
  static Vec mul_add(Vec acc, Vec a, Vec b) { return _mm256_fmadd_ps(a, b, acc); }
  static void keep_order(Vec&) {}
  static Vec clamp(Vec v, Vec lo, Vec hi) { return _mm256_min_ps(_mm256_max_ps(v, lo), hi); }
};

}  // namespace

NN_DEFINE_GEMM_UKERNEL(nn_f32_gemm_ukernel_1x16__fma3, Fma3, 1, 16, Strategy::kLoadSplat, 1)
NN_DEFINE_GEMM_UKERNEL(nn_f32_gemm_ukernel_4x16__fma3, Fma3, 4, 16, Strategy::kLoadSplat, 1)
NN_DEFINE_GEMM_UKERNEL(nn_f32_gemm_ukernel_6x16__fma3, Fma3, 6, 16, Strategy::kLoadSplat, 1)
NN_DEFINE_GEMM_TN_UKERNEL(nn_f32_gemm_tn_ukernel_1x16__fma3, Fma3, 1, 16, 1)
NN_DEFINE_GEMM_TN_UKERNEL(nn_f32_gemm_tn_ukernel_4x16__fma3, Fma3, 4, 16, 1)

}  // namespace nn

#pragma GCC pop_options
#endif  // x86
