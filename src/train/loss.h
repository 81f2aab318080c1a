// Losses with Keras semantics. Each returns the batch-mean loss and, when grad is not null,
// writes d(mean loss)/d(prediction) for every prediction element.
//  - binary_crossentropy: per element -(y log p + (1-y) log(1-p)) with p clipped to
//    [eps, 1-eps], eps = 1e-7 (Keras's backend epsilon), averaged over the last axis; or, with
//    from_logits, the stable form max(z,0) - z*y + log(1 + exp(-|z|)).
//  - categorical_crossentropy: p normalized to sum 1, clipped, -sum y log p; or softmax of logits.
//  - sparse_categorical_crossentropy: the same with integer class labels (one per sample).
//  - mean_squared_error.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/status.h"

namespace nn {

enum class LossKind {
  kBinaryCrossentropy,
  kCategoricalCrossentropy,
  kSparseCategoricalCrossentropy,
  kMeanSquaredError
};

struct LossOptions {
  LossKind kind = LossKind::kBinaryCrossentropy;
  bool from_logits = false;
};

Status parse_loss(std::string_view name, LossKind* out);
const char* loss_name(LossKind kind);

// Label floats per sample for a model output of `dim` features.
size_t loss_label_size(LossKind kind, size_t dim);

// Checks labels: binary in [0, 1], sparse labels integers in [0, dim). Names the first bad one.
Status check_labels(LossKind kind, const float* y_true, size_t n, size_t dim);

// pred and grad are n x dim; y_true is n x loss_label_size(kind, dim).
double loss_forward_backward(const LossOptions& options, const float* pred, const float* y_true, size_t n, size_t dim,
                             float* grad);

}  // namespace nn
