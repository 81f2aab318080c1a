// Fills the GemmConfig once with the fastest kernels of this build (see kernel-config.h):
// natively by the CPU's ISA; in wasm by timing the candidates at first use, since the best tile
// depends on the browser engine's code generator (wasm-tests/bench/f32-gemm-bench.cpp measures
// every kernel on the seed models' conv shapes).
#include "kernels/kernel-config.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <initializer_list>
#include <utility>
#include <vector>

namespace nn {

bool isa_available(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return true;
#if defined(__wasm_simd128__)
    case Isa::kWasmSimd:
      return true;
#endif
#if (defined(__x86_64__) || defined(__i386__)) && !defined(__EMSCRIPTEN__)
    case Isa::kSse2:
      return true;
#if defined(__GNUC__)
    case Isa::kFma3:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
#endif
    default:
      return false;
  }
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return "scalar";
    case Isa::kSse2:
      return "sse2";
    case Isa::kFma3:
      return "fma3";
    case Isa::kWasmSimd:
      return "wasmsimd";
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

#if defined(__wasm_simd128__)
// The wasm build's candidates: config i has main tile kGemmNames[i] and tn tile kTnNames[i]
// (three of each, so each appears once). All have nr = 8 (one packing) and sum k in order.
constexpr const char* kGemmNames[] = {"4x8 loadsplat_u2", "4x8 loadsplat", "3x8 loadsplat_u2"};
constexpr const char* kTnNames[] = {"tn 4x8 u2", "tn 4x8", "tn 5x8"};
constexpr size_t kWasmCandidates = 3;

std::vector<GemmConfig> wasm_candidates(const GemmConfig& base) {
  using G = GemmUkernelFn;
  using T = GemmTnUkernelFn;
  std::vector<GemmConfig> c(kWasmCandidates, base);
  c[0].mr = fill_rows<G>(c[0].gemm, {{1, nn_f32_gemm_ukernel_1x8__wasmsimd_loadsplat},
                                     {2, nn_f32_gemm_ukernel_2x8__wasmsimd_loadsplat_u2},
                                     {3, nn_f32_gemm_ukernel_3x8__wasmsimd_loadsplat_u2},
                                     {4, nn_f32_gemm_ukernel_4x8__wasmsimd_loadsplat_u2}});
  c[1].mr = fill_rows<G>(c[1].gemm, {{1, nn_f32_gemm_ukernel_1x8__wasmsimd_loadsplat},
                                     {2, nn_f32_gemm_ukernel_2x8__wasmsimd_loadsplat_u2},
                                     {3, nn_f32_gemm_ukernel_3x8__wasmsimd_loadsplat_u2},
                                     {4, nn_f32_gemm_ukernel_4x8__wasmsimd_loadsplat}});
  c[2].mr = fill_rows<G>(c[2].gemm, {{1, nn_f32_gemm_ukernel_1x8__wasmsimd_loadsplat},
                                     {2, nn_f32_gemm_ukernel_2x8__wasmsimd_loadsplat_u2},
                                     {3, nn_f32_gemm_ukernel_3x8__wasmsimd_loadsplat_u2}});
  c[0].tn_mr = fill_rows<T>(c[0].gemm_tn,
                            {{1, nn_f32_gemm_tn_ukernel_1x8__wasmsimd}, {4, nn_f32_gemm_tn_ukernel_4x8__wasmsimd_u2}});
  c[1].tn_mr = fill_rows<T>(c[1].gemm_tn,
                            {{1, nn_f32_gemm_tn_ukernel_1x8__wasmsimd}, {4, nn_f32_gemm_tn_ukernel_4x8__wasmsimd}});
  c[2].tn_mr = fill_rows<T>(c[2].gemm_tn,
                            {{1, nn_f32_gemm_tn_ukernel_1x8__wasmsimd}, {5, nn_f32_gemm_tn_ukernel_5x8__wasmsimd}});
  static char names[kWasmCandidates][96];
  for (size_t i = 0; i < kWasmCandidates; ++i) {
    std::snprintf(names[i], sizeof(names[i]), "wasmsimd %s, %s", kGemmNames[i], kTnNames[i]);
    c[i].name = names[i];
  }
  return c;
}

GemmConfig wasm_base() {
  GemmConfig g{};
  g.pack = nn_f32_pack_gemm_w;
  g.pack_transposed = nn_f32_pack_gemm_w_transposed;
  g.isa = Isa::kWasmSimd;
  g.nr = 8;
  g.tn_nr = 8;
  return g;
}

// One timing of fn; the caller keeps the best of several rounds, taken round-robin over the
// candidates so a burst of load hits them all alike.
template <class Fn>
double seconds_of(Fn&& fn) {
  const auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Times each candidate on a seed-model-like shape (3x3 conv over 32 channels: K = 288, N = 64;
// 120 rows, a multiple of 3 and 4) and returns a config of the fastest main and tn tiles.
// About 60 ms, once.
GemmConfig choose_wasm_kernels() {
  const std::vector<GemmConfig> cand = wasm_candidates(wasm_base());
  const size_t n = cand.size();
  // 16 calls (~1.5 ms) per sample: browsers round performance.now() to 0.1 ms without
  // cross-origin isolation.
  constexpr size_t kM = 120, kK = 288, kN = 64, kRounds = 6, kCalls = 16;
  std::vector<float> a(kM * kK), w(kK * kN), packed(kK * kN + kN), c(kM * kN), b(kK * kN);
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(i % 13) * 0.01f;
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(i % 7) * 0.02f - 0.05f;
  std::copy(w.begin(), w.end(), b.begin());
  nn_f32_pack_gemm_w(kK, kN, 8, w.data(), kN, nullptr, packed.data());
  GemmParams params;
  std::vector<double> best_g(n, 1e30), best_t(n, 1e30);
  // Round 0 is a warm-up: the engine may still run baseline (Liftoff) code for the kernels.
  for (size_t r = 0; r <= kRounds; ++r) {
    for (size_t i = 0; i < n; ++i) {
      const double t = seconds_of([&] {
        for (size_t q = 0; q < kCalls; ++q)
          nn_f32_gemm(cand[i], kM, kN, kK, a.data(), kK, packed.data(), c.data(), kN, params);
      });
      if (r > 0) best_g[i] = std::min(best_g[i], t);
    }
    // Weight gradient shape: C (K x N) = A^T B over kM rows of A (kM x K) and B (kM x N).
    for (size_t i = 0; i < n; ++i) {
      const double t = seconds_of([&] {
        for (size_t q = 0; q < kCalls; ++q)
          nn_f32_gemm_tn(cand[i], kK, kN, kM, a.data(), kK, b.data(), kN, w.data(), kN, params);
      });
      if (r > 0) best_t[i] = std::min(best_t[i], t);
    }
  }
  const size_t ig = std::min_element(best_g.begin(), best_g.end()) - best_g.begin();
  const size_t it = std::min_element(best_t.begin(), best_t.end()) - best_t.begin();
  GemmConfig g = cand[ig];
  std::copy(cand[it].gemm_tn, cand[it].gemm_tn + kGemmMaxMR, g.gemm_tn);
  g.tn_mr = cand[it].tn_mr;
  static char name[96];
  std::snprintf(name, sizeof(name), "wasmsimd %s, %s (timed at startup)", kGemmNames[ig], kTnNames[it]);
  g.name = name;
  return g;
}
#endif

GemmConfig make_gemm_config() {
  GemmConfig g{};
  g.pack = nn_f32_pack_gemm_w;
  g.pack_transposed = nn_f32_pack_gemm_w_transposed;
#if defined(__wasm_simd128__)
  // Which tile is fastest depends on the JS engine's register allocator, not only on the CPU
  // (one V8 version prefers the unrolled 4x8 tile, another the plain one; the GEMM bench's
  // records show it per runtime). So the wasm build times its candidates once, at first use, and
  // keeps the fastest. The choice never changes a result, only the speed (f32-gemm-test checks it).
  g = choose_wasm_kernels();
  return g;
#else
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
  if (isa_available(Isa::kFma3)) {
    g.isa = Isa::kFma3;
    g.name = "6x16 fma3";
    g.nr = 16;
    g.mr = fill_rows<GemmUkernelFn>(g.gemm, {{1, nn_f32_gemm_ukernel_1x16__fma3},
                                             {4, nn_f32_gemm_ukernel_4x16__fma3},
                                             {6, nn_f32_gemm_ukernel_6x16__fma3}});
    g.tn_nr = 16;
    g.tn_mr = fill_rows<GemmTnUkernelFn>(
        g.gemm_tn, {{1, nn_f32_gemm_tn_ukernel_1x16__fma3}, {4, nn_f32_gemm_tn_ukernel_4x16__fma3}});
    return g;
  }
#endif
#if defined(__x86_64__) || defined(__i386__)
  g.isa = Isa::kSse2;
  g.name = "4x8 sse2";
  g.nr = 8;
  g.mr = fill_rows<GemmUkernelFn>(g.gemm, {{1, nn_f32_gemm_ukernel_1x8__sse2}, {4, nn_f32_gemm_ukernel_4x8__sse2}});
  g.tn_nr = 8;
  g.tn_mr = fill_rows<GemmTnUkernelFn>(g.gemm_tn, {{4, nn_f32_gemm_tn_ukernel_4x8__sse2}});
  return g;
#else
  g.isa = Isa::kScalar;
  g.name = "4x4 scalar";
  g.nr = 4;
  g.mr = fill_rows<GemmUkernelFn>(g.gemm, {{1, nn_f32_gemm_ukernel_1x4__scalar}, {4, nn_f32_gemm_ukernel_4x4__scalar}});
  g.tn_nr = 4;
  g.tn_mr = fill_rows<GemmTnUkernelFn>(
      g.gemm_tn, {{1, nn_f32_gemm_tn_ukernel_1x4__scalar}, {4, nn_f32_gemm_tn_ukernel_4x4__scalar}});
  return g;
#endif
#endif
}

}  // namespace

std::vector<GemmConfig> gemm_config_candidates() {
#if defined(__wasm_simd128__)
  return wasm_candidates(wasm_base());
#else
  return {gemm_config()};
#endif
}

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

void nn_f32_gemm_tn(const GemmConfig& g, size_t m, size_t n, size_t k, const float* a, size_t a_stride, const float* b,
                    size_t b_stride, float* c, size_t c_stride, const GemmParams& params) {
  for (size_t m0 = 0; m0 < m; m0 += g.tn_mr) {
    const size_t mr = m - m0 < g.tn_mr ? m - m0 : g.tn_mr;
    g.gemm_tn[mr - 1](mr, n, k, a + m0, a_stride, b, b_stride, c + m0 * c_stride, c_stride, &params);
  }
}

}  // namespace nn
