// Batch normalization (see batchnorm.h). Backward through the batch statistics:
//   dx = gamma * inv_std * (dy - mean(dy) - x_hat * mean(dy * x_hat)),
//   dgamma = sum(dy * x_hat), dbeta = sum(dy).
#include "ops/batchnorm.h"

#include <cmath>
#include <algorithm>

#include "core/alloc.h"
#include "threading/thread-pool.h"

namespace nn {
namespace {

constexpr size_t kChunkRows = 256;   // fixed, so sums are ordered the same with any thread count

size_t chunks(size_t rows) { return (rows + kChunkRows - 1) / kChunkRows; }

// Per-channel column sums of f(row, channel) over all rows, as two double sums per channel:
// chunk partials in parallel, then an in-order reduction. partial holds chunks*2*C doubles.
template <typename F>
void column_sums2(ThreadPool* pool, size_t rows, size_t c, double* partial, double* sum_a, double* sum_b, F f) {
  const size_t n = chunks(rows);
  parallel_for(pool, n, 1, [&](int, size_t b, size_t e) {
    for (size_t k = b; k < e; ++k) {
      double* pa = partial + k * 2 * c;
      double* pb = pa + c;
      for (size_t j = 0; j < 2 * c; ++j) pa[j] = 0.0;
      const size_t r1 = std::min(rows, (k + 1) * kChunkRows);
      for (size_t r = k * kChunkRows; r < r1; ++r)
        for (size_t j = 0; j < c; ++j) {
          double va, vb;
          f(r, j, &va, &vb);
          pa[j] += va;
          pb[j] += vb;
        }
    }
  });
  for (size_t j = 0; j < c; ++j) sum_a[j] = sum_b[j] = 0.0;
  for (size_t k = 0; k < n; ++k)
    for (size_t j = 0; j < c; ++j) {
      sum_a[j] += partial[k * 2 * c + j];
      sum_b[j] += partial[k * 2 * c + c + j];
    }
}

struct Scratch {
  double* partial;
  double* a;
  double* b;
};

Scratch scratch(float* workspace, size_t rows, size_t c) {
  double* base = reinterpret_cast<double*>(workspace);
  return Scratch{base, base + chunks(rows) * 2 * c, base + chunks(rows) * 2 * c + c};
}

// y = (x - mean) * inv_std * gamma + beta, row-parallel.
void normalize(ThreadPool* pool, const BatchNormArgs& a, const float* x, float* y, const float* mean,
               const float* inv_std) {
  const size_t c = a.channels;
  parallel_for(pool, a.rows, std::max<size_t>(1, 16384 / c), [&](int, size_t b, size_t e) {
    for (size_t r = b; r < e; ++r)
      for (size_t j = 0; j < c; ++j) {
        const float g = a.gamma ? a.gamma[j] : 1.0f;
        const float bt = a.beta ? a.beta[j] : 0.0f;
        y[r * c + j] = (x[r * c + j] - mean[j]) * inv_std[j] * g + bt;
      }
  });
}

}  // namespace

size_t batchnorm_workspace_floats(size_t rows, size_t channels) {
  return 2 * (chunks(rows) * 2 * channels + 2 * channels) + 16;   // doubles, counted in floats
}

void batchnorm_forward_training(ThreadPool* pool, const BatchNormArgs& a, const float* x, float* y, float* mean,
                                float* inv_std, float* moving_mean, float* moving_variance, float* workspace) {
  const size_t c = a.channels;
  Scratch s = scratch(workspace, a.rows, c);
  column_sums2(pool, a.rows, c, s.partial, s.a, s.b, [&](size_t r, size_t j, double* va, double* vb) {
    *va = x[r * c + j];
    *vb = 0.0;
  });
  for (size_t j = 0; j < c; ++j) mean[j] = static_cast<float>(s.a[j] / static_cast<double>(a.rows));
  // Second pass for the variance: sum (x - mean)^2 is stable where E[x^2] - E[x]^2 is not.
  column_sums2(pool, a.rows, c, s.partial, s.a, s.b, [&](size_t r, size_t j, double* va, double* vb) {
    const double d = static_cast<double>(x[r * c + j]) - mean[j];
    *va = d * d;
    *vb = 0.0;
  });
  for (size_t j = 0; j < c; ++j) {
    const double var = s.a[j] / static_cast<double>(a.rows);
    inv_std[j] = static_cast<float>(1.0 / std::sqrt(var + a.epsilon));
    moving_mean[j]     = a.momentum * moving_mean[j] + (1.0f - a.momentum) * mean[j];
    moving_variance[j] = a.momentum * moving_variance[j] + (1.0f - a.momentum) * static_cast<float>(var);
  }
  normalize(pool, a, x, y, mean, inv_std);
}

void batchnorm_forward_inference(ThreadPool* pool, const BatchNormArgs& a, const float* x, float* y,
                                 const float* moving_mean, const float* moving_variance, float* mean, float* inv_std) {
  for (size_t j = 0; j < a.channels; ++j) {
    mean[j]    = moving_mean[j];
    inv_std[j] = 1.0f / std::sqrt(moving_variance[j] + a.epsilon);
  }
  normalize(pool, a, x, y, mean, inv_std);
}

void batchnorm_backward(ThreadPool* pool, const BatchNormArgs& a, bool training, const float* x, const float* grad_y,
                        const float* mean, const float* inv_std, float* grad_x, float* grad_gamma, float* grad_beta,
                        float* workspace) {
  const size_t c = a.channels;
  Scratch s = scratch(workspace, a.rows, c);
  // s.a = sum(dy), s.b = sum(dy * x_hat)
  column_sums2(pool, a.rows, c, s.partial, s.a, s.b, [&](size_t r, size_t j, double* va, double* vb) {
    const double dy = grad_y[r * c + j];
    *va = dy;
    *vb = dy * (static_cast<double>(x[r * c + j]) - mean[j]) * inv_std[j];
  });
  for (size_t j = 0; j < c; ++j) {
    if (grad_beta) grad_beta[j] += static_cast<float>(s.a[j]);
    if (grad_gamma) grad_gamma[j] += static_cast<float>(s.b[j]);
  }
  if (!grad_x) return;
  const double inv_rows = 1.0 / static_cast<double>(a.rows);
  const double* sum_dy = s.a;
  const double* sum_dy_xhat = s.b;
  parallel_for(pool, a.rows, std::max<size_t>(1, 16384 / c), [&](int, size_t b, size_t e) {
    for (size_t r = b; r < e; ++r)
      for (size_t j = 0; j < c; ++j) {
        const float g = a.gamma ? a.gamma[j] : 1.0f;
        const float dy = grad_y[r * c + j];
        if (!training) {
          grad_x[r * c + j] += dy * g * inv_std[j];
          continue;
        }
        const float x_hat = (x[r * c + j] - mean[j]) * inv_std[j];
        const float mean_dy = static_cast<float>(sum_dy[j] * inv_rows);
        const float mean_dy_xhat = static_cast<float>(sum_dy_xhat[j] * inv_rows);
        grad_x[r * c + j] += g * inv_std[j] * (dy - mean_dy - x_hat * mean_dy_xhat);
      }
  });
}

}  // namespace nn
