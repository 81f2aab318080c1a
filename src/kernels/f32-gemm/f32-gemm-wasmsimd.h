// The wasm SIMD128 vector interface of f32-gemm-tile.h: plain -msimd128 (no relaxed SIMD, so
// no FMA: mul then add), pseudo-min/max for the clamp (one x86 instruction each in V8).
#pragma once

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

#include <cstddef>

namespace nn {
namespace {

struct WasmSimd {
  using Vec = v128_t;
  static constexpr size_t kLanes = 4;

  static Vec load(const float* p) { return wasm_v128_load(p); }
  static Vec load_splat(const float* p) { return wasm_v128_load32_splat(p); }
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
  static Vec splat(float x) { return wasm_f32x4_splat(x); }
  template <int L>
  static Vec splat_lane(Vec v) { return wasm_i32x4_shuffle(v, v, L, L, L, L); }
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

}  // namespace
}  // namespace nn

#endif  // __wasm_simd128__
