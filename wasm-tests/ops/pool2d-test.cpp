// The vectorized max-pool op against plain loops written here: odd sizes, channel counts that
// cross vector and block edges, 'same' and 'valid' windows, ties, NaN handling; identical
// results with 1 and 4 threads. Run: nn_tests_native -tc='max pooling*'
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "ops/pool2d.h"
#include "ops/window.h"
#include "testing/test-util.h"

using namespace nn;
using nn::testing::random_vector;
using nn::testing::relative_error;

namespace {

ConvDims pool_dims(size_t n, size_t h, size_t w, size_t c, size_t k, size_t s, Padding p) {
  Window1D wh, ww;
  REQUIRE(window_1d("test", "height", h, k, s, p, &wh).is_ok());
  REQUIRE(window_1d("test", "width", w, k, s, p, &ww).is_ok());
  return ConvDims{n, h, w, c, k, k, s, s, size_t(wh.pad_before), size_t(ww.pad_before), size_t(wh.out), size_t(ww.out),
                  c};
}

// Plain max pooling: the first maximum of each clipped window takes the gradient.
void max_pool_reference(const ConvDims& d, const float* in, const float* grad_out, float* out, float* grad_in) {
  for (size_t n = 0; n < d.batch; ++n)
    for (size_t oy = 0; oy < d.out_h; ++oy)
      for (size_t ox = 0; ox < d.out_w; ++ox)
        for (size_t c = 0; c < d.in_c; ++c) {
          float best = -std::numeric_limits<float>::infinity();
          long at = -1;
          for (size_t ky = 0; ky < d.kernel_h; ++ky)
            for (size_t kx = 0; kx < d.kernel_w; ++kx) {
              const long y = long(oy * d.stride_h + ky) - long(d.pad_top);
              const long x = long(ox * d.stride_w + kx) - long(d.pad_left);
              if (y < 0 || x < 0 || y >= long(d.in_h) || x >= long(d.in_w)) continue;
              const long i = ((long(n) * long(d.in_h) + y) * long(d.in_w) + x) * long(d.in_c) + long(c);
              if (at < 0 || in[i] > best) {
                best = in[i];
                at = i;
              }
            }
          const size_t o = ((n * d.out_h + oy) * d.out_w + ox) * d.in_c + c;
          out[o] = best;
          grad_in[at] += grad_out[o];
        }
}

}  // namespace

TEST_CASE("max pooling matches plain loops; 1 and 4 threads agree") {
  ThreadPool one(1), four(4);
  struct Case {
    size_t h, w, k, s;
  };
  const Case cases[] = {{7, 9, 3, 2}, {6, 6, 2, 2}, {5, 7, 3, 1}, {1, 5, 1, 1}, {8, 5, 3, 3}};
  for (const Case& k : cases)
    for (Padding p : {Padding::kSame, Padding::kValid})
      for (size_t c : {1, 3, 5, 17, 70}) {
        if (p == Padding::kValid && (k.k > k.h || k.k > k.w)) continue;
        CAPTURE(k.h);
        CAPTURE(k.w);
        CAPTURE(k.k);
        CAPTURE(k.s);
        CAPTURE(p == Padding::kSame);
        CAPTURE(c);
        const ConvDims d = pool_dims(3, k.h, k.w, c, k.k, k.s, p);
        auto in = random_vector(d.batch * k.h * k.w * c, 1);
        // Repeated values: ties go to the first tap.
        for (size_t i = 0; i < in.size(); i += 5) in[i] = 0.5f;
        const auto go = random_vector(d.batch * d.out_h * d.out_w * c, 2);
        std::vector<float> out(go.size()), ref_out(go.size());
        auto gin = random_vector(in.size(), 3), ref_gin = gin;
        max_pool_reference(d, in.data(), go.data(), ref_out.data(), ref_gin.data());
        max_pool2d_forward(&one, d, in.data(), out.data());
        max_pool2d_backward(&one, d, in.data(), go.data(), gin.data());
        CHECK(out == ref_out);
        CHECK(relative_error(gin, ref_gin) < 1e-6);
        std::vector<float> out4(go.size());
        auto gin4 = random_vector(in.size(), 3);
        max_pool2d_forward(&four, d, in.data(), out4.data());
        max_pool2d_backward(&four, d, in.data(), go.data(), gin4.data());
        CHECK(out4 == out);
        CHECK(gin4 == gin);
      }
}

TEST_CASE("max pooling keeps a NaN anywhere in the window") {
  const ConvDims d = pool_dims(1, 4, 4, 5, 2, 2, Padding::kValid);
  auto in = random_vector(4 * 4 * 5, 4);
  in[(1 * 4 + 1) * 5 + 2] = std::nanf("");  // pixel (1, 1), channel 2: window (0, 0)
  in[(0 * 4 + 2) * 5 + 4] = std::nanf("");  // pixel (0, 2), channel 4: first tap of window (0, 1)
  std::vector<float> out(2 * 2 * 5);
  max_pool2d_forward(nullptr, d, in.data(), out.data());
  for (size_t i = 0; i < out.size(); ++i) {
    const bool nan_expected = i == 2 || i == 5 + 4;
    CAPTURE(i);
    CHECK(std::isnan(out[i]) == nan_expected);
  }
}
