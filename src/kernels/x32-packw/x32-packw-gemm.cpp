// Packs GEMM weights into the NR-column panels the tiled f32 GEMM kernels read (layout in
// kernels/kernels.h): per panel, NR bias values, then K rows of NR weights, zero-padded past
// N. Like XNNPACK's xnn_pack_f32_gemm_goi_w (kr = sr = 1), plus a transposed-source form for
// the backward-input filter. Run once per weight update. Test: nn_tests_native -tc='*pack*'.
#include <cassert>
#include <cstring>

#include "kernels/kernels.h"

namespace nn {

void nn_f32_pack_gemm_w(size_t k, size_t n, size_t nr, const float* w, size_t w_stride, const float* bias,
                        float* packed) {
  assert(nr != 0);
  assert(w_stride >= n || k <= 1);
  for (size_t j0 = 0; j0 < n; j0 += nr) {
    const size_t cols = n - j0 < nr ? n - j0 : nr;
    if (bias)
      std::memcpy(packed, bias + j0, cols * sizeof(float));
    else
      std::memset(packed, 0, cols * sizeof(float));
    std::memset(packed + cols, 0, (nr - cols) * sizeof(float));
    packed += nr;
    for (size_t p = 0; p < k; ++p) {
      std::memcpy(packed, w + p * w_stride + j0, cols * sizeof(float));
      std::memset(packed + cols, 0, (nr - cols) * sizeof(float));
      packed += nr;
    }
  }
}

void nn_f32_pack_gemm_w_transposed(size_t kb, size_t kr, size_t n, size_t nr, const float* w, ptrdiff_t block_stride,
                                   size_t w_stride, const float* bias, float* packed) {
  assert(nr != 0);
  assert(w_stride >= kr || n <= 1);
  for (size_t j0 = 0; j0 < n; j0 += nr) {
    const size_t cols = n - j0 < nr ? n - j0 : nr;
    if (bias)
      std::memcpy(packed, bias + j0, cols * sizeof(float));
    else
      std::memset(packed, 0, cols * sizeof(float));
    std::memset(packed + cols, 0, (nr - cols) * sizeof(float));
    packed += nr;
    for (size_t blk = 0; blk < kb; ++blk) {
      const float* src = w + static_cast<ptrdiff_t>(blk) * block_stride + j0 * w_stride;
      // Panel rows q of this block: column j of the panel is source row j0 + j, element q.
      for (size_t q = 0; q < kr; ++q) {
        for (size_t j = 0; j < cols; ++j) packed[j] = src[j * w_stride + q];
        for (size_t j = cols; j < nr; ++j) packed[j] = 0.0f;
        packed += nr;
      }
    }
  }
}

}  // namespace nn
