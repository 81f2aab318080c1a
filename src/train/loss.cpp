// Loss functions (see loss.h). Gradients of the clipped probability losses are zero where
// the clip is active, exactly as automatic differentiation through Keras's clip gives.
#include "train/loss.h"

#include <algorithm>
#include <cmath>

namespace nn {

namespace {
constexpr double kEpsilon = 1e-7;  // keras.backend.epsilon()
}

Status parse_loss(std::string_view name, LossKind* out) {
  if (name == "binary_crossentropy" || name == "binaryCrossentropy")
    *out = LossKind::kBinaryCrossentropy;
  else if (name == "categorical_crossentropy" || name == "categoricalCrossentropy")
    *out = LossKind::kCategoricalCrossentropy;
  else if (name == "sparse_categorical_crossentropy" || name == "sparseCategoricalCrossentropy")
    *out = LossKind::kSparseCategoricalCrossentropy;
  else if (name == "mean_squared_error" || name == "mse" || name == "meanSquaredError")
    *out = LossKind::kMeanSquaredError;
  else {
    return unsupported("loss '", name,
                       "' is not supported: use binary_crossentropy, categorical_crossentropy, "
                       "sparse_categorical_crossentropy or mean_squared_error");
  }
  return Status::ok();
}

const char* loss_name(LossKind kind) {
  switch (kind) {
    case LossKind::kBinaryCrossentropy:
      return "binary_crossentropy";
    case LossKind::kCategoricalCrossentropy:
      return "categorical_crossentropy";
    case LossKind::kSparseCategoricalCrossentropy:
      return "sparse_categorical_crossentropy";
    case LossKind::kMeanSquaredError:
      return "mean_squared_error";
  }
  return "?";
}

size_t loss_label_size(LossKind kind, size_t dim) { return kind == LossKind::kSparseCategoricalCrossentropy ? 1 : dim; }

Status check_labels(LossKind kind, const float* y, size_t n, size_t dim) {
  const size_t m = n * loss_label_size(kind, dim);
  for (size_t i = 0; i < m; ++i) {
    const float v = y[i];
    if (!std::isfinite(v)) return invalid_argument("label ", i, " is ", v, ": labels must be finite");
    if (kind == LossKind::kBinaryCrossentropy && (v < 0.0f || v > 1.0f)) {
      return invalid_argument("label ", i, " is ", v, ": binary_crossentropy labels must lie in [0, 1]");
    }
    if (kind == LossKind::kSparseCategoricalCrossentropy &&
        (v < 0.0f || v >= static_cast<float>(dim) || v != std::floor(v))) {
      return invalid_argument("label ", i, " is ", v,
                              ": sparse_categorical_crossentropy labels must be class indices in [0, ", dim, ")");
    }
  }
  if (kind == LossKind::kSparseCategoricalCrossentropy && dim < 2) {
    return invalid_argument("sparse_categorical_crossentropy needs a model output of at least 2 classes, got ", dim);
  }
  return Status::ok();
}

static double binary(const float* p, const float* y, size_t count, bool logits, double scale, float* g) {
  double total = 0.0;
  for (size_t i = 0; i < count; ++i) {
    const double t = y[i];
    if (logits) {
      const double z = p[i];
      total += std::max(z, 0.0) - z * t + std::log1p(std::exp(-std::fabs(z)));
      if (g) g[i] = static_cast<float>((1.0 / (1.0 + std::exp(-z)) - t) * scale);
    } else {
      const double raw = p[i];
      const double q = std::clamp(raw, kEpsilon, 1.0 - kEpsilon);
      total += -(t * std::log(q) + (1.0 - t) * std::log(1.0 - q));
      const bool clipped = raw < kEpsilon || raw > 1.0 - kEpsilon;
      if (g) g[i] = clipped ? 0.0f : static_cast<float>((q - t) / (q * (1.0 - q)) * scale);
    }
  }
  return total;
}

// One sample of categorical cross-entropy; `target(j)` gives the label of class j.
template <typename Target>
static double categorical(const float* p, size_t dim, bool logits, Target target, double scale, float* g) {
  if (logits) {
    double mx = p[0];
    for (size_t j = 1; j < dim; ++j) mx = std::max(mx, static_cast<double>(p[j]));
    double sum = 0.0;
    for (size_t j = 0; j < dim; ++j) sum += std::exp(p[j] - mx);
    const double log_sum = std::log(sum) + mx;
    double loss = 0.0, ysum = 0.0;
    for (size_t j = 0; j < dim; ++j) {
      loss += target(j) * (log_sum - p[j]);
      ysum += target(j);
    }
    if (g)
      for (size_t j = 0; j < dim; ++j) g[j] = static_cast<float>((std::exp(p[j] - log_sum) * ysum - target(j)) * scale);
    return loss;
  }
  // q = p / sum(p), clipped; dL/dp_k = (1/S) (h_k - sum_j h_j q_j) with h_j = -y_j / q_j (0 where clipped).
  double s = 0.0;
  for (size_t j = 0; j < dim; ++j) s += p[j];
  double loss = 0.0, hq = 0.0;
  for (size_t j = 0; j < dim; ++j) {
    const double raw = p[j] / s;
    const double q = std::clamp(raw, kEpsilon, 1.0 - kEpsilon);
    loss -= target(j) * std::log(q);
    const bool clipped = raw < kEpsilon || raw > 1.0 - kEpsilon;
    const double h = clipped ? 0.0 : -target(j) / q;
    hq += h * raw;
    if (g) g[j] = static_cast<float>(h);
  }
  if (g)
    for (size_t j = 0; j < dim; ++j) g[j] = static_cast<float>((g[j] - hq) / s * scale);
  return loss;
}

double loss_forward_backward(const LossOptions& options, const float* pred, const float* y, size_t n, size_t dim,
                             float* grad) {
  const double inv_n = 1.0 / static_cast<double>(n);
  double total = 0.0;
  switch (options.kind) {
    case LossKind::kBinaryCrossentropy:
      // Keras averages over the last axis, then over the batch.
      total = binary(pred, y, n * dim, options.from_logits, inv_n / static_cast<double>(dim), grad) /
              static_cast<double>(dim);
      break;
    case LossKind::kMeanSquaredError:
      for (size_t i = 0; i < n * dim; ++i) {
        const double d = static_cast<double>(pred[i]) - y[i];
        total += d * d / static_cast<double>(dim);
        if (grad) grad[i] = static_cast<float>(2.0 * d * inv_n / static_cast<double>(dim));
      }
      break;
    case LossKind::kCategoricalCrossentropy:
      for (size_t b = 0; b < n; ++b) {
        const float* yt = y + b * dim;
        total += categorical(
            pred + b * dim, dim, options.from_logits, [&](size_t j) { return static_cast<double>(yt[j]); }, inv_n,
            grad ? grad + b * dim : nullptr);
      }
      break;
    case LossKind::kSparseCategoricalCrossentropy:
      for (size_t b = 0; b < n; ++b) {
        const size_t label = static_cast<size_t>(y[b]);
        total += categorical(
            pred + b * dim, dim, options.from_logits, [&](size_t j) { return j == label ? 1.0 : 0.0; }, inv_n,
            grad ? grad + b * dim : nullptr);
      }
      break;
  }
  return total * inv_n;
}

}  // namespace nn
