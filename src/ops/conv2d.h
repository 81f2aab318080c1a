// 2-D convolution through im2col + GEMM, forward and both backward passes. Dense layers use
// the same ops as a 1x1 convolution over a (rows, 1, 1, in) batch.
//   in is (N, H, W, CI), filter is (KH, KW, CI, CO), out is (N, OH, OW, CO)
// Backward passes *add* into grad_in / grad_filter / grad_bias (the executor zeroes them once a
// step), so fan-out needs no special case. Work is split over the pool so that every output
// element is written by one thread and summed in the same order whatever the thread count.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/kernels.h"
#include "ops/activation.h"

namespace nn {

class ThreadPool;

// Scratch floats each call needs with `threads` threads (the max over the three passes).
uint64_t conv2d_workspace_floats(const ConvDims& d, int threads);

// Another library's forward convolution, installed in place of ours for comparisons (native
// builds: ops/xnnpack.cpp). It returns false to leave a case to our kernels. nullptr: ours only.
using Conv2dForwardOverride = bool (*)(int threads, const ConvDims& d, const float* in, const float* filter,
                                       const float* bias, Activation act, float* out);
void set_conv2d_forward_override(Conv2dForwardOverride fn);

// out = act(conv(in, filter) + bias); bias may be null.
void conv2d_forward(ThreadPool* pool, const ConvDims& d, const float* in, const float* filter, const float* bias,
                    Activation act, float* out, float* workspace);

void conv2d_backward_input(ThreadPool* pool, const ConvDims& d, const float* grad_out, const float* filter,
                           float* grad_in, float* workspace);

// grad_filter and grad_bias may be null (a frozen layer's): that work is skipped.
void conv2d_backward_filter(ThreadPool* pool, const ConvDims& d, const float* in, const float* grad_out,
                            float* grad_filter, float* grad_bias, float* workspace);

// Dense as a 1x1 convolution: rows x in -> rows x out.
inline ConvDims dense_dims(size_t rows, size_t in, size_t out) {
  return ConvDims{rows, 1, 1, in, 1, 1, 1, 1, 0, 0, 1, 1, out};
}

}  // namespace nn

namespace nn {

// The backward step of a convolution with a fused activation (Conv2D, Dense): turn grad_out
// into the gradient before the activation using the saved output, then run both gradient
// convolutions. grad_in, grad_filter and grad_bias may each be null (nobody needs the input
// gradient; a frozen layer): the work only they need is skipped.
uint64_t conv2d_fused_workspace_floats(const ConvDims& d, Activation act, int threads);
void conv2d_fused_backward(ThreadPool* pool, const ConvDims& d, Activation act, const float* in, const float* out,
                           const float* grad_out, const float* filter, float* grad_in, float* grad_filter,
                           float* grad_bias, float* workspace);

}  // namespace nn
