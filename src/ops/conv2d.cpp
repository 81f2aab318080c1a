// Convolution as GEMM (see conv2d.h) on the kernels kernel-config picks. Forward: rows are
// output pixels, A = im2col(in) tile, W = filter (K x CO) packed with the bias once per call.
// Backward-input: rows are input pixels, A = gathered grad_out tile, W = the filter read as
// (KH*KW*CO) x CI, packed once per call. Backward-filter: columns of the filter gradient are
// split over threads, each summing A^T * grad_out over all rows in a fixed order. The bias
// gradient sums fixed chunks of rows (per-chunk partials, then a reduction in chunk order), so
// every result is the same whatever the thread count.
#include "ops/conv2d.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "core/alloc.h"
#include "core/profile.h"
#include "kernels/kernel-config.h"
#include "threading/thread-pool.h"

namespace nn {
namespace {

ProfileCounter backward_input_time("conv_backward_input");
ProfileCounter backward_filter_time("conv_backward_filter");
Conv2dForwardOverride forward_override = nullptr;

constexpr size_t kRowTile = 32;       // GEMM rows per task
constexpr size_t kBiasRowTile = 256;  // rows per bias-gradient partial sum (fixed: determinism)

bool is_pointwise(const ConvDims& d) {
  return d.kernel_h == 1 && d.kernel_w == 1 && d.stride_h == 1 && d.stride_w == 1 && d.pad_top == 0 &&
         d.pad_left == 0 && d.out_h == d.in_h && d.out_w == d.in_w;
}

size_t k_size(const ConvDims& d) { return d.kernel_h * d.kernel_w * d.in_c; }
size_t kt_size(const ConvDims& d) { return d.kernel_h * d.kernel_w * d.out_c; }
size_t out_rows(const ConvDims& d) { return d.batch * d.out_h * d.out_w; }

// Filter-gradient columns per task: one tile per thread (whole tn tiles, so only the last one
// is short). Every tile re-reads all of grad_out and gathers its own im2col columns, so two
// tiles per thread cost more than the balancing bought (measured on model A at 2 threads).
size_t k_tile_for(const ConvDims& d, int threads) {
  const size_t k = k_size(d);
  if (threads <= 1) return k;
  const size_t mr = gemm_config().tn_mr;
  const size_t tile = (k + threads - 1) / threads;
  return std::min(k, (tile + mr - 1) / mr * mr);
}

// Rows per tn call in the filter gradient: the grad_out block (depth x CO), re-read for every
// group of tn_mr columns, stays in L1 (~24 KB), and the A strip beside it.
size_t filter_depth_for(const ConvDims& d) { return std::clamp<size_t>(6144 / std::max<size_t>(d.out_c, 1), 16, 256); }

size_t filter_thread_floats(const ConvDims& d, int threads) {
  return round_up_floats(filter_depth_for(d) * k_tile_for(d, threads));
}

size_t bias_chunks(const ConvDims& d) { return (out_rows(d) + kBiasRowTile - 1) / kBiasRowTile; }
size_t bias_partial_floats(const ConvDims& d) { return bias_chunks(d) * round_up_floats(d.out_c); }

// Rows of the ReLU backward, g = out > 0 ? grad_out : 0, written as a bit mask so that clang
// vectorizes it (the ternary compiled to a branch per element: ~6 ns each), plus column sums.
void relu_backward_sum_rows(const float* __restrict out, const float* __restrict grad_out, float* __restrict g,
                            float* __restrict sum, size_t rows, size_t co) {
  for (size_t r = 0; r < rows; ++r) {
    for (size_t f = 0; f < co; ++f) {
      const uint32_t keep = 0u - static_cast<uint32_t>(out[f] > 0.0f);  // all ones or zero
      const float v = __builtin_bit_cast(float, __builtin_bit_cast(uint32_t, grad_out[f]) & keep);
      g[f] = v;
      if (sum) sum[f] += v;
    }
    out += co;
    grad_out += co;
    g += co;
  }
}

void sum_rows(const float* __restrict x, float* __restrict sum, size_t rows, size_t co) {
  for (size_t r = 0; r < rows; ++r, x += co)
    for (size_t f = 0; f < co; ++f) sum[f] += x[f];
}

// The bias gradient (the column sums of the pre-activation gradient) and, for a fused ReLU,
// that gradient itself. One pass over chunks of kBiasRowTile rows, each chunk's sums in its
// own cache lines of `partials`, then summed in chunk order: the same bits for any thread
// count. g may be null (no mask: linear); grad_bias may be null (no bias: only the mask).
void bias_and_relu_backward(ThreadPool* pool, const ConvDims& d, const float* out, const float* grad_out, float* g,
                            float* grad_bias, float* partials) {
  const size_t co = d.out_c, stride = round_up_floats(co);
  parallel_for(pool, out_rows(d), kBiasRowTile, [&](int, size_t begin, size_t end) {
    float* sum = grad_bias ? partials + begin / kBiasRowTile * stride : nullptr;
    if (sum) std::fill(sum, sum + co, 0.0f);
    if (g)
      relu_backward_sum_rows(out + begin * co, grad_out + begin * co, g + begin * co, sum, end - begin, co);
    else if (sum)
      sum_rows(grad_out + begin * co, sum, end - begin, co);
  });
  if (!grad_bias) return;
  const size_t chunks = bias_chunks(d);
  for (size_t f = 0; f < co; ++f) {
    float s = 0.0f;
    for (size_t c = 0; c < chunks; ++c) s += partials[c * stride + f];
    grad_bias[f] += s;
  }
}

}  // namespace

// The same sizes as the passes use, worked out in 64 bits (core/checked.h): a plan is measured
// before it is known to fit wasm32's size_t. k and kt are bounded by the filter's element count.
uint64_t conv2d_workspace_floats(const ConvDims& d, int threads) {
  const GemmConfig& g = gemm_config();
  const uint64_t k = k_size(d), kt = kt_size(d), nr = g.nr, t_max = static_cast<uint64_t>(std::max(threads, 1));
  auto packed = [&](uint64_t kk, uint64_t n) { return round_up_floats64((n + nr - 1) / nr * nr * (kk + 1)); };
  const uint64_t forward = packed(k, d.out_c) + round_up_floats64(kRowTile * k) * t_max;
  const uint64_t backward = packed(kt, d.in_c) + round_up_floats64(kRowTile * kt) * t_max;
  // The filter gradient's tiles shrink as threads grow: cover every count up to `threads`.
  // Pointwise layers read the input in place: no im2col buffers.
  uint64_t filter = 0;
  for (int t = 1; t <= std::max(threads, 1) && !is_pointwise(d); ++t)
    filter = std::max(filter, round_up_floats64(static_cast<uint64_t>(filter_depth_for(d)) * k_tile_for(d, t)) * t);
  const uint64_t chunks = (static_cast<uint64_t>(d.batch) * d.out_h * d.out_w + kBiasRowTile - 1) / kBiasRowTile;
  filter += chunks * round_up_floats64(d.out_c);
  return std::max({forward, backward, filter});
}

void set_conv2d_forward_override(Conv2dForwardOverride fn) { forward_override = fn; }

void conv2d_forward(ThreadPool* pool, const ConvDims& d, const float* in, const float* filter, const float* bias,
                    Activation act, float* out, float* workspace) {
  if (forward_override && forward_override(pool_threads(pool), d, in, filter, bias, act, out)) return;
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
  if (act == Activation::kRelu) params.min = 0.0f;  // fused into the GEMM's epilogue
  parallel_for(pool, rows, kRowTile, [&](int thread, size_t begin, size_t end) {
    const float* a = in + begin * d.in_c;
    if (!pointwise) {
      float* col = scratch + thread * per_thread;
      nn_f32_im2col(d, in, begin, end, 0, k, col);
      a = col;
    }
    float* c = out + begin * d.out_c;
    nn_f32_gemm(g, end - begin, d.out_c, k, a, k, packed, c, d.out_c, params);
    if (act != Activation::kLinear && act != Activation::kRelu)
      activation_forward(nullptr, act, c, c, end - begin, d.out_c);
  });
}

void conv2d_backward_input(ThreadPool* pool, const ConvDims& d, const float* grad_out, const float* filter,
                           float* grad_in, float* workspace) {
  // The filter as rows (ky, kx, co), columns ci: the GEMM's W for the gathered rows. With unit
  // strides the gather is the forward im2col of grad_out with the kernel flipped (taps in
  // reverse order, padding KH-1-pad): a kernel row's taps are then one contiguous run of
  // grad_out, copied at once, so the filter is packed with its taps reversed to match.
  const GemmConfig& g = gemm_config();
  const size_t kt = kt_size(d);
  const size_t taps = d.kernel_h * d.kernel_w;
  const ptrdiff_t tap_stride = static_cast<ptrdiff_t>(d.in_c * d.out_c);
  const bool flipped = d.stride_h == 1 && d.stride_w == 1 && d.pad_top < d.kernel_h && d.pad_left < d.kernel_w;
  float* packed = workspace;
  if (flipped) {
    g.pack_transposed(taps, d.out_c, d.in_c, g.nr, filter + (taps - 1) * d.in_c * d.out_c, -tap_stride, d.out_c,
                      nullptr, packed);
  } else {
    g.pack_transposed(taps, d.out_c, d.in_c, g.nr, filter, tap_stride, d.out_c, nullptr, packed);
  }
  // grad_out seen as the input of that flipped convolution, with grad_in as its output.
  const ConvDims flip{d.batch,
                      d.out_h,
                      d.out_w,
                      d.out_c,
                      d.kernel_h,
                      d.kernel_w,
                      1,
                      1,
                      d.kernel_h - 1 - d.pad_top,
                      d.kernel_w - 1 - d.pad_left,
                      d.in_h,
                      d.in_w,
                      d.in_c};
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
      if (flipped)
        nn_f32_im2col(flip, grad_out, begin, end, 0, kt, col);
      else
        nn_f32_col_gather_grad(d, grad_out, begin, end, col);
      a = col;
    }
    nn_f32_gemm(g, end - begin, d.in_c, kt, a, kt, packed, grad_in + begin * d.in_c, d.in_c, params);
  });
}

