// Add (Keras): finite-difference gradients with two and three inputs. Its shape-mismatch error
// is checked in conv2d-test.cpp's "layer configs that break a rule" case.
// Run: nn_tests_native -tc='Add*'
#include <doctest/doctest.h>

#include "layers/layers.h"
#include "testing/grad-check.h"

using namespace nn;
using nn::testing::check_layer_gradients;

NN_GRAD_CHECKED("Add");
TEST_CASE("Add gradients: two and three inputs") {
  Add two("add2");
  CHECK(check_layer_gradients(two, {Shape{3, 3, 4}, Shape{3, 3, 4}}).ok());
  Add three("add3");
  CHECK(check_layer_gradients(three, {Shape{5}, Shape{5}, Shape{5}}).ok());
}
