// f32 GEMM microkernels for x86 SSE2 (the x86-64 baseline, so no compiler flag or CPU check is
// needed): the native counterpart of the wasm SIMD128 kernels, same 4-float vectors, mul + add,
// load-splat strategy. Loops: f32-gemm-tile.h. Test: nn_tests_native -tc='*gemm*'.
#if (defined(__x86_64__) || defined(__i386__)) && !defined(__EMSCRIPTEN__)
#include <emmintrin.h>

#include "kernels/f32-gemm/f32-gemm-tile.h"

namespace nn {
namespace {

struct Sse2 {
  using Vec = __m128;
  static constexpr size_t kLanes = 4;

  static Vec load(const float* p) { return _mm_loadu_ps(p); }
  static Vec load_splat(const float* p) { return _mm_load1_ps(p); }
  static Vec load_partial(const float* p, size_t n) {
    switch (n) {
      case 1:  return _mm_load_ss(p);
      case 2:  return _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(p)));
      case 3:  return _mm_movelh_ps(_mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(p))), _mm_load_ss(p + 2));
      default: return _mm_loadu_ps(p);
    }
  }
  static void store(float* p, Vec v) { _mm_storeu_ps(p, v); }
  static void store_partial(float* p, Vec v, size_t n) {
    switch (n) {
      case 1:  _mm_store_ss(p, v); break;
      case 2:  _mm_storel_pi(reinterpret_cast<__m64*>(p), v); break;
      case 3:  _mm_storel_pi(reinterpret_cast<__m64*>(p), v); _mm_store_ss(p + 2, _mm_movehl_ps(v, v)); break;
      default: _mm_storeu_ps(p, v); break;
    }
  }
  static Vec zero() { return _mm_setzero_ps(); }
  static Vec splat(float x) { return _mm_set1_ps(x); }
  template <int L>
  static Vec splat_lane(Vec v) { return _mm_shuffle_ps(v, v, _MM_SHUFFLE(L, L, L, L)); }
  static Vec add(Vec a, Vec b) { return _mm_add_ps(a, b); }
  static Vec mul_add(Vec acc, Vec a, Vec b) { return _mm_add_ps(acc, _mm_mul_ps(a, b)); }
  static void keep_order(Vec&) {}
  static Vec clamp(Vec v, Vec lo, Vec hi) { return _mm_min_ps(_mm_max_ps(v, lo), hi); }
};

}  // namespace

NN_DEFINE_GEMM_UKERNEL(nn_f32_gemm_ukernel_1x8__sse2, Sse2, 1, 8, Strategy::kLoadSplat, 1)
NN_DEFINE_GEMM_UKERNEL(nn_f32_gemm_ukernel_4x8__sse2, Sse2, 4, 8, Strategy::kLoadSplat, 1)
NN_DEFINE_GEMM_UKERNEL(nn_f32_gemm_ukernel_6x8__sse2, Sse2, 6, 8, Strategy::kLoadSplat, 1)
NN_DEFINE_GEMM_TN_UKERNEL(nn_f32_gemm_tn_ukernel_4x8__sse2, Sse2, 4, 8, 1)

}  // namespace nn

#endif  // x86
