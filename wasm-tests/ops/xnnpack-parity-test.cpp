// Parity of our forward convolution with Debian's XNNPACK on the seed models' layer shapes
// (native builds with -DNN_WITH_XNNPACK=ON; elsewhere the case checks that the route is off).
#include <doctest/doctest.h>

#include "ops/conv2d.h"
#include "ops/window.h"
#include "ops/xnnpack.h"
#include "testing/test-util.h"

using namespace nn;
using nn::testing::random_vector;
using nn::testing::relative_error;

TEST_CASE("XNNPACK forward convolution matches ours (when built with XNNPACK)") {
  if (!xnnpack_available()) {
    CHECK_FALSE(xnnpack_enabled());
    MESSAGE("built without XNNPACK: parity not checked here (configure with -DNN_WITH_XNNPACK=ON)");
    return;
  }
  struct Case {
    size_t h, ci, k, s, co;
    Padding p;
    Activation a;
  };
  const Case cases[] = {{16, 3, 3, 1, 32, Padding::kSame, Activation::kRelu},
                        {8, 32, 3, 1, 64, Padding::kSame, Activation::kRelu},
                        {9, 32, 1, 2, 64, Padding::kValid, Activation::kLinear},
                        {11, 8, 5, 1, 16, Padding::kValid, Activation::kLinear},
                        {7, 6, 3, 2, 5, Padding::kSame, Activation::kLinear}};
  for (const Case& c : cases) {
    Window1D w;
    REQUIRE(window_1d("t", "height", c.h, c.k, c.s, c.p, &w).is_ok());
    const ConvDims d{3,
                     c.h,
                     c.h,
                     c.ci,
                     c.k,
                     c.k,
                     c.s,
                     c.s,
                     size_t(w.pad_before),
                     size_t(w.pad_before),
                     size_t(w.out),
                     size_t(w.out),
                     c.co};
    auto in = random_vector(3 * c.h * c.h * c.ci, 1), f = random_vector(c.k * c.k * c.ci * c.co, 2);
    auto b = random_vector(c.co, 3);
    std::vector<float> ours(3 * w.out * w.out * c.co), theirs(ours.size());
    std::vector<float> ws(conv2d_workspace_floats(d, 2) + 16);
    set_xnnpack_enabled(false);
    conv2d_forward(nn::testing::test_pool(), d, in.data(), f.data(), b.data(), c.a, ours.data(), ws.data());
    set_xnnpack_enabled(true);
    conv2d_forward(nn::testing::test_pool(), d, in.data(), f.data(), b.data(), c.a, theirs.data(), ws.data());
    set_xnnpack_enabled(false);
    CAPTURE(c.h);
    CAPTURE(c.ci);
    CAPTURE(c.k);
    CAPTURE(c.s);
    CAPTURE(c.co);
    CHECK(relative_error(theirs, ours) < 1e-5);
  }
}
