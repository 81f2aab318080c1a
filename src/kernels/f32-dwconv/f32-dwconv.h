// Depthwise convolution microkernels for depth multiplier 1 (one filter per channel), NHWC,
// vectorized over channels. Each call handles `out_w` outputs along one row, every output
// reading the same nrows x kw window shape; ops/depthwise-conv2d.cpp splits rows and columns
// into the image interior (full windows, the 3x3 kernels) and borders (clipped windows, the
// generic kernels) so that no kernel tests a tap per element.
//
// Indexing (strides in elements, C = channels; tap (r, k) of output x):
//   input  in[r * in_row + x * in_x + k * C + c]
//   weight w[r * w_row + k * w_col + c]        (signed steps: negative ones flip the filter)
// Kernels read exactly the elements they index (channel tails use partial loads), never
// allocate, lock or throw. The list of ISAs is f32-dwconv.inc.
#pragma once

#include <cstddef>

#include "kernels/kernel-config.h"

namespace nn {

// out[x * C + c] = (accumulate ? out : 0) + (bias ? bias[c] : 0) + sum_{r < nrows, k < kw} in * w.
// The _3x3 variant requires nrows == kw == 3.
using DwconvUkernelFn = void (*)(size_t channels, size_t out_w, size_t nrows, size_t kw, const float* in,
                                 ptrdiff_t in_row, size_t in_x, const float* w, ptrdiff_t w_row, ptrdiff_t w_col,
                                 const float* bias, float* out, bool accumulate);

// Filter gradient: gw[r * gw_row + k * C + c] += sum_{x < out_w} in(r, k, x, c) * grad_out[x * C + c].
using DwconvBackwardFilterUkernelFn = void (*)(size_t channels, size_t out_w, size_t nrows, size_t kw, const float* in,
                                               ptrdiff_t in_row, size_t in_x, const float* grad_out, float* gw,
                                               size_t gw_row);

// Input gradient by scatter (strided convolutions):
//   gi[r * gi_row + x * gi_x + k * C + c] += grad_out[x * C + c] * w[r * w_row + k * C + c],
// x in increasing order (windows of neighbouring outputs may overlap).
using DwconvScatterUkernelFn = void (*)(size_t channels, size_t out_w, size_t nrows, size_t kw, const float* grad_out,
                                        const float* w, size_t w_row, float* gi, size_t gi_row, size_t gi_x);

struct DwconvConfig {
  DwconvUkernelFn conv_3x3;                           // 3x3 window, the 9 taps held in registers
  DwconvUkernelFn conv;                               // any window (and clipped border windows)
  DwconvBackwardFilterUkernelFn backward_filter_3x3;  // 9 accumulators in registers over a row
  DwconvBackwardFilterUkernelFn backward_filter;
  DwconvScatterUkernelFn scatter;
  Isa isa;
  const char* name;
};

// The fastest config of this build (first of f32-dwconv.inc), fixed at compile time.
const DwconvConfig& dwconv_config();
// Every config built into this binary (the scalar one included), for tests: count in *n.
const DwconvConfig* dwconv_configs(size_t* n);

#define NN_DWCONV_ISA(isa_enum, isa)                                                                                   \
  void nn_f32_dwconv_ukernel_3x3__##isa(size_t, size_t, size_t, size_t, const float*, ptrdiff_t, size_t, const float*, \
                                        ptrdiff_t, ptrdiff_t, const float*, float*, bool);                             \
  void nn_f32_dwconv_ukernel_generic__##isa(size_t, size_t, size_t, size_t, const float*, ptrdiff_t, size_t,           \
                                            const float*, ptrdiff_t, ptrdiff_t, const float*, float*, bool);           \
  void nn_f32_dwconv_backward_filter_ukernel_3x3__##isa(size_t, size_t, size_t, size_t, const float*, ptrdiff_t,       \
                                                        size_t, const float*, float*, size_t);                         \
  void nn_f32_dwconv_backward_filter_ukernel_generic__##isa(size_t, size_t, size_t, size_t, const float*, ptrdiff_t,   \
                                                            size_t, const float*, float*, size_t);                     \
  void nn_f32_dwconv_scatter_ukernel_generic__##isa(size_t, size_t, size_t, size_t, const float*, const float*,        \
                                                    size_t, float*, size_t, size_t);
#include "kernels/f32-dwconv/f32-dwconv.inc"
#undef NN_DWCONV_ISA

}  // namespace nn
