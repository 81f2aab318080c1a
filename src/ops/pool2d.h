// Max and average pooling over NHWC windows (ConvDims with out_c == in_c), and global average
// pooling. 'same' padding follows TensorFlow: padded taps are ignored (max) or not counted
// (average), never treated as zeros. Backward passes add into grad_in; max-pool recomputes
// the arg-max from the input (first maximum wins, as in the forward pass) instead of saving it.
#pragma once

#include <cstddef>

#include "kernels/kernels.h"

namespace nn {

class ThreadPool;

void max_pool2d_forward(ThreadPool* pool, const ConvDims& d, const float* in, float* out);
void max_pool2d_backward(ThreadPool* pool, const ConvDims& d, const float* in, const float* grad_out, float* grad_in);
void avg_pool2d_forward(ThreadPool* pool, const ConvDims& d, const float* in, float* out);
void avg_pool2d_backward(ThreadPool* pool, const ConvDims& d, const float* grad_out, float* grad_in);

// in is (N, HW, C), out is (N, C).
void global_avg_pool_forward(ThreadPool* pool, size_t n, size_t hw, size_t c, const float* in, float* out);
void global_avg_pool_backward(ThreadPool* pool, size_t n, size_t hw, size_t c, const float* grad_out, float* grad_in);

}  // namespace nn
