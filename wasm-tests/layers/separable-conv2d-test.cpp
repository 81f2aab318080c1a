// SeparableConv2D (Keras): finite-difference gradients, strided with a depth multiplier, and
// the parameter count against Conv2D's. Run: nn_tests_native -tc='SeparableConv2D*'
#include <doctest/doctest.h>

#include "layers/layers.h"
#include "testing/grad-check.h"

using namespace nn;
using nn::testing::check_layer_gradients;

NN_GRAD_CHECKED("SeparableConv2D");
TEST_CASE("SeparableConv2D gradients, and the seed's parameter example") {
  SeparableConv2DOptions o;
  o.filters = 4;
  o.padding = Padding::kSame;
  o.activation = Activation::kRelu;
  SeparableConv2D layer("sep", o);
  CHECK(check_layer_gradients(layer, {Shape{5, 6, 3}}).ok());
  o.stride_h = o.stride_w = 2;
  o.depth_multiplier = 2;
  o.use_bias = false;
  o.activation = Activation::kLinear;
  SeparableConv2D strided("sep2", o);
  CHECK(check_layer_gradients(strided, {Shape{7, 5, 2}}).ok());

  // 3x3, 64 -> 64, no bias: 3*3*64 + 64*64 = 4,672 weights vs 36,864 for Conv2D.
  SeparableConv2DOptions s;
  s.filters = 64;
  s.padding = Padding::kSame;
  s.use_bias = false;
  SeparableConv2D sep("sep64", s);
  Conv2DOptions c;
  c.filters = 64;
  c.padding = Padding::kSame;
  c.use_bias = false;
  Conv2D conv("conv64", c);
  Shape out;
  REQUIRE(sep.build({Shape{16, 16, 64}}, &out).is_ok());
  REQUIRE(conv.build({Shape{16, 16, 64}}, &out).is_ok());
  CHECK(sep.count_params(true) == 4672);
  CHECK(conv.count_params(true) == 36864);
}
