// Depthwise 2-D convolution (each input channel convolved with its own depth_multiplier
// filters), forward and backward.
//   in is (N, H, W, C), filter is (KH, KW, C, DM), out is (N, OH, OW, C*DM), channel c*DM + m.
// ConvDims.out_c is C*DM. Backward passes add into grad_in / grad_filter / grad_bias. The filter
// gradient sums per-image partials in image order, so it does not depend on the thread count;
// every other output element is written by one thread in a fixed order.
// With DM == 1 (Keras's default, all of seed model B) the passes run the channel-vectorized
// kernels of kernels/f32-dwconv; DM > 1 runs plain loops.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/kernels.h"

namespace nn {

class ThreadPool;

// Scratch floats of depthwise_conv2d_backward_filter (per-image partials).
uint64_t depthwise_conv2d_workspace_floats(const ConvDims& d);

void depthwise_conv2d_forward(ThreadPool* pool, const ConvDims& d, const float* in, const float* filter,
                              const float* bias, float* out);
void depthwise_conv2d_backward_input(ThreadPool* pool, const ConvDims& d, const float* grad_out, const float* filter,
                                     float* grad_in);
// grad_filter and grad_bias may each be null (a frozen layer: both, and it returns at once).
void depthwise_conv2d_backward_filter(ThreadPool* pool, const ConvDims& d, const float* in, const float* grad_out,
                                      float* grad_filter, float* grad_bias, float* workspace);

}  // namespace nn
