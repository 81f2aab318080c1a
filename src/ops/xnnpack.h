// Optional route for forward convolution and dense layers through Debian's XNNPACK
// (libxnnpack-dev, the library our kernel style follows), for native builds configured with
// -DNN_WITH_XNNPACK=ON. It exists to compare our kernels with XNNPACK's on the same shapes
// (parity tests and the benchmark); training keeps using our kernels for the backward passes.
#pragma once

#include "kernels/kernels.h"
#include "ops/activation.h"

namespace nn {

// True when this build links XNNPACK and it initialized.
bool xnnpack_available();
// Routes conv2d_forward through XNNPACK while on (off by default; native builds only), by
// installing xnnpack_conv2d_forward as conv2d's forward override.
void set_xnnpack_enabled(bool on);
bool xnnpack_enabled();

// Runs the forward convolution with XNNPACK: filter (KH, KW, CI, CO) as Keras stores it, bias
// may be null, activation linear or relu. Returns false (doing nothing) when XNNPACK is not
// available or the case is not covered, so the caller falls back to our kernels.
bool xnnpack_conv2d_forward(int threads, const ConvDims& d, const float* in, const float* filter, const float* bias,
                            Activation act, float* out);

}  // namespace nn
