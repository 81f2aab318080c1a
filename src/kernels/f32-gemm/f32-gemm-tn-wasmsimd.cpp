// f32 GEMM-with-transposed-A microkernels for wasm SIMD128: C (+)= A^T * B with B unpacked
// (row stride b_stride), for the weight gradients (A = im2col tile or x, B = grad_out rows).
// Per k step: MR broadcast loads from one row of the stored A (constant offsets from one
// pointer when the tile is full), NR/4 vector loads of B; _u2: two k steps per loop body.
// Both operands are walked down their rows, so speed depends on the strides more than the
// packed kernels do: keep the depth (rows per call) small enough for its A and B rows to stay
// in L1/L2 (the bench's --tn-rows). Loops: f32-gemm-tile.h. Test: nn_tests_st -tc='*gemm*'.
#if defined(__wasm_simd128__)
#include "kernels/f32-gemm/f32-gemm-tile.h"
#include "kernels/f32-vec.h"

namespace nn {

NN_DEFINE_GEMM_TN_UKERNEL(nn_f32_gemm_tn_ukernel_1x8__wasmsimd, WasmSimd, 1, 8, 1)
NN_DEFINE_GEMM_TN_UKERNEL(nn_f32_gemm_tn_ukernel_4x8__wasmsimd, WasmSimd, 4, 8, 1)
NN_DEFINE_GEMM_TN_UKERNEL(nn_f32_gemm_tn_ukernel_5x8__wasmsimd, WasmSimd, 5, 8, 1)
NN_DEFINE_GEMM_TN_UKERNEL(nn_f32_gemm_tn_ukernel_2x16__wasmsimd, WasmSimd, 2, 16, 1)
NN_DEFINE_GEMM_TN_UKERNEL(nn_f32_gemm_tn_ukernel_4x8__wasmsimd_u2, WasmSimd, 4, 8, 2)
NN_DEFINE_GEMM_TN_UKERNEL(nn_f32_gemm_tn_ukernel_5x8__wasmsimd_u2, WasmSimd, 5, 8, 2)

}  // namespace nn

#endif  // __wasm_simd128__
