// Concatenate (Keras): finite-difference gradients and a shape-mismatch error. The one case also
// checks ZeroPadding2D, ReLU, LeakyReLU and Softmax, which have no test file of their own.
// Run: nn_tests_native -tc='Concatenate*'
#include <doctest/doctest.h>

#include <string>

#include "layers/layers.h"
#include "testing/grad-check.h"

using namespace nn;
using nn::testing::check_layer_gradients;

NN_GRAD_CHECKED("Concatenate", "ZeroPadding2D", "ReLU", "LeakyReLU", "Softmax");
TEST_CASE("Concatenate, ZeroPadding2D, ReLU, LeakyReLU and Softmax layers") {
  Concatenate cat2("cat");
  CHECK(check_layer_gradients(cat2, {Shape{3, 2, 4}, Shape{3, 2, 1}, Shape{3, 2, 3}}).ok());
  Shape out;
  Concatenate bad("cat_bad");
  CHECK(bad.build({Shape{3, 2, 4}, Shape{3, 3, 4}}, &out).code() == StatusCode::kShapeMismatch);
  ZeroPadding2D pad("pad", 1, 2, 0, 3);
  CHECK(check_layer_gradients(pad, {Shape{3, 2, 2}}).ok());
  REQUIRE(pad.build({Shape{3, 2, 2}}, &out).is_ok());
  CHECK(out == Shape({6, 5, 2}));
  ReLULayer relu6("relu6", {.max_value = 0.5f, .negative_slope = 0.1f, .threshold = -0.2f});
  CHECK(check_layer_gradients(relu6, {Shape{4, 5}}, {.distinct_inputs = true}).ok());
  ReLULayer leaky("leaky", {.negative_slope = 0.3f}, "LeakyReLU");
  CHECK(check_layer_gradients(leaky, {Shape{3, 3}}, {.distinct_inputs = true}).ok());
  CHECK(std::string(leaky.class_name()) == "LeakyReLU");
  ActivationLayer softmax("sm", Activation::kSoftmax, "Softmax");
  CHECK(check_layer_gradients(softmax, {Shape{2, 5}}).ok());
}
