// XNNPACK route (see xnnpack.h). XNNPACK's convolution wants filters as (CO, KH, KW, CI), so
// the Keras (KH, KW, CI, CO) filter is transposed into a buffer kept across calls; the
// operator is created (packing weights), set up and run per call, which matches our
// "pack once per step" cost during training.
#include "ops/xnnpack.h"

#include "ops/conv2d.h"

#if defined(NN_WITH_XNNPACK)
#include <pthreadpool.h>
#include <xnnpack.h>

#include <limits>
#include <vector>
#endif

namespace nn {

#if defined(NN_WITH_XNNPACK)

namespace {

bool g_enabled = false;

bool initialize() {
  static const bool ok = xnn_initialize(nullptr) == xnn_status_success;
  return ok;
}

pthreadpool_t pool_for(int threads) {
  static pthreadpool_t pool = nullptr;
  static int pool_threads = 0;
  if (threads <= 1) return nullptr;
  if (pool == nullptr || pool_threads != threads) {
    if (pool) pthreadpool_destroy(pool);
    pool = pthreadpool_create(static_cast<size_t>(threads));
    pool_threads = threads;
  }
  return pool;
}

}  // namespace

bool xnnpack_available() { return initialize(); }
void set_xnnpack_enabled(bool on) {
  g_enabled = on && initialize();
  set_conv2d_forward_override(g_enabled ? xnnpack_conv2d_forward : nullptr);
}
bool xnnpack_enabled() { return g_enabled; }

bool xnnpack_conv2d_forward(int threads, const ConvDims& d, const float* in, const float* filter, const float* bias,
                            Activation act, float* out) {
  if (!initialize() || (act != Activation::kLinear && act != Activation::kRelu)) return false;
  static std::vector<float> ohwi;  // grows to the largest filter, then is reused
  const size_t k = d.kernel_h * d.kernel_w * d.in_c;
  if (ohwi.size() < k * d.out_c) ohwi.resize(k * d.out_c);
  for (size_t i = 0; i < k; ++i)
    for (size_t o = 0; o < d.out_c; ++o) ohwi[o * k + i] = filter[i * d.out_c + o];
  const size_t pad_bottom = (d.out_h - 1) * d.stride_h + d.kernel_h > d.in_h + d.pad_top
                                ? (d.out_h - 1) * d.stride_h + d.kernel_h - d.in_h - d.pad_top
                                : 0;
  const size_t pad_right = (d.out_w - 1) * d.stride_w + d.kernel_w > d.in_w + d.pad_left
                               ? (d.out_w - 1) * d.stride_w + d.kernel_w - d.in_w - d.pad_left
                               : 0;
  const float lo = act == Activation::kRelu ? 0.0f : -std::numeric_limits<float>::infinity();
  xnn_operator_t op = nullptr;
  if (xnn_create_convolution2d_nhwc_f32(
          static_cast<uint32_t>(d.pad_top), static_cast<uint32_t>(pad_right), static_cast<uint32_t>(pad_bottom),
          static_cast<uint32_t>(d.pad_left), static_cast<uint32_t>(d.kernel_h), static_cast<uint32_t>(d.kernel_w),
          static_cast<uint32_t>(d.stride_h), static_cast<uint32_t>(d.stride_w), 1, 1, 1, d.in_c, d.out_c, d.in_c,
          d.out_c, ohwi.data(), bias, lo, std::numeric_limits<float>::infinity(), 0, &op) != xnn_status_success) {
    return false;
  }
  pthreadpool_t pool = pool_for(threads);
  bool ok = xnn_setup_convolution2d_nhwc_f32(op, d.batch, d.in_h, d.in_w, in, out, pool) == xnn_status_success &&
            xnn_run_operator(op, pool) == xnn_status_success;
  xnn_delete_operator(op);
  return ok;
}

#else

bool xnnpack_available() { return false; }
void set_xnnpack_enabled(bool) {}
bool xnnpack_enabled() { return false; }
bool xnnpack_conv2d_forward(int, const ConvDims&, const float*, const float*, const float*, Activation, float*) {
  return false;
}

#endif

}  // namespace nn
