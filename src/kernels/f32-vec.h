// The vector interfaces the f32 kernels are written over (f32-gemm-tile.h, f32-dwconv-tile.h):
// one all-static struct per ISA with Vec, kLanes, load/store, partial load/store of n in
// [1, kLanes] floats (reading and writing exactly n), zero, splat, add, mul_add(acc, a, b) =
// acc + a * b, keep_order and clamp. Wasm SIMD128 is plain -msimd128 (no relaxed SIMD, so no
// FMA: mul then add), with pseudo-min/max for the clamp (one x86 instruction each in V8).
// Only kernel .cpp files include this (the structs live in an unnamed namespace).
#pragma once

#include <cstddef>
#include <cstring>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif
#if (defined(__x86_64__) || defined(__i386__)) && !defined(__EMSCRIPTEN__)
#include <emmintrin.h>
#endif

namespace nn {
namespace {

struct Scalar {
  using Vec = float;
  static constexpr size_t kLanes = 1;

  static Vec load(const float* p) { return *p; }
  static Vec load_splat(const float* p) { return *p; }
  static Vec load_partial(const float* p, size_t) { return *p; }
  static void store(float* p, Vec v) { *p = v; }
  static void store_partial(float* p, Vec v, size_t) { *p = v; }
  static Vec zero() { return 0.0f; }
  static Vec splat(float x) { return x; }
  static Vec add(Vec a, Vec b) { return a + b; }
  static Vec mul_add(Vec acc, Vec a, Vec b) { return acc + a * b; }
  static void keep_order(Vec&) {}
  static Vec clamp(Vec v, Vec lo, Vec hi) {
    v = v < lo ? lo : v;
    return hi < v ? hi : v;
  }
};

#if (defined(__x86_64__) || defined(__i386__)) && !defined(__EMSCRIPTEN__)
// SSE2 is the x86-64 baseline: no compiler flag or CPU check needed.
struct Sse2 {
  using Vec = __m128;
  static constexpr size_t kLanes = 4;

  static Vec load(const float* p) { return _mm_loadu_ps(p); }
  static Vec load_splat(const float* p) { return _mm_load1_ps(p); }
  // Two floats move as one double through memcpy (one movsd): _mm_load_sd/_mm_storel_pi on a
  // float pointer are misaligned double/__m64 accesses, undefined behaviour that UBSan reports.
  static Vec load_pair(const float* p) {
    double d;
    std::memcpy(&d, p, sizeof d);
    return _mm_castpd_ps(_mm_set_sd(d));
  }
  static void store_pair(float* p, Vec v) {
    const double d = _mm_cvtsd_f64(_mm_castps_pd(v));
    std::memcpy(p, &d, sizeof d);
  }
  static Vec load_partial(const float* p, size_t n) {
    switch (n) {
      case 1:
        return _mm_load_ss(p);
      case 2:
        return load_pair(p);
      case 3:
        return _mm_movelh_ps(load_pair(p), _mm_load_ss(p + 2));
      default:
        return _mm_loadu_ps(p);
    }
  }
  static void store(float* p, Vec v) { _mm_storeu_ps(p, v); }
  static void store_partial(float* p, Vec v, size_t n) {
    switch (n) {
      case 1:
        _mm_store_ss(p, v);
        break;
      case 2:
        store_pair(p, v);
        break;
      case 3:
        store_pair(p, v);
        _mm_store_ss(p + 2, _mm_movehl_ps(v, v));
        break;
      default:
        _mm_storeu_ps(p, v);
        break;
    }
  }
  static Vec zero() { return _mm_setzero_ps(); }
  static Vec splat(float x) { return _mm_set1_ps(x); }
  template <int L>
  static Vec splat_lane(Vec v) {
    return _mm_shuffle_ps(v, v, _MM_SHUFFLE(L, L, L, L));
  }
  static Vec add(Vec a, Vec b) { return _mm_add_ps(a, b); }
  static Vec mul_add(Vec acc, Vec a, Vec b) { return _mm_add_ps(acc, _mm_mul_ps(a, b)); }
  static void keep_order(Vec&) {}
  static Vec clamp(Vec v, Vec lo, Vec hi) { return _mm_min_ps(_mm_max_ps(v, lo), hi); }
};
#endif

#if defined(__wasm_simd128__)
struct WasmSimd {
  using Vec = v128_t;
  static constexpr size_t kLanes = 4;

  static Vec load(const float* p) { return wasm_v128_load(p); }
  static Vec load_splat(const float* p) { return wasm_v128_load32_splat(p); }
  static Vec load_partial(const float* p, size_t n) {
    switch (n) {
      case 1:
        return wasm_v128_load32_zero(p);
      case 2:
        return wasm_v128_load64_zero(p);
      case 3:
        return wasm_v128_load32_lane(p + 2, wasm_v128_load64_zero(p), 2);
      default:
        return wasm_v128_load(p);
    }
  }
  static void store(float* p, Vec v) { wasm_v128_store(p, v); }
  static void store_partial(float* p, Vec v, size_t n) {
    switch (n) {
      case 1:
        wasm_v128_store32_lane(p, v, 0);
        break;
      case 2:
        wasm_v128_store64_lane(p, v, 0);
        break;
      case 3:
        wasm_v128_store64_lane(p, v, 0);
        wasm_v128_store32_lane(p + 2, v, 2);
        break;
      default:
        wasm_v128_store(p, v);
        break;
    }
  }
  static Vec zero() { return wasm_f32x4_const_splat(0.0f); }
  static Vec splat(float x) { return wasm_f32x4_splat(x); }
  template <int L>
  static Vec splat_lane(Vec v) {
    return wasm_i32x4_shuffle(v, v, L, L, L, L);
  }
  static Vec add(Vec a, Vec b) { return wasm_f32x4_add(a, b); }
  static Vec mul_add(Vec acc, Vec a, Vec b) { return wasm_f32x4_add(acc, wasm_f32x4_mul(a, b)); }
  // Pins v at this point of the instruction stream (an empty asm: no wasm code). Called after
  // every k step, it keeps clang from interleaving the steps of an unrolled body, an order in
  // which V8 then keeps more loads live: in the 4x8 u2 loop, spill slots used 16 -> 2 (V8 11.3,
  // --print-wasm-code), and the seed-model GEMMs went from ~30 to ~50 GFLOP/s.
  static void keep_order(Vec& v) { __asm__ volatile("" : "+r"(v) : : "memory"); }
  // pmax(v, lo) = v < lo ? lo : v; pmin(v, hi) = hi < v ? hi : v (NaN passes through).
  static Vec clamp(Vec v, Vec lo, Vec hi) { return wasm_f32x4_pmin(wasm_f32x4_pmax(v, lo), hi); }
};
#endif

}  // namespace
}  // namespace nn
