// Microkernel declarations. Kernels see raw pointers and element strides only (no Tensor,
// no allocation, no threads), as in XNNPACK; ops in src/ops tile the work and call them.
// Layout conventions: activations NHWC; conv filters (KH, KW, CI, CO) as Keras stores them,
// which is already the (K = KH*KW*CI) x CO matrix a GEMM wants.
#pragma once

#include <cstddef>
#include <limits>

#include "core/conv-dims.h"

namespace nn {

// Gathers im2col rows for output positions [row_begin, row_end) of the whole batch
// (row = (n*out_h + oy)*out_w + ox), columns k in [k_begin, k_end) of (KH, KW, CI).
// Out-of-image taps read as zero. col has k_end-k_begin floats per row.
void nn_f32_im2col(const ConvDims& d, const float* in, size_t row_begin, size_t row_end, size_t k_begin, size_t k_end,
                   float* col);

// The input-gradient gather: for input positions [row_begin, row_end) of the whole batch,
// row = (n*in_h + y)*in_w + x, columns (KH, KW, CO) hold grad_out at the output position that
// tap (ky, kx) maps to, or zero when no output position does (edges, stride gaps).
void nn_f32_col_gather_grad(const ConvDims& d, const float* grad_out, size_t row_begin, size_t row_end, float* col);

// Reference kernels: plain loops, the ground truth that tests compare optimized ops against.
void nn_f32_gemm__reference(size_t m, size_t n, size_t k, const float* a, const float* b, float* c);
void nn_f32_conv2d_forward__reference(const ConvDims& d, const float* in, const float* filter, const float* bias,
                                      float* out);
void nn_f32_conv2d_backward_input__reference(const ConvDims& d, const float* grad_out, const float* filter,
                                             float* grad_in);
void nn_f32_conv2d_backward_filter__reference(const ConvDims& d, const float* in, const float* grad_out,
                                              float* grad_filter, float* grad_bias);
// Depthwise (out_c = in_c * depth multiplier; filter (KH, KW, CI, M)). The backward ones add
// into their outputs, as the ops do.
void nn_f32_dwconv_forward__reference(const ConvDims& d, const float* in, const float* filter, const float* bias,
                                      float* out);
void nn_f32_dwconv_backward_input__reference(const ConvDims& d, const float* grad_out, const float* filter,
                                             float* grad_in);
void nn_f32_dwconv_backward_filter__reference(const ConvDims& d, const float* in, const float* grad_out,
                                              float* grad_filter, float* grad_bias);

// ---- Register-tiled f32 GEMM microkernels (issue #4) -------------------------------------
// The list of kernels is kernels/f32-gemm/f32-gemm.inc; kernels/kernel-config.h picks the
// best ones for the machine once, so ops never name an ISA.
//
// Packed weights (nn_f32_pack_gemm_w): W (K x N) is cut into ceil(N / NR) panels of NR
// columns. Each panel holds NR bias values (zero without a bias) and then W's K rows, NR
// floats each (k-major), with the columns past N zero-filled:
//   panel q = packed + q * NR * (K + 1):  [bias j0..j0+NR-1] [W(0, j0..)] ... [W(K-1, j0..)]
// The panels of columns [j0, N), j0 % NR == 0, start at packed + (j0 / NR) * NR * (K + 1).

// Epilogue options, the same for every tiled GEMM kernel:
//   C = clamp((accumulate ? C : 0) + bias + A * W, min, max)
// The defaults give a plain C = A * W (+ bias). {0, +inf} is a fused ReLU.
struct GemmParams {
  float min = -std::numeric_limits<float>::infinity();  // clamp below (0: ReLU)
  float max = std::numeric_limits<float>::infinity();   // clamp above
  bool accumulate = false;                              // add into C (backward passes)
};

// nn_f32_gemm_ukernel_<MR>x<NR>__<isa>[_<variant>]: C (+)= A * W with W packed for this NR.
//   mr:        rows, 1 <= mr <= MR. A(i, p) = a[i * a_stride + p], i < mr, p < kc.
//   nc:        columns, any nc >= 1. The kernel walks all ceil(nc / NR) panels of packed_w
//              itself (packed_w = the panel of the first column, packed with K == kc).
//   kc:        the reduction depth, kc >= 1; a_stride >= kc.
//   c:         C(i, j) = c[i * c_stride + j], j < nc. Nothing outside mr x nc is written;
//              C is read only when params->accumulate. Strides are in elements.
// Reads: exactly A's mr x kc values, the packed panels, and C's mr x nc values when
// accumulating. Rows mr..MR-1 of the tile alias row mr-1 inside the kernel (XNNPACK style),
// so one kernel serves every mr <= MR.
using GemmUkernelFn = void (*)(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride, const float* packed_w,
                               float* c, size_t c_stride, const GemmParams* params);

// nn_f32_gemm_tn_ukernel_<MR>x<NR>__<isa>: C (+)= A^T * B with A stored transposed and B
// unpacked, for operands that change every call (the filter gradient: A = an im2col tile,
// B = grad_out rows; the dense weight gradient: A = x, B = grad_y). No bias.
//   A(i, p) = a[p * a_stride + i] for i < mr, p < kc (a_stride >= mr),
//   B(p, j) = b[p * b_stride + j] for j < nc (b_stride >= nc), C as above.
// Reads: when nc is not a multiple of the vector width, the last vector of each B row reads
// past column nc - 1 (up to 3 floats with 4-float vectors, 7 with fma3's 8), never writes
// there; at the end of a buffer that is core/alloc's tail padding. A's reads are exact.
using GemmTnUkernelFn = void (*)(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride, const float* b,
                                 size_t b_stride, float* c, size_t c_stride, const GemmParams* params);

// Floats that nn_f32_pack_gemm_w writes for a K x N matrix and panel width nr.
inline size_t nn_f32_packed_gemm_w_floats(size_t k, size_t n, size_t nr) { return (n + nr - 1) / nr * nr * (k + 1); }

// Packs W (K x N), W(p, j) = w[p * w_stride + j], and bias (N values, or nullptr for zeros)
// into nr-column panels (layout above). Called once per weight update, not per GEMM call.
void nn_f32_pack_gemm_w(size_t k, size_t n, size_t nr, const float* w, size_t w_stride, const float* bias,
                        float* packed);

// The same panels from a source stored transposed, in kb blocks stacked along K:
//   W(blk * kr + q, j) = w[blk * block_stride + j * w_stride + q],  K = kb * kr.
// block_stride may be negative: blocks in reverse order (the flipped filter of a unit-stride
// backward-input, which then gathers grad_out with the forward im2col).
// Backward-input of a conv: the filter (KH, KW, CI, CO) read as rows (ky, kx, co), columns ci is
// kb = KH*KW, kr = CO, n = CI, block_stride = CI*CO, w_stride = CO. A dense layer's W^T
// (W is In x Out): kb = 1, kr = Out, n = In, w_stride = Out.
void nn_f32_pack_gemm_w_transposed(size_t kb, size_t kr, size_t n, size_t nr, const float* w, ptrdiff_t block_stride,
                                   size_t w_stride, const float* bias, float* packed);

// Declarations of every tiled kernel, from the one list (only those built for this target).
#define NN_GEMM_UKERNEL(isa, fn, mr, nr)                                                                      \
  void fn(size_t mr_, size_t nc, size_t kc, const float* a, size_t a_stride, const float* packed_w, float* c, \
          size_t c_stride, const GemmParams* params);
#define NN_GEMM_TN_UKERNEL(isa, fn, mr, nr)                                                                   \
  void fn(size_t mr_, size_t nc, size_t kc, const float* a, size_t a_stride, const float* b, size_t b_stride, \
          float* c, size_t c_stride, const GemmParams* params);
#include "kernels/f32-gemm/f32-gemm.inc"

}  // namespace nn
