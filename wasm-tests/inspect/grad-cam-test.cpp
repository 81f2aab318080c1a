// Grad-CAM maps against a hand-worked case: channel weights are the summed gradients, the map
// is the ReLU of the weighted sum over channels divided by h*w, scaled to a peak of 1.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "inspect/grad-cam.h"

using nn::grad_cam_maps;

TEST_CASE("grad-cam: weights from summed gradients, ReLU, peak scaled to 1, per sample") {
  // 2 positions x 2 channels, two samples. Sample 0: alpha = (1+1, -1+0) = (2, -1);
  // position 0: 2*3 - 1*1 = 5, position 1: 2*1 - 1*4 = -2 -> ReLU 0; peak-scaled: (1, 0).
  const std::vector<float> a = {3, 1, 1, 4, /* sample 1 */ 1, 1, 2, 2};
  const std::vector<float> g = {1, -1, 1, 0, /* sample 1 */ 0, 0, 0, 0};
  std::vector<float> out(4, -1.0f);
  REQUIRE(grad_cam_maps(a.data(), g.data(), 2, 2, 2, out.data()));
  CHECK(out[0] == doctest::Approx(1.0f));
  CHECK(out[1] == 0.0f);
  // Sample 1 has no gradient: an all-zero map, not NaN.
  CHECK(out[2] == 0.0f);
  CHECK(out[3] == 0.0f);
}

TEST_CASE("grad-cam: a non-finite map is reported") {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> a = {inf, 1};
  const std::vector<float> g = {1, 1};
  std::vector<float> out(1);
  CHECK_FALSE(grad_cam_maps(a.data(), g.data(), 1, 1, 2, out.data()));
}
