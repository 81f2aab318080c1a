// Activations (see activation.h). Sigmoid and tanh derivatives come from the output:
// s' = s(1-s), tanh' = 1-t^2; softmax's Jacobian-vector product is y*(dy - sum(y*dy)).
#include "ops/activation.h"

#include <algorithm>
#include <cmath>

#include "threading/thread-pool.h"

namespace nn {

Status parse_activation(std::string_view name, Activation* out) {
  if (name == "linear" || name.empty())
    *out = Activation::kLinear;
  else if (name == "relu")
    *out = Activation::kRelu;
  else if (name == "relu6")
    *out = Activation::kRelu6;
  else if (name == "sigmoid")
    *out = Activation::kSigmoid;
  else if (name == "tanh")
    *out = Activation::kTanh;
  else if (name == "softmax")
    *out = Activation::kSoftmax;
  else
    return unsupported("activation '", name, "' is not supported: use linear, relu, relu6, sigmoid, tanh or softmax");
  return Status::ok();
}

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::kLinear:
      return "linear";
    case Activation::kRelu:
      return "relu";
    case Activation::kRelu6:
      return "relu6";
    case Activation::kSigmoid:
      return "sigmoid";
    case Activation::kTanh:
      return "tanh";
    case Activation::kSoftmax:
      return "softmax";
  }
  return "linear";
}

static float sigmoid(float x) {
  // Two branches so that exp never overflows.
  if (x >= 0.0f) return 1.0f / (1.0f + std::exp(-x));
  float e = std::exp(x);
  return e / (1.0f + e);
}

static void forward_rows(Activation a, const float* x, float* y, size_t rows, size_t cols) {
  const size_t n = rows * cols;
  switch (a) {
    case Activation::kLinear:
      if (x != y) std::copy(x, x + n, y);
      break;
    case Activation::kRelu:
      for (size_t i = 0; i < n; ++i) {
        const float v = x[i];
        y[i] = v < 0.0f ? 0.0f : v;  // NaN stays NaN, as in TF
      }
      break;
    case Activation::kRelu6:
      for (size_t i = 0; i < n; ++i) {
        const float v = x[i];
        y[i] = v < 0.0f ? 0.0f : (v > 6.0f ? 6.0f : v);  // NaN stays NaN
      }
      break;
    case Activation::kSigmoid:
      for (size_t i = 0; i < n; ++i) y[i] = sigmoid(x[i]);
      break;
    case Activation::kTanh:
      for (size_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
      break;
    case Activation::kSoftmax:
      for (size_t r = 0; r < rows; ++r) {
        const float* xr = x + r * cols;
        float* yr = y + r * cols;
        float mx = xr[0];
        for (size_t c = 1; c < cols; ++c) mx = std::max(mx, xr[c]);
        float sum = 0.0f;
        for (size_t c = 0; c < cols; ++c) {
          yr[c] = std::exp(xr[c] - mx);
          sum += yr[c];
        }
        const float inv = 1.0f / sum;
        for (size_t c = 0; c < cols; ++c) yr[c] *= inv;
      }
      break;
  }
}

// dx = g(i) or dx += g(i), with the accumulate test outside the loop and no branch inside,
// so the compiler vectorizes it (g's comparisons become vector selects).
template <typename G>
static void put_all(float* __restrict dx, size_t n, bool accumulate, G g) {
  if (accumulate) {
    for (size_t i = 0; i < n; ++i) dx[i] += g(i);
  } else {
    for (size_t i = 0; i < n; ++i) dx[i] = g(i);
  }
}

static void backward_rows(Activation a, const float* __restrict y, const float* __restrict dy, float* __restrict dx,
                          size_t rows, size_t cols, bool accumulate) {
  const size_t n = rows * cols;
  switch (a) {
    case Activation::kLinear:
      put_all(dx, n, accumulate, [&](size_t i) { return dy[i]; });
      break;
    case Activation::kRelu:
      // y > 0 is false for y = 0 and NaN: those pass no gradient.
      put_all(dx, n, accumulate, [&](size_t i) {
        const float d = dy[i];  // loaded unconditionally, so the select vectorizes
        return y[i] > 0.0f ? d : 0.0f;
      });
      break;
    case Activation::kRelu6:
      // Gradient only strictly inside (0, 6): clipped outputs (and NaN) pass none, as in TF.
      put_all(dx, n, accumulate, [&](size_t i) {
        const float d = dy[i];
        return y[i] > 0.0f && y[i] < 6.0f ? d : 0.0f;
      });
      break;
    case Activation::kSigmoid:
      put_all(dx, n, accumulate, [&](size_t i) { return dy[i] * y[i] * (1.0f - y[i]); });
      break;
    case Activation::kTanh:
      put_all(dx, n, accumulate, [&](size_t i) { return dy[i] * (1.0f - y[i] * y[i]); });
      break;
    case Activation::kSoftmax:
      for (size_t r = 0; r < rows; ++r) {
        const float* yr = y + r * cols;
        const float* dyr = dy + r * cols;
        float dot = 0.0f;
        for (size_t c = 0; c < cols; ++c) dot += yr[c] * dyr[c];
        put_all(dx + r * cols, cols, accumulate, [&](size_t c) { return yr[c] * (dyr[c] - dot); });
      }
      break;
  }
}

// Rows per task: enough work per tile to amortize the pool's dispatch.
static size_t row_tile(size_t cols) { return std::max<size_t>(1, 16384 / std::max<size_t>(cols, 1)); }

void activation_forward(ThreadPool* pool, Activation a, const float* x, float* y, size_t rows, size_t cols) {
  parallel_for(pool, rows, row_tile(cols), [&](int, size_t begin, size_t end) {
    forward_rows(a, x + begin * cols, y + begin * cols, end - begin, cols);
  });
}

void activation_backward(ThreadPool* pool, Activation a, const float* y, const float* dy, float* dx, size_t rows,
                         size_t cols, bool accumulate) {
  parallel_for(pool, rows, row_tile(cols), [&](int, size_t begin, size_t end) {
    backward_rows(a, y + begin * cols, dy + begin * cols, dx + begin * cols, end - begin, cols, accumulate);
  });
}

}  // namespace nn
