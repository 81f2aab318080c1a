// Portable GEMM loops in the order that lets the compiler vectorize the inner loop over n.
// The register-tiled SIMD128 microkernels of issue #4 replace these on the hot path;
// these stay as the fallback and as a second reference.
#include "kernels/kernels.h"

#include <cstring>

namespace nn {

void nn_f32_gemm_ukernel__scalar(size_t m, size_t n, size_t k,
                                 const float* a, size_t a_stride,
                                 const float* b, size_t b_stride,
                                 float* c, size_t c_stride, bool accumulate) {
  for (size_t i = 0; i < m; ++i) {
    float* c_row = c + i * c_stride;
    if (!accumulate) std::memset(c_row, 0, n * sizeof(float));
    const float* a_row = a + i * a_stride;
    for (size_t p = 0; p < k; ++p) {
      const float av = a_row[p];
      if (av == 0.0f) continue;   // im2col edges and ReLU'd gradients are often zero
      const float* b_row = b + p * b_stride;
      for (size_t j = 0; j < n; ++j) c_row[j] += av * b_row[j];
    }
  }
}

void nn_f32_gemm_tn_ukernel__scalar(size_t m, size_t k, size_t n,
                                    const float* a, size_t a_stride,
                                    const float* b, size_t b_stride,
                                    float* c, size_t c_stride) {
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

}  // namespace nn
