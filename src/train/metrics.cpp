// Accuracy metrics (see metrics.h).
#include "train/metrics.h"

namespace nn {

static size_t argmax(const float* v, size_t dim) {
  size_t best = 0;
  for (size_t j = 1; j < dim; ++j)
    if (v[j] > v[best]) best = j;
  return best;
}

double count_correct(const LossOptions& loss, const float* pred, const float* y, size_t n, size_t dim) {
  double correct = 0.0;
  switch (loss.kind) {
    case LossKind::kBinaryCrossentropy:
    case LossKind::kMeanSquaredError: {
      const float threshold = loss.from_logits ? 0.0f : 0.5f;
      size_t hits = 0;
      for (size_t i = 0; i < n * dim; ++i) hits += ((pred[i] > threshold) == (y[i] > 0.5f)) ? 1 : 0;
      correct = static_cast<double>(hits) / static_cast<double>(dim);
      break;
    }
    case LossKind::kCategoricalCrossentropy:
      for (size_t b = 0; b < n; ++b) correct += argmax(pred + b * dim, dim) == argmax(y + b * dim, dim) ? 1.0 : 0.0;
      break;
    case LossKind::kSparseCategoricalCrossentropy:
      for (size_t b = 0; b < n; ++b) correct += argmax(pred + b * dim, dim) == static_cast<size_t>(y[b]) ? 1.0 : 0.0;
      break;
  }
  return correct;
}

}  // namespace nn
