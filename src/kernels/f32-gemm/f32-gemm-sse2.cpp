// f32 GEMM microkernels for x86 SSE2 (the x86-64 baseline, so no compiler flag or CPU check is
// needed): the native counterpart of the wasm SIMD128 kernels, same 4-float vectors, mul + add,
// load-splat strategy. Loops: f32-gemm-tile.h. Test: nn_tests_native -tc='*gemm*'.
#if (defined(__x86_64__) || defined(__i386__)) && !defined(__EMSCRIPTEN__)
#include "kernels/f32-gemm/f32-gemm-tile.h"
#include "kernels/f32-vec.h"

namespace nn {

NN_DEFINE_GEMM_UKERNEL(nn_f32_gemm_ukernel_1x8__sse2, Sse2, 1, 8, Strategy::kLoadSplat, 1)
NN_DEFINE_GEMM_UKERNEL(nn_f32_gemm_ukernel_4x8__sse2, Sse2, 4, 8, Strategy::kLoadSplat, 1)
NN_DEFINE_GEMM_UKERNEL(nn_f32_gemm_ukernel_6x8__sse2, Sse2, 6, 8, Strategy::kLoadSplat, 1)
NN_DEFINE_GEMM_TN_UKERNEL(nn_f32_gemm_tn_ukernel_4x8__sse2, Sse2, 4, 8, 1)

}  // namespace nn

#endif  // x86
