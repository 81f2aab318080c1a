// The 4-float vector interfaces the depthwise kernels are written over (one struct per ISA, all
// static, as f32-gemm-tile.h's): load/store, partial load/store of n in [1, kLanes] floats
// (reading and writing exactly n), zero, add, mul_add(acc, a, b) = acc + a * b (no FMA in
// wasm SIMD128). Only kernel .cpp files include this, each for its own ISA.
#pragma once

#include <cstddef>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif
#if (defined(__x86_64__) || defined(__i386__)) && !defined(__EMSCRIPTEN__)
#include <emmintrin.h>
#endif

namespace nn {
namespace {

struct DwScalar {
  using Vec = float;
  static constexpr size_t kLanes = 1;
  static Vec load(const float* p) { return *p; }
  static Vec load_partial(const float* p, size_t) { return *p; }
  static void store(float* p, Vec v) { *p = v; }
  static void store_partial(float* p, Vec v, size_t) { *p = v; }
  static Vec zero() { return 0.0f; }
  static Vec add(Vec a, Vec b) { return a + b; }
  static Vec mul_add(Vec acc, Vec a, Vec b) { return acc + a * b; }
};

#if defined(__wasm_simd128__)
struct DwWasmSimd {
  using Vec = v128_t;
  static constexpr size_t kLanes = 4;
  static Vec load(const float* p) { return wasm_v128_load(p); }
  static Vec load_partial(const float* p, size_t n) {
    switch (n) {
      case 1:  return wasm_v128_load32_zero(p);
      case 2:  return wasm_v128_load64_zero(p);
      case 3:  return wasm_v128_load32_lane(p + 2, wasm_v128_load64_zero(p), 2);
      default: return wasm_v128_load(p);
    }
  }
  static void store(float* p, Vec v) { wasm_v128_store(p, v); }
  static void store_partial(float* p, Vec v, size_t n) {
    switch (n) {
      case 1:  wasm_v128_store32_lane(p, v, 0); break;
      case 2:  wasm_v128_store64_lane(p, v, 0); break;
      case 3:  wasm_v128_store64_lane(p, v, 0); wasm_v128_store32_lane(p + 2, v, 2); break;
      default: wasm_v128_store(p, v); break;
    }
  }
  static Vec zero() { return wasm_f32x4_const_splat(0.0f); }
  static Vec add(Vec a, Vec b) { return wasm_f32x4_add(a, b); }
  static Vec mul_add(Vec acc, Vec a, Vec b) { return wasm_f32x4_add(acc, wasm_f32x4_mul(a, b)); }
};
#endif

#if (defined(__x86_64__) || defined(__i386__)) && !defined(__EMSCRIPTEN__)
struct DwSse2 {
  using Vec = __m128;
  static constexpr size_t kLanes = 4;
  static Vec load(const float* p) { return _mm_loadu_ps(p); }
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
  static Vec add(Vec a, Vec b) { return _mm_add_ps(a, b); }
  static Vec mul_add(Vec acc, Vec a, Vec b) { return _mm_add_ps(acc, _mm_mul_ps(a, b)); }
};
#endif

}  // namespace
}  // namespace nn
