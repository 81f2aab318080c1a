// Grad-CAM maps (see grad-cam.h). Sums in double: a layer may hold thousands of positions.
#include "inspect/grad-cam.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace nn {

bool grad_cam_maps(const float* activations, const float* gradients, int n, size_t hw, size_t channels, float* out) {
  std::vector<double> alpha(channels);
  for (int i = 0; i < n; ++i) {
    const float* a = activations + static_cast<size_t>(i) * hw * channels;
    const float* g = gradients + static_cast<size_t>(i) * hw * channels;
    std::fill(alpha.begin(), alpha.end(), 0.0);
    for (size_t p = 0; p < hw; ++p)
      for (size_t k = 0; k < channels; ++k) alpha[k] += g[p * channels + k];
    float* cam = out + static_cast<size_t>(i) * hw;
    float peak = 0.0f;
    for (size_t p = 0; p < hw; ++p) {
      double sum = 0.0;
      for (size_t k = 0; k < channels; ++k) sum += alpha[k] * a[p * channels + k];
      cam[p] = std::max(0.0f, static_cast<float>(sum / static_cast<double>(hw)));
      peak = std::max(peak, cam[p]);
    }
    if (!std::isfinite(peak)) return false;
    if (peak > 0.0f)
      for (size_t p = 0; p < hw; ++p) cam[p] /= peak;
  }
  return true;
}

}  // namespace nn