void conv2d_backward_filter(ThreadPool* pool, const ConvDims& d, const float* in, const float* grad_out,
                            float* grad_filter, float* grad_bias, float* workspace) {
  const GemmConfig& g = gemm_config();
  const size_t rows = out_rows(d);
  const size_t k = k_size(d);
  const int threads = pool_threads(pool);
  if (!grad_filter) {
    if (grad_bias) bias_and_relu_backward(pool, d, nullptr, grad_out, nullptr, grad_bias, workspace);
    return;
  }
  const size_t k_tile = k_tile_for(d, threads);
  const size_t depth = filter_depth_for(d);
  const bool pointwise = is_pointwise(d);
  const size_t per_thread = pointwise ? 0 : filter_thread_floats(d, threads);
  GemmParams params;
  params.accumulate = true;
  parallel_for(pool, k, k_tile, [&](int thread, size_t k_begin, size_t k_end) {
    float* col = workspace + thread * per_thread;
    for (size_t r = 0; r < rows; r += depth) {
      const size_t r_end = std::min(rows, r + depth);
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
    float* partials = workspace + static_cast<size_t>(threads) * per_thread;
    bias_and_relu_backward(pool, d, nullptr, grad_out, nullptr, grad_bias, partials);
  }
}

}  // namespace nn

namespace nn {

static size_t pre_activation_floats(const ConvDims& d, Activation act) {
  return act == Activation::kLinear ? 0 : round_up_floats(d.batch * d.out_h * d.out_w * d.out_c);
}

uint64_t conv2d_fused_workspace_floats(const ConvDims& d, Activation act, int threads) {
  const uint64_t rows = static_cast<uint64_t>(d.batch) * d.out_h * d.out_w;
  const uint64_t pre = act == Activation::kLinear ? 0 : round_up_floats64(rows * d.out_c);
  const uint64_t bias = (rows + kBiasRowTile - 1) / kBiasRowTile * round_up_floats64(d.out_c);
  return pre + bias + conv2d_workspace_floats(d, threads);
}

void conv2d_fused_backward(ThreadPool* pool, const ConvDims& d, Activation act, const float* in, const float* out,
                           const float* grad_out, const float* filter, float* grad_in, float* grad_filter,
                           float* grad_bias, float* workspace) {
  if (!grad_in && !grad_filter && !grad_bias) return;
  const float* g = grad_out;
  float* pre = workspace;
  workspace += pre_activation_floats(d, act);
  float* partials = workspace;
  workspace += bias_partial_floats(d);
  if (act == Activation::kRelu) {
    // The ReLU mask and the bias gradient in one pass over grad_out.
    bias_and_relu_backward(pool, d, out, grad_out, pre, grad_bias, partials);
    g = pre;
  } else {
    if (act != Activation::kLinear) {
      activation_backward(pool, act, out, grad_out, pre, d.batch * d.out_h * d.out_w, d.out_c, false);
      g = pre;
    }
    if (grad_bias) bias_and_relu_backward(pool, d, nullptr, g, nullptr, grad_bias, partials);
  }
  if (grad_in) {
    ProfileScope scope(backward_input_time);
    conv2d_backward_input(pool, d, g, filter, grad_in, workspace);
  }
  if (!grad_filter) return;  // frozen: no weight-gradient GEMM
  ProfileScope scope(backward_filter_time);
  conv2d_backward_filter(pool, d, in, g, grad_filter, nullptr, workspace);
}

}  // namespace nn
