// Microkernel declarations. Kernels see raw pointers and element strides only (no Tensor,
// no allocation, no threads), as in XNNPACK; ops in src/ops tile the work and call them.
// Layout conventions: activations NHWC; conv filters (KH, KW, CI, CO) as Keras stores them,
// which is already the (K = KH*KW*CI) x CO matrix a GEMM wants.
#pragma once

#include <cstddef>

namespace nn {

// Geometry of a 2-D convolution or pooling window over an NHWC batch.
struct ConvDims {
  size_t batch;
  size_t in_h, in_w, in_c;
  size_t kernel_h, kernel_w;
  size_t stride_h, stride_w;
  size_t pad_top, pad_left;   // pad_bottom/right are implied by out_h/out_w
  size_t out_h, out_w, out_c;
};

// C[m, n] (+)= sum_k A[m, k] * B[k, n]. Row-major, strides in elements.
void nn_f32_gemm_ukernel__scalar(size_t m, size_t n, size_t k,
                                 const float* a, size_t a_stride,
                                 const float* b, size_t b_stride,
                                 float* c, size_t c_stride, bool accumulate);

// C[k, n] += sum_m A[m, k] * B[m, n] (A transposed): the filter-gradient shape.
void nn_f32_gemm_tn_ukernel__scalar(size_t m, size_t k, size_t n,
                                    const float* a, size_t a_stride,
                                    const float* b, size_t b_stride,
                                    float* c, size_t c_stride);

// Gathers im2col rows for output positions [row_begin, row_end) of the whole batch
// (row = (n*out_h + oy)*out_w + ox), columns k in [k_begin, k_end) of (KH, KW, CI).
// Out-of-image taps read as zero. col has k_end-k_begin floats per row.
void nn_f32_im2col(const ConvDims& d, const float* in, size_t row_begin, size_t row_end,
                   size_t k_begin, size_t k_end, float* col);

// The input-gradient gather: for input positions [row_begin, row_end) of the whole batch,
// row = (n*in_h + y)*in_w + x, columns (KH, KW, CO) hold grad_out at the output position that
// tap (ky, kx) maps to, or zero when no output position does (edges, stride gaps).
void nn_f32_col_gather_grad(const ConvDims& d, const float* grad_out, size_t row_begin, size_t row_end, float* col);

// Reference kernels: plain loops, the ground truth that tests compare optimized ops against.
void nn_f32_gemm__reference(size_t m, size_t n, size_t k, const float* a, const float* b, float* c);
void nn_f32_conv2d_forward__reference(const ConvDims& d, const float* in, const float* filter,
                                      const float* bias, float* out);
void nn_f32_conv2d_backward_input__reference(const ConvDims& d, const float* grad_out,
                                             const float* filter, float* grad_in);
void nn_f32_conv2d_backward_filter__reference(const ConvDims& d, const float* in, const float* grad_out,
                                              float* grad_filter, float* grad_bias);

}  // namespace nn
