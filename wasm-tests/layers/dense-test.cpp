// Dense (Keras): finite-difference gradient checks with relu and softmax, a rank-3 input and
// no bias. Run: nn_tests_native -tc='Dense*'
#include <doctest/doctest.h>

#include "layers/layers.h"
#include "testing/grad-check.h"

using namespace nn;
using nn::testing::check_layer_gradients;

NN_GRAD_CHECKED("Dense");
TEST_CASE("Dense gradients: relu, softmax, rank-3 input, no bias") {
  DenseOptions o;
  o.units = 5;
  o.activation = Activation::kRelu;
  Dense relu("d", o);
  CHECK(check_layer_gradients(relu, {Shape{7}}, {.batch = 3}).ok());
  o.activation = Activation::kSoftmax;
  Dense softmax("s", o);
  CHECK(check_layer_gradients(softmax, {Shape{4}}).ok());
  o.activation = Activation::kLinear;
  o.use_bias = false;
  Dense rows("r", o);
  CHECK(check_layer_gradients(rows, {Shape{2, 3, 4}}).ok());
}
