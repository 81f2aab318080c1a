// Accuracy as Keras's "accuracy" metric resolves it for each loss: binary (threshold 0.5 on
// probabilities, 0 on logits) for binary_crossentropy, arg-max match for categorical losses.
#pragma once

#include <cstddef>

#include "train/loss.h"

namespace nn {

// Number of correct samples among n (binary outputs with dim > 1 count elements / dim).
double count_correct(const LossOptions& loss, const float* pred, const float* y_true, size_t n, size_t dim);

}  // namespace nn
