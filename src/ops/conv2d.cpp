// Convolution as GEMM (see conv2d.h) on the kernels kernel-config picks. Forward: rows are
// output pixels, A = im2col(in) tile, W = filter (K x CO) packed with the bias once per call.
// Backward-input: rows are input pixels, A = gathered grad_out tile, W = the filter read as
// (KH*KW*CO) x CI, packed once per call. Backward-filter: columns of the filter gradient are
// split over threads, each summing A^T * grad_out over all rows in a fixed order.
#include "ops/conv2d.h"

#include <algorithm>

#include "core/alloc.h"
#include "core/profile.h"
#include "kernels/kernel-config.h"
#include "ops/xnnpack.h"
#include "threading/thread-pool.h"

namespace nn {
namespace {

constexpr size_t kRowTile = 32;         // GEMM rows per task
constexpr size_t kFilterRowTile = 64;   // rows per im2col chunk in the filter gradient

bool is_pointwise(const ConvDims& d) {
  return d.kernel_h == 1 && d.kernel_w == 1 && d.stride_h == 1 && d.stride_w == 1 &&
         d.pad_top == 0 && d.pad_left == 0 && d.out_h == d.in_h && d.out_w == d.in_w;
}

size_t k_size(const ConvDims& d) { return d.kernel_h * d.kernel_w * d.in_c; }
size_t kt_size(const ConvDims& d) { return d.kernel_h * d.kernel_w * d.out_c; }

size_t k_tile_for(const ConvDims& d, int threads) {
  // Several column tiles per thread so uneven tiles still balance.
  size_t k = k_size(d);
  size_t tile = (k + 4 * threads - 1) / (4 * threads);
  return std::max<size_t>(tile, std::min<size_t>(k, 8));
}

}  // namespace

size_t conv2d_workspace_floats(const ConvDims& d, int threads) {
  const GemmConfig& g = gemm_config();
  const size_t forward  = round_up_floats(nn_f32_packed_gemm_w_floats(k_size(d), d.out_c, g.nr)) +
                          round_up_floats(kRowTile * k_size(d)) * threads;
  const size_t backward = round_up_floats(nn_f32_packed_gemm_w_floats(kt_size(d), d.in_c, g.nr)) +
                          round_up_floats(kRowTile * kt_size(d)) * threads;
  const size_t filter   = round_up_floats(kFilterRowTile * k_tile_for(d, threads)) * threads;
  return std::max({forward, backward, filter});
}

void conv2d_forward(ThreadPool* pool, const ConvDims& d, const float* in, const float* filter, const float* bias,
                    Activation act, float* out, float* workspace) {
  if (xnnpack_enabled() && xnnpack_conv2d_forward(pool_threads(pool), d, in, filter, bias, act, out)) return;
  const GemmConfig& g = gemm_config();
  const size_t rows = d.batch * d.out_h * d.out_w;
  const size_t k = k_size(d);
  // Weights (and bias) packed into the kernels' panels once per call, i.e. once per step.
  float* packed = workspace;
  g.pack(k, d.out_c, g.nr, filter, d.out_c, bias, packed);
  float* scratch = workspace + round_up_floats(nn_f32_packed_gemm_w_floats(k, d.out_c, g.nr));
  const size_t per_thread = round_up_floats(kRowTile * k);
  const bool pointwise = is_pointwise(d);
  GemmParams params;
  if (act == Activation::kRelu) params.min = 0.0f;   // fused into the GEMM's epilogue
  parallel_for(pool, rows, kRowTile, [&](int thread, size_t begin, size_t end) {
    const float* a = in + begin * d.in_c;
    if (!pointwise) {
      float* col = scratch + thread * per_thread;
      nn_f32_im2col(d, in, begin, end, 0, k, col);
      a = col;
    }
    float* c = out + begin * d.out_c;
    nn_f32_gemm(g, end - begin, d.out_c, k, a, k, packed, c, d.out_c, params);
    if (act != Activation::kLinear && act != Activation::kRelu) activation_forward(nullptr, act, c, c, end - begin, d.out_c);
  });
}

void conv2d_backward_input(ThreadPool* pool, const ConvDims& d, const float* grad_out, const float* filter,
                           float* grad_in, float* workspace) {
  // The filter as rows (ky, kx, co), columns ci: the GEMM's W for the gathered rows.
  const GemmConfig& g = gemm_config();
  const size_t kt = kt_size(d);
  float* packed = workspace;
  g.pack_transposed(d.kernel_h * d.kernel_w, d.out_c, d.in_c, g.nr, filter, d.in_c * d.out_c, d.out_c, nullptr, packed);
  float* scratch = workspace + round_up_floats(nn_f32_packed_gemm_w_floats(kt, d.in_c, g.nr));
  const size_t per_thread = round_up_floats(kRowTile * kt);
  const size_t rows = d.batch * d.in_h * d.in_w;
  const bool pointwise = is_pointwise(d);
  GemmParams params;
  params.accumulate = true;
  parallel_for(pool, rows, kRowTile, [&](int thread, size_t begin, size_t end) {
    const float* a = grad_out + begin * d.out_c;
    if (!pointwise) {
      float* col = scratch + thread * per_thread;
      nn_f32_col_gather_grad(d, grad_out, begin, end, col);
      a = col;
    }
    nn_f32_gemm(g, end - begin, d.in_c, kt, a, kt, packed, grad_in + begin * d.in_c, d.in_c, params);
  });
}

void conv2d_backward_filter(ThreadPool* pool, const ConvDims& d, const float* in, const float* grad_out,
                            float* grad_filter, float* grad_bias, float* workspace) {
  const GemmConfig& g = gemm_config();
  const size_t rows = d.batch * d.out_h * d.out_w;
  const size_t k = k_size(d);
  const size_t k_tile = k_tile_for(d, pool_threads(pool));
  const size_t per_thread = round_up_floats(kFilterRowTile * k_tile);
  const bool pointwise = is_pointwise(d);
  GemmParams params;
  params.accumulate = true;
  parallel_for(pool, k, k_tile, [&](int thread, size_t k_begin, size_t k_end) {
    float* col = workspace + thread * per_thread;
    for (size_t r = 0; r < rows; r += kFilterRowTile) {
      const size_t r_end = std::min(rows, r + kFilterRowTile);
      const float* a;
      size_t a_stride;
      if (pointwise) {
        a = in + r * d.in_c + k_begin;
        a_stride = d.in_c;
      } else {
        nn_f32_im2col(d, in, r, r_end, k_begin, k_end, col);
        a = col;
        a_stride = k_end - k_begin;
      }
      // grad_filter[k_begin:k_end, :] += A^T * grad_out[r:r_end, :], A = (rows x k-range)
      nn_f32_gemm_tn(g, k_end - k_begin, d.out_c, r_end - r, a, a_stride, grad_out + r * d.out_c, d.out_c,
                     grad_filter + k_begin * d.out_c, d.out_c, params);
    }
  });
  if (grad_bias) {
    for (size_t r = 0; r < rows; ++r)
      for (size_t f = 0; f < d.out_c; ++f) grad_bias[f] += grad_out[r * d.out_c + f];
  }
}

}  // namespace nn

namespace nn {

static size_t pre_activation_floats(const ConvDims& d, Activation act) {
  return act == Activation::kLinear ? 0 : round_up_floats(d.batch * d.out_h * d.out_w * d.out_c);
}

size_t conv2d_fused_workspace_floats(const ConvDims& d, Activation act, int threads) {
  return pre_activation_floats(d, act) + conv2d_workspace_floats(d, threads);
}

void conv2d_fused_backward(ThreadPool* pool, const ConvDims& d, Activation act, const float* in, const float* out,
                           const float* grad_out, const float* filter, float* grad_in, float* grad_filter,
                           float* grad_bias, float* workspace) {
  const float* g = grad_out;
  if (act != Activation::kLinear) {
    activation_backward(pool, act, out, grad_out, workspace, d.batch * d.out_h * d.out_w, d.out_c, false);
    g = workspace;
    workspace += pre_activation_floats(d, act);
  }
  if (grad_in) {
    ProfileScope scope(ProfileKey::kBackwardInput);
    conv2d_backward_input(pool, d, g, filter, grad_in, workspace);
  }
  ProfileScope scope(ProfileKey::kBackwardFilter);
  conv2d_backward_filter(pool, d, in, g, grad_filter, grad_bias, workspace);
}

}  // namespace nn
