// Grad-CAM (Selvaraju et al. 2017): where a layer's HxWxC activations support a class, from the
// activations and the gradient of the class score at that layer. Pure math on raw buffers; the
// session runs the forward and backward passes that produce its inputs.
#pragma once

#include <cstddef>

namespace nn {

// For each of n samples: alpha_k = sum over positions of the gradient of channel k, the map is
// ReLU(sum_k alpha_k * a_k) / (h*w), scaled so its peak is 1 (all zeros stay zeros). Writes n
// maps of h*w floats to `out`; returns false when a map is not finite (NaN or inf activations).
bool grad_cam_maps(const float* activations, const float* gradients, int n, size_t hw, size_t channels, float* out);

}  // namespace nn
