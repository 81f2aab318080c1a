// The vectorized ReLU op against a plain loop: NaN kept, odd sizes (vector tails), backward
// adding into or overwriting dx. Run: nn_tests_native -tc='ReLU forward*'
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "ops/activation.h"
#include "testing/test-util.h"

using namespace nn;
using nn::testing::random_vector;

TEST_CASE("ReLU forward keeps NaN; backward passes dy where y > 0, adds or overwrites") {
  const size_t rows = 37, cols = 7;  // odd total: vector tails
  auto x = random_vector(rows * cols, 5);
  x[3] = std::nanf("");
  x[10] = 0.0f;
  std::vector<float> y(x.size());
  activation_forward(nullptr, Activation::kRelu, x.data(), y.data(), rows, cols);
  CHECK(std::isnan(y[3]));
  for (size_t i = 0; i < x.size(); ++i)
    if (i != 3) CHECK(y[i] == (x[i] < 0.0f ? 0.0f : x[i]));
  const auto dy = random_vector(x.size(), 6);
  for (bool accumulate : {false, true}) {
    CAPTURE(accumulate);
    auto dx = random_vector(x.size(), 7), ref = dx;
    for (size_t i = 0; i < x.size(); ++i) {
      const float g = y[i] > 0.0f ? dy[i] : 0.0f;  // NaN and 0 pass nothing
      ref[i] = accumulate ? ref[i] + g : g;
    }
    activation_backward(nn::testing::test_pool(), Activation::kRelu, y.data(), dy.data(), dx.data(), rows, cols,
                        accumulate);
    CHECK(dx == ref);
  }
}
