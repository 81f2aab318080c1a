// Portable GEMM loops in the order that lets the compiler vectorize the inner loop over n
// (nn_f32_gemm_ukernel__scalar, nn_f32_gemm_tn_ukernel__scalar), and the scalar register-tiled
// microkernels with the contract of kernels.h (one float per "vector"; loops in
// f32-gemm-tile.h): the portable fallback of the kernel config and the first kernels tested
// against the reference. Test: nn_tests_native -tc='*gemm*'.
#include "kernels/kernels.h"

#include <cstring>

#include "kernels/f32-gemm/f32-gemm-tile.h"
#include "kernels/f32-vec.h"

namespace nn {

void nn_f32_gemm_ukernel__scalar(size_t m, size_t n, size_t k, const float* a, size_t a_stride, const float* b,
                                 size_t b_stride, float* c, size_t c_stride, bool accumulate) {
  for (size_t i = 0; i < m; ++i) {
    float* c_row = c + i * c_stride;
    if (!accumulate) std::memset(c_row, 0, n * sizeof(float));
    const float* a_row = a + i * a_stride;
    for (size_t p = 0; p < k; ++p) {
      const float av = a_row[p];
      if (av == 0.0f) continue;  // im2col edges and ReLU'd gradients are often zero
      const float* b_row = b + p * b_stride;
      for (size_t j = 0; j < n; ++j) c_row[j] += av * b_row[j];
    }
  }
}

void nn_f32_gemm_tn_ukernel__scalar(size_t m, size_t k, size_t n, const float* a, size_t a_stride, const float* b,
                                    size_t b_stride, float* c, size_t c_stride) {
  for (size_t i = 0; i < m; ++i) {
    const float* a_row = a + i * a_stride;
    const float* b_row = b + i * b_stride;
    for (size_t p = 0; p < k; ++p) {
      const float av = a_row[p];
      if (av == 0.0f) continue;
      float* c_row = c + p * c_stride;
      for (size_t j = 0; j < n; ++j) c_row[j] += av * b_row[j];
    }
  }
}

NN_DEFINE_GEMM_UKERNEL(nn_f32_gemm_ukernel_1x4__scalar, Scalar, 1, 4, Strategy::kLoadSplat, 1)
NN_DEFINE_GEMM_UKERNEL(nn_f32_gemm_ukernel_4x4__scalar, Scalar, 4, 4, Strategy::kLoadSplat, 1)
NN_DEFINE_GEMM_TN_UKERNEL(nn_f32_gemm_tn_ukernel_1x4__scalar, Scalar, 1, 4, 1)
NN_DEFINE_GEMM_TN_UKERNEL(nn_f32_gemm_tn_ukernel_4x4__scalar, Scalar, 4, 4, 1)

}  // namespace nn
