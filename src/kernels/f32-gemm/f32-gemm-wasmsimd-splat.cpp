// f32 GEMM microkernels for wasm SIMD128, "splat" strategy: per 4 k steps, one vector load of
// A per row, then each lane broadcast with a shuffle (i32x4.shuffle L,L,L,L) and multiplied
// against 4 rows of packed W; kc % 4 leftovers use load-splat. Loops: f32-gemm-tile.h.
// Test: nn_tests_st -tc='*gemm*'; bench: wasm-tests/bench/f32-gemm-bench.cpp.
#if defined(__wasm_simd128__)
#include "kernels/f32-gemm/f32-gemm-tile.h"
#include "kernels/f32-vec.h"

namespace nn {

NN_DEFINE_GEMM_UKERNEL(nn_f32_gemm_ukernel_1x8__wasmsimd_splat, WasmSimd, 1, 8, Strategy::kSplat, 1)
NN_DEFINE_GEMM_UKERNEL(nn_f32_gemm_ukernel_4x8__wasmsimd_splat, WasmSimd, 4, 8, Strategy::kSplat, 1)
NN_DEFINE_GEMM_UKERNEL(nn_f32_gemm_ukernel_5x8__wasmsimd_splat, WasmSimd, 5, 8, Strategy::kSplat, 1)

}  // namespace nn

#endif  // __wasm_simd128__
