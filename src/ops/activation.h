// Activation functions as Keras names them, forward and backward, over rows x cols
// (softmax normalizes each row, i.e. the last axis). Backward uses the *output* y, which
// the graph keeps anyway, so fused activations need no extra saved buffer.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/status.h"

namespace nn {

class ThreadPool;

// kRelu6 is min(max(x, 0), 6), Keras's 'relu6' (MobileNets as TF.js converts them use it).
enum class Activation { kLinear, kRelu, kRelu6, kSigmoid, kTanh, kSoftmax };

Status parse_activation(std::string_view name, Activation* out);  // unknown names are an error
const char* activation_name(Activation a);

// y = f(x); y may equal x (in place).
void activation_forward(ThreadPool* pool, Activation a, const float* x, float* y, size_t rows, size_t cols);
// dx (+)= f'(.) * dy, expressed through y = f(x).
void activation_backward(ThreadPool* pool, Activation a, const float* y, const float* dy, float* dx, size_t rows,
                         size_t cols, bool accumulate);

}  // namespace nn
