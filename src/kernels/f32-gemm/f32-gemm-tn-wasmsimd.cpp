// f32 GEMM-with-transposed-A microkernels for wasm SIMD128: C (+)= A^T * B with B unpacked
// (row stride b_stride), for the weight gradients (A = im2col tile or x, B = grad_out rows).
// Per k step: MR broadcast loads from one row of the stored A, NR/4 vector loads of B.
// Loops: f32-gemm-tile.h. Test: nn_tests_st -tc='*gemm*'.
#include "kernels/f32-gemm/f32-gemm-wasmsimd.h"

#if defined(__wasm_simd128__)
#include "kernels/f32-gemm/f32-gemm-tile.h"

namespace nn {

NN_DEFINE_GEMM_TN_UKERNEL(nn_f32_gemm_tn_ukernel_1x8__wasmsimd, WasmSimd, 1, 8)
NN_DEFINE_GEMM_TN_UKERNEL(nn_f32_gemm_tn_ukernel_4x8__wasmsimd, WasmSimd, 4, 8)
NN_DEFINE_GEMM_TN_UKERNEL(nn_f32_gemm_tn_ukernel_5x8__wasmsimd, WasmSimd, 5, 8)
NN_DEFINE_GEMM_TN_UKERNEL(nn_f32_gemm_tn_ukernel_2x16__wasmsimd, WasmSimd, 2, 16)

}  // namespace nn

#endif  // __wasm_simd128__
