// DepthwiseConv2D (Keras): finite-difference gradients with depth multipliers 1 and 2, and the
// op's forward against the reference loops on one shape. The ops over all shapes:
// ops/depthwise-conv2d-test.cpp. Run: nn_tests_native -tc='DepthwiseConv2D*'
#include <doctest/doctest.h>

#include <vector>

#include "kernels/kernels.h"
#include "layers/layers.h"
#include "ops/depthwise-conv2d.h"
#include "testing/grad-check.h"
#include "testing/test-util.h"

using namespace nn;
using nn::testing::check_layer_gradients;
using nn::testing::random_vector;
using nn::testing::relative_error;

NN_GRAD_CHECKED("DepthwiseConv2D");
TEST_CASE("DepthwiseConv2D matches the reference and its gradients check") {
  for (int64_t dm : {1, 2}) {
    DepthwiseConv2DOptions o;
    o.depth_multiplier = dm;
    o.padding = Padding::kSame;
    o.stride_h = o.stride_w = 2;
    DepthwiseConv2D layer("dw", o);
    CHECK(check_layer_gradients(layer, {Shape{6, 5, 3}}).ok());
  }
  DepthwiseConv2DOptions relu;
  relu.activation = Activation::kRelu;
  relu.use_bias = false;
  DepthwiseConv2D layer("dw_relu", relu);
  CHECK(check_layer_gradients(layer, {Shape{5, 7, 4}}, {.batch = 3}).ok());

  const ConvDims d{2, 7, 6, 3, 3, 3, 2, 1, 1, 1, 4, 6, 6};  // same padding, stride (2, 1), DM 2
  auto in = random_vector(2 * 7 * 6 * 3, 1), filter = random_vector(9 * 6, 2), bias = random_vector(6, 3);
  std::vector<float> out(2 * 4 * 6 * 6), ref(out.size());
  depthwise_conv2d_forward(nn::testing::test_pool(), d, in.data(), filter.data(), bias.data(), out.data());
  nn_f32_dwconv_forward__reference(d, in.data(), filter.data(), bias.data(), ref.data());
  CHECK(relative_error(out, ref) < 1e-6);
}
