// f32 GEMM microkernels for wasm SIMD128, "loadsplat" strategy: per k step, one broadcast
// load (v128.load32_splat) per row of A and NR/4 vector loads of packed W, then mul + add
// into MR x NR/4 accumulators. _u2/_u4: the k loop unrolled 2/4 times with constant load
// offsets (one pointer update per row per 2/4 steps). Without the suffix, V8 unrolls the loop
// 2x itself but keeps every pointer update; with u4, V8 hoists all loads of the body ahead of
// the arithmetic and spills. Loops: f32-gemm-tile.h. Test: nn_tests_st -tc='*gemm*';
// bench: wasm-tests/bench/f32-gemm-bench.cpp.
#if defined(__wasm_simd128__)
#include "kernels/f32-gemm/f32-gemm-tile.h"
#include "kernels/f32-vec.h"

namespace nn {

NN_DEFINE_GEMM_UKERNEL(nn_f32_gemm_ukernel_1x8__wasmsimd_loadsplat, WasmSimd, 1, 8, Strategy::kLoadSplat, 1)
NN_DEFINE_GEMM_UKERNEL(nn_f32_gemm_ukernel_4x8__wasmsimd_loadsplat, WasmSimd, 4, 8, Strategy::kLoadSplat, 1)
NN_DEFINE_GEMM_UKERNEL(nn_f32_gemm_ukernel_2x16__wasmsimd_loadsplat, WasmSimd, 2, 16, Strategy::kLoadSplat, 1)
NN_DEFINE_GEMM_UKERNEL(nn_f32_gemm_ukernel_2x8__wasmsimd_loadsplat_u2, WasmSimd, 2, 8, Strategy::kLoadSplat, 2)
NN_DEFINE_GEMM_UKERNEL(nn_f32_gemm_ukernel_3x8__wasmsimd_loadsplat_u2, WasmSimd, 3, 8, Strategy::kLoadSplat, 2)
NN_DEFINE_GEMM_UKERNEL(nn_f32_gemm_ukernel_4x8__wasmsimd_loadsplat_u2, WasmSimd, 4, 8, Strategy::kLoadSplat, 2)
NN_DEFINE_GEMM_UKERNEL(nn_f32_gemm_ukernel_5x8__wasmsimd_loadsplat_u2, WasmSimd, 5, 8, Strategy::kLoadSplat, 2)
NN_DEFINE_GEMM_UKERNEL(nn_f32_gemm_ukernel_6x8__wasmsimd_loadsplat_u2, WasmSimd, 6, 8, Strategy::kLoadSplat, 2)
NN_DEFINE_GEMM_UKERNEL(nn_f32_gemm_ukernel_3x12__wasmsimd_loadsplat_u2, WasmSimd, 3, 12, Strategy::kLoadSplat, 2)
NN_DEFINE_GEMM_UKERNEL(nn_f32_gemm_ukernel_1x16__wasmsimd_loadsplat_u2, WasmSimd, 1, 16, Strategy::kLoadSplat, 2)
NN_DEFINE_GEMM_UKERNEL(nn_f32_gemm_ukernel_3x16__wasmsimd_loadsplat_u2, WasmSimd, 3, 16, Strategy::kLoadSplat, 2)
NN_DEFINE_GEMM_UKERNEL(nn_f32_gemm_ukernel_4x8__wasmsimd_loadsplat_u4, WasmSimd, 4, 8, Strategy::kLoadSplat, 4)

}  // namespace nn

#endif  // __wasm_simd128__
