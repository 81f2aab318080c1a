// Kernel selection in one place (XNNPACK gemm-config.c): the config is filled once, on first
// use, with the fastest kernels this build and CPU can run, so ops never #ifdef on an ISA.
//   const GemmConfig& g = gemm_config();
//   nn_f32_pack_gemm_w(k, n, g.nr, w, n, bias, packed);          // once per weight update
//   for (size_t m0 = 0; m0 < m; m0 += g.mr) {                     // per row tile of an op
//     const size_t mr = std::min(g.mr, m - m0);
//     g.gemm[mr - 1](mr, n, k, a + m0 * k, k, packed, c + m0 * n, n, &params);
//   }
// (nn_f32_gemm below is that loop.) Weights packed for one config's nr serve only that config.
#pragma once

#include <cstddef>
#include <vector>

#include "kernels/kernels.h"

namespace nn {

// Instruction sets the kernel lists name (f32-gemm.inc's first column).
enum class Isa { kScalar, kSse2, kFma3, kWasmSimd };

// True when this build contains kernels for `isa` and the CPU can run them.
bool isa_available(Isa isa);
const char* isa_name(Isa isa);

constexpr size_t kGemmMaxMR = 8;

struct GemmConfig {
  // gemm[r - 1] computes an r-row tile, 1 <= r <= mr (entries past mr are null): the smallest
  // kernel with at least r rows (a larger one aliases the missing rows). All share nr.
  GemmUkernelFn gemm[kGemmMaxMR];
  size_t mr;  // rows of the main tile
  size_t nr;  // panel width: pack the weights with this nr
  // C (+)= A^T B, B unpacked (weight gradients): same indexing by rows.
  GemmTnUkernelFn gemm_tn[kGemmMaxMR];
  size_t tn_mr;
  size_t tn_nr;  // the column step the tn kernel walks B in (no packing)
  // Weight packing for the gemm kernels (layout in kernels.h); pass nr.
  void (*pack)(size_t k, size_t n, size_t nr, const float* w, size_t w_stride, const float* bias, float* packed);
  void (*pack_transposed)(size_t kb, size_t kr, size_t n, size_t nr, const float* w, ptrdiff_t block_stride,
                          size_t w_stride, const float* bias, float* packed);
  Isa isa;
  const char* name;  // e.g. "4x8 wasmsimd loadsplat", for logs and benches
};

// The config for this build and CPU, filled on first call (thread-safe) and never changed.
const GemmConfig& gemm_config();

// Every config gemm_config() may pick from: the wasm build times these at first use and keeps
// the fastest main and tn tiles; other builds have one. For tests (they must agree bit for bit).
std::vector<GemmConfig> gemm_config_candidates();

// Serial loops over row tiles of the chosen kernels (what an op does per task):
//   C[m x n] (+)= A[m x k] * W (packed with g.nr and K == k), A/C row strides in elements.
void nn_f32_gemm(const GemmConfig& g, size_t m, size_t n, size_t k, const float* a, size_t a_stride,
                 const float* packed_w, float* c, size_t c_stride, const GemmParams& params);
//   C[m x n] (+)= A^T B, A stored (k x m) with row stride a_stride, B (k x n) with b_stride.
void nn_f32_gemm_tn(const GemmConfig& g, size_t m, size_t n, size_t k, const float* a, size_t a_stride, const float* b,
                    size_t b_stride, float* c, size_t c_stride, const GemmParams& params);

}  // namespace nn
