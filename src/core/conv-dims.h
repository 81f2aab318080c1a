// The geometry of one 2-D window operation over NHWC data (convolution, depthwise convolution,
// pooling): sizes, strides and padding, resolved to output sizes. Plain data shared by the
// kernels, the ops and the layers that configure them.
#pragma once

#include <cstddef>

namespace nn {

struct ConvDims {
  size_t batch;
  size_t in_h, in_w, in_c;
  size_t kernel_h, kernel_w;
  size_t stride_h, stride_w;
  size_t pad_top, pad_left;  // pad_bottom/right are implied by out_h/out_w
  size_t out_h, out_w, out_c;
};

}  // namespace nn
