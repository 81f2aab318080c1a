// Fills the GemmConfig once with the fastest kernels of this build (see kernel-config.h). The
// choice comes from wasm-tests/bench/f32-gemm-bench.cpp on the seed models' conv shapes.
#include "kernels/kernel-config.h"

#include <initializer_list>
#include <utility>

namespace nn {

bool isa_available(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return true;
#if defined(__wasm_simd128__)
    case Isa::kWasmSimd: return true;
#endif
#if (defined(__x86_64__) || defined(__i386__)) && !defined(__EMSCRIPTEN__)
    case Isa::kSse2: return true;
#if defined(__GNUC__)
    case Isa::kFma3: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
#endif
    default: return false;
  }
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar:   return "scalar";
    case Isa::kSse2:     return "sse2";
    case Isa::kFma3:     return "fma3";
    case Isa::kWasmSimd: return "wasmsimd";
  }
  return "?";
}

namespace {

// table[i] computes i + 1 rows: the kernel of the smallest tile in `kernels` with at least
// i + 1 rows (kernels listed by increasing MR; the last one sets mr). Rows past mr: null.
template <class Fn>
size_t fill_rows(Fn* table, std::initializer_list<std::pair<size_t, Fn>> kernels) {
  size_t mr = 0;
  for (size_t i = 0; i < kGemmMaxMR; ++i) table[i] = nullptr;
  for (const auto& [tile_mr, fn] : kernels) {
    for (size_t i = mr; i < tile_mr; ++i) table[i] = fn;
    mr = tile_mr;
  }
  return mr;
}

GemmConfig make_gemm_config() {
  GemmConfig g{};
  g.pack            = nn_f32_pack_gemm_w;
  g.pack_transposed = nn_f32_pack_gemm_w_transposed;
#if defined(__wasm_simd128__)
  // 4x8 with the k loop unrolled twice: ~50 GFLOP/s in Node 20 on the seed-model shapes, about
  // the mul + add peak of 2 FMUL + 2 FADD pipes; 4x8 rather than 3x8 (as fast) for less weight
  // traffic per flop. Remainder rows get exact-size tiles of the same NR (same packing).
  g.isa  = Isa::kWasmSimd;
  g.name = "4x8 wasmsimd loadsplat_u2, tn 4x8 u2";
  g.nr   = 8;
  g.mr   = fill_rows<GemmUkernelFn>(g.gemm, {{1, nn_f32_gemm_ukernel_1x8__wasmsimd_loadsplat},
                                            {2, nn_f32_gemm_ukernel_2x8__wasmsimd_loadsplat_u2},
                                            {3, nn_f32_gemm_ukernel_3x8__wasmsimd_loadsplat_u2},
                                            {4, nn_f32_gemm_ukernel_4x8__wasmsimd_loadsplat_u2}});
  // Weight gradients: 4x8 with two k steps per loop (u2) sums model A's filter gradients ~5%
  // faster than one step (op-level CPU time, Node 20); 5x8 u2 is slower (spills).
  g.tn_nr = 8;
  g.tn_mr = fill_rows<GemmTnUkernelFn>(g.gemm_tn, {{1, nn_f32_gemm_tn_ukernel_1x8__wasmsimd},
                                                  {4, nn_f32_gemm_tn_ukernel_4x8__wasmsimd_u2}});
  return g;
#else
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
  if (isa_available(Isa::kFma3)) {
    g.isa  = Isa::kFma3;
    g.name = "6x16 fma3";
    g.nr   = 16;
    g.mr   = fill_rows<GemmUkernelFn>(g.gemm, {{1, nn_f32_gemm_ukernel_1x16__fma3},
                                              {4, nn_f32_gemm_ukernel_4x16__fma3},
                                              {6, nn_f32_gemm_ukernel_6x16__fma3}});
    g.tn_nr = 16;
    g.tn_mr = fill_rows<GemmTnUkernelFn>(g.gemm_tn, {{1, nn_f32_gemm_tn_ukernel_1x16__fma3},
                                                    {4, nn_f32_gemm_tn_ukernel_4x16__fma3}});
    return g;
  }
#endif
#if defined(__x86_64__) || defined(__i386__)
  g.isa   = Isa::kSse2;
  g.name  = "4x8 sse2";
  g.nr    = 8;
  g.mr    = fill_rows<GemmUkernelFn>(g.gemm, {{1, nn_f32_gemm_ukernel_1x8__sse2}, {4, nn_f32_gemm_ukernel_4x8__sse2}});
  g.tn_nr = 8;
  g.tn_mr = fill_rows<GemmTnUkernelFn>(g.gemm_tn, {{4, nn_f32_gemm_tn_ukernel_4x8__sse2}});
  return g;
#else
  g.isa   = Isa::kScalar;
  g.name  = "4x4 scalar";
  g.nr    = 4;
  g.mr    = fill_rows<GemmUkernelFn>(g.gemm, {{1, nn_f32_gemm_ukernel_1x4__scalar}, {4, nn_f32_gemm_ukernel_4x4__scalar}});
  g.tn_nr = 4;
  g.tn_mr = fill_rows<GemmTnUkernelFn>(g.gemm_tn, {{1, nn_f32_gemm_tn_ukernel_1x4__scalar},
                                                  {4, nn_f32_gemm_tn_ukernel_4x4__scalar}});
  return g;
#endif
#endif
}

}  // namespace

const GemmConfig& gemm_config() {
  static const GemmConfig config = make_gemm_config();
  return config;
}

void nn_f32_gemm(const GemmConfig& g, size_t m, size_t n, size_t k, const float* a, size_t a_stride,
                 const float* packed_w, float* c, size_t c_stride, const GemmParams& params) {
  for (size_t m0 = 0; m0 < m; m0 += g.mr) {
    const size_t mr = m - m0 < g.mr ? m - m0 : g.mr;
    g.gemm[mr - 1](mr, n, k, a + m0 * a_stride, a_stride, packed_w, c + m0 * c_stride, c_stride, &params);
  }
}

void nn_f32_gemm_tn(const GemmConfig& g, size_t m, size_t n, size_t k, const float* a, size_t a_stride,
                    const float* b, size_t b_stride, float* c, size_t c_stride, const GemmParams& params) {
  for (size_t m0 = 0; m0 < m; m0 += g.tn_mr) {
    const size_t mr = m - m0 < g.tn_mr ? m - m0 : g.tn_mr;
    g.gemm_tn[mr - 1](mr, n, k, a + m0, a_stride, b, b_stride, c + m0 * c_stride, c_stride, &params);
  }
}

}  // namespace nn
