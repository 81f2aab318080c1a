// The scalar register-tiled GEMM microkernels with the contract of kernels.h (one float per
// "vector"; loops in f32-gemm-tile.h): the portable fallback of the kernel config.
// Test: nn_tests_native -tc='*gemm*'.
#include "kernels/kernels.h"

#include "kernels/f32-gemm/f32-gemm-tile.h"
#include "kernels/f32-vec.h"

namespace nn {

NN_DEFINE_GEMM_UKERNEL(nn_f32_gemm_ukernel_1x4__scalar, Scalar, 1, 4, Strategy::kLoadSplat, 1)
NN_DEFINE_GEMM_UKERNEL(nn_f32_gemm_ukernel_4x4__scalar, Scalar, 4, 4, Strategy::kLoadSplat, 1)
NN_DEFINE_GEMM_TN_UKERNEL(nn_f32_gemm_tn_ukernel_1x4__scalar, Scalar, 1, 4, 1)
NN_DEFINE_GEMM_TN_UKERNEL(nn_f32_gemm_tn_ukernel_4x4__scalar, Scalar, 4, 4, 1)

}  // namespace nn
