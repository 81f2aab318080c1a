// Window arithmetic (ops/window.cpp) shared by convolution and pooling: Keras's output sizes
// and padding, 'same' putting the odd padding at the bottom/right, and too-small inputs.
// Run: nn_tests_native -tc='window*'
#include <doctest/doctest.h>

#include "ops/window.h"

using namespace nn;

TEST_CASE("window arithmetic follows Keras: 'same' puts the odd padding at the bottom/right") {
  Window1D w;
  REQUIRE(window_1d("t", "height", 6, 3, 2, Padding::kSame, &w).is_ok());
  CHECK(w.out == 3);
  CHECK(w.pad_before == 0);
  CHECK(w.pad_after == 1);
  REQUIRE(window_1d("t", "height", 5, 3, 2, Padding::kSame, &w).is_ok());
  CHECK(w.out == 3);
  CHECK(w.pad_before == 1);
  CHECK(w.pad_after == 1);
  REQUIRE(window_1d("t", "height", 180, 5, 1, Padding::kValid, &w).is_ok());
  CHECK(w.out == 176);
  REQUIRE(window_1d("t", "height", 32, 2, 2, Padding::kSame, &w).is_ok());
  CHECK(w.out == 16);
  CHECK(window_1d("t", "height", 2, 3, 1, Padding::kValid, &w).code() == StatusCode::kShapeMismatch);
}
