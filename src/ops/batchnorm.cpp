// Batch normalization (see batchnorm.h). Backward through the batch statistics:
//   dx = gamma * inv_std * (dy - mean(dy) - x_hat * mean(dy * x_hat)),
//   dgamma = sum(dy * x_hat), dbeta = sum(dy).
// Every pass runs rows in the outer loop and channels (unit stride) in the inner one, with
// per-channel coefficients computed once, so the compiler vectorizes the inner loops:
//   y  = x * scale + shift                       (scale = gamma * inv_std, shift = beta - mean * scale)
//   dx += a * dy + b * (x - mean) + k            (a, b, k per channel, from the sums above)
// Column sums: float partials over fixed chunks of rows (in parallel), then the chunks summed in
// order in double, so results do not depend on the thread count.
#include "ops/batchnorm.h"

#include <algorithm>
#include <cmath>

#include "core/alloc.h"
#include "threading/thread-pool.h"

namespace nn {
namespace {

constexpr size_t kChunkRows = 256;  // fixed, so sums are ordered the same with any thread count

size_t chunks(size_t rows) { return (rows + kChunkRows - 1) / kChunkRows; }
// Floats per chunk partial, a whole number of cache lines: no false sharing between threads.
size_t chunk_stride(size_t c) { return round_up_floats(2 * c); }

// The workspace: per-chunk partials (2 * C floats each, cache-line aligned), the two sums (C doubles each), then
// four per-channel coefficient rows (C floats each).
struct Scratch {
  float* partial;
  double* sum_a;
  double* sum_b;
  float* coef[4];
};

Scratch scratch(float* workspace, size_t rows, size_t c) {
  Scratch s;
  s.partial = workspace;
  double* sums = reinterpret_cast<double*>(workspace + chunks(rows) * chunk_stride(c));
  s.sum_a = sums;
  s.sum_b = sums + c;
  float* coef = workspace + chunks(rows) * chunk_stride(c) + round_up_floats(4 * c);
  for (int i = 0; i < 4; ++i) s.coef[i] = coef + i * round_up_floats(c);
  return s;
}

// sum_a[j] = sum over rows of fa(x_row, g_row)[j], and sum_b likewise with fb, through the
// chunk partials. f(row, pa, pb) adds one row's contributions into the C-float rows pa and pb.
template <typename F>
void column_sums2(ThreadPool* pool, size_t rows, size_t c, const Scratch& s, F f) {
  const size_t n = chunks(rows);
  parallel_for(pool, n, 1, [&](int, size_t b, size_t e) {
    for (size_t k = b; k < e; ++k) {
      float* pa = s.partial + k * chunk_stride(c);
      float* pb = pa + c;
      std::fill(pa, pa + 2 * c, 0.0f);
      const size_t r1 = std::min(rows, (k + 1) * kChunkRows);
      for (size_t r = k * kChunkRows; r < r1; ++r) f(r, pa, pb);
    }
  });
  std::fill(s.sum_a, s.sum_a + c, 0.0);
  std::fill(s.sum_b, s.sum_b + c, 0.0);
  for (size_t k = 0; k < n; ++k) {
    const float* pa = s.partial + k * chunk_stride(c);
    for (size_t j = 0; j < c; ++j) {
      s.sum_a[j] += pa[j];
      s.sum_b[j] += pa[c + j];
    }
  }
}

// y = x * scale + shift, row-parallel.
void normalize(ThreadPool* pool, size_t rows, size_t c, const float* x, float* y, const float* scale,
               const float* shift) {
  parallel_for(pool, rows, std::max<size_t>(1, 16384 / c), [&](int, size_t b, size_t e) {
    for (size_t r = b; r < e; ++r) {
      const float* __restrict xr = x + r * c;
      float* __restrict yr = y + r * c;
      for (size_t j = 0; j < c; ++j) yr[j] = xr[j] * scale[j] + shift[j];
    }
  });
}

void affine_coefficients(const BatchNormArgs& a, const float* mean, const float* inv_std, float* scale, float* shift) {
  for (size_t j = 0; j < a.channels; ++j) {
    scale[j] = (a.gamma ? a.gamma[j] : 1.0f) * inv_std[j];
    shift[j] = (a.beta ? a.beta[j] : 0.0f) - mean[j] * scale[j];
  }
}

}  // namespace

uint64_t batchnorm_workspace_floats(size_t rows, size_t channels) {
  const uint64_t c = channels;
  return static_cast<uint64_t>(chunks(rows)) * round_up_floats64(2 * c) + round_up_floats64(4 * c) +
         4 * round_up_floats64(c);
}

void batchnorm_forward_training(ThreadPool* pool, const BatchNormArgs& a, const float* x, float* y, float* mean,
                                float* inv_std, float* moving_mean, float* moving_variance, float* workspace) {
  const size_t c = a.channels;
  const Scratch s = scratch(workspace, a.rows, c);
  column_sums2(pool, a.rows, c, s, [&](size_t r, float* __restrict pa, float*) {
    const float* __restrict xr = x + r * c;
    for (size_t j = 0; j < c; ++j) pa[j] += xr[j];
  });
  for (size_t j = 0; j < c; ++j) mean[j] = static_cast<float>(s.sum_a[j] / static_cast<double>(a.rows));
  // Second pass for the variance: sum (x - mean)^2 is stable where E[x^2] - E[x]^2 is not.
  column_sums2(pool, a.rows, c, s, [&](size_t r, float* __restrict pa, float*) {
    const float* __restrict xr = x + r * c;
    for (size_t j = 0; j < c; ++j) {
      const float d = xr[j] - mean[j];
      pa[j] += d * d;
    }
  });
  for (size_t j = 0; j < c; ++j) {
    const double var = s.sum_a[j] / static_cast<double>(a.rows);
    inv_std[j] = static_cast<float>(1.0 / std::sqrt(var + a.epsilon));
    moving_mean[j] = a.momentum * moving_mean[j] + (1.0f - a.momentum) * mean[j];
    moving_variance[j] = a.momentum * moving_variance[j] + (1.0f - a.momentum) * static_cast<float>(var);
  }
  affine_coefficients(a, mean, inv_std, s.coef[0], s.coef[1]);
  normalize(pool, a.rows, c, x, y, s.coef[0], s.coef[1]);
}

void batchnorm_forward_inference(ThreadPool* pool, const BatchNormArgs& a, const float* x, float* y,
                                 const float* moving_mean, const float* moving_variance, float* mean, float* inv_std) {
  for (size_t j = 0; j < a.channels; ++j) {
    mean[j] = moving_mean[j];
    inv_std[j] = 1.0f / std::sqrt(moving_variance[j] + a.epsilon);
  }
  // Inference has no workspace: each task computes scale and shift for blocks of 64 channels
  // on its stack, then runs the same vectorizable loop as training.
  const size_t c = a.channels;
  parallel_for(pool, a.rows, std::max<size_t>(1, 16384 / c), [&](int, size_t b, size_t e) {
    constexpr size_t kBlock = 64;
    float scale[kBlock], shift[kBlock];
    for (size_t j0 = 0; j0 < c; j0 += kBlock) {
      const size_t nb = std::min(kBlock, c - j0);
      for (size_t j = 0; j < nb; ++j) {
        scale[j] = (a.gamma ? a.gamma[j0 + j] : 1.0f) * inv_std[j0 + j];
        shift[j] = (a.beta ? a.beta[j0 + j] : 0.0f) - mean[j0 + j] * scale[j];
      }
      for (size_t r = b; r < e; ++r) {
        const float* __restrict xr = x + r * c + j0;
        float* __restrict yr = y + r * c + j0;
        for (size_t j = 0; j < nb; ++j) yr[j] = xr[j] * scale[j] + shift[j];
      }
    }
  });
}

void batchnorm_backward(ThreadPool* pool, const BatchNormArgs& a, bool training, const float* x, const float* grad_y,
                        const float* mean, const float* inv_std, float* grad_x, float* grad_gamma, float* grad_beta,
                        float* workspace) {
  const size_t c = a.channels;
  if (!training && !grad_gamma && !grad_beta) {
    // Inference mode with frozen gamma and beta (a frozen layer): the statistics are constants,
    // so dx = gamma * inv_std * dy per channel; no column sums, and x is not read.
    if (grad_x) {
      parallel_for(pool, a.rows, std::max<size_t>(1, 16384 / c), [&](int, size_t b, size_t e) {
        constexpr size_t kBlock = 64;
        float scale[kBlock];
        for (size_t j0 = 0; j0 < c; j0 += kBlock) {
          const size_t nb = std::min(kBlock, c - j0);
          for (size_t j = 0; j < nb; ++j)
            scale[j] = static_cast<float>((a.gamma ? double{a.gamma[j0 + j]} : 1.0) * inv_std[j0 + j]);
          for (size_t r = b; r < e; ++r) {
            const float* __restrict gr = grad_y + r * c + j0;
            float* __restrict dx = grad_x + r * c + j0;
            for (size_t j = 0; j < nb; ++j) dx[j] += scale[j] * gr[j];
          }
        }
      });
    }
    return;
  }
  const Scratch s = scratch(workspace, a.rows, c);
  // sum_a = sum(dy), sum_b = sum(dy * (x - mean)); times inv_std below gives sum(dy * x_hat).
  column_sums2(pool, a.rows, c, s, [&](size_t r, float* __restrict pa, float* __restrict pb) {
    const float* __restrict xr = x + r * c;
    const float* __restrict gr = grad_y + r * c;
    for (size_t j = 0; j < c; ++j) {
      const float dy = gr[j];
      pa[j] += dy;
      pb[j] += dy * (xr[j] - mean[j]);
    }
  });
  for (size_t j = 0; j < c; ++j) {
    if (grad_beta) grad_beta[j] += static_cast<float>(s.sum_a[j]);
    if (grad_gamma) grad_gamma[j] += static_cast<float>(s.sum_b[j] * inv_std[j]);
  }
  if (!grad_x) return;
  // dx = a * dy + b * (x - mean) + k per channel (in inference the statistics are constants:
  // b = k = 0).
  float* ca = s.coef[0];
  float* cb = s.coef[1];
  float* ck = s.coef[2];
  const double inv_rows = 1.0 / static_cast<double>(a.rows);
  for (size_t j = 0; j < c; ++j) {
    const double g = a.gamma ? a.gamma[j] : 1.0;
    const double is = inv_std[j];
    ca[j] = static_cast<float>(g * is);
    if (training) {
      const double mean_dy = s.sum_a[j] * inv_rows;
      const double mean_dy_xhat = s.sum_b[j] * is * inv_rows;
      cb[j] = static_cast<float>(-g * is * is * mean_dy_xhat);
      ck[j] = static_cast<float>(-g * is * mean_dy);
    } else {
      cb[j] = ck[j] = 0.0f;
    }
  }
  parallel_for(pool, a.rows, std::max<size_t>(1, 16384 / c), [&](int, size_t b, size_t e) {
    for (size_t r = b; r < e; ++r) {
      const float* __restrict xr = x + r * c;
      const float* __restrict gr = grad_y + r * c;
      float* __restrict dx = grad_x + r * c;
      for (size_t j = 0; j < c; ++j) dx[j] += ca[j] * gr[j] + cb[j] * (xr[j] - mean[j]) + ck[j];
    }
  });
}

}  // namespace nn
