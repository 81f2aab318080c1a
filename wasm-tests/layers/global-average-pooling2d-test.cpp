// GlobalAveragePooling2D (Keras): finite-difference gradient check. The one case also checks
// Flatten and Rescaling, which have no test file of their own.
// Run: nn_tests_native -tc='GlobalAveragePooling2D*'
#include <doctest/doctest.h>

#include "layers/layers.h"
#include "testing/grad-check.h"

using namespace nn;
using nn::testing::check_layer_gradients;

NN_GRAD_CHECKED("GlobalAveragePooling2D", "Flatten", "Rescaling");
TEST_CASE("GlobalAveragePooling2D, Flatten, Rescaling gradients") {
  GlobalAveragePooling2D gap("g");
  CHECK(check_layer_gradients(gap, {Shape{3, 5, 4}}).ok());
  Flatten flat("f");
  CHECK(check_layer_gradients(flat, {Shape{3, 2, 5}}).ok());
  Rescaling scale("r", 1.0f / 255.0f, 0.5f);
  CHECK(check_layer_gradients(scale, {Shape{3, 3, 2}}).ok());
}
