// Conv2D (Keras): finite-difference gradient checks on small odd shapes (stride 2, 'same' padding
// with odd totals, 1x1 kernels, each activation), and build errors that name the layer.
// The im2col + GEMM ops underneath: ops/conv2d-test.cpp. Run: nn_tests_native -tc='Conv2D*'
#include <doctest/doctest.h>

#include <string>

#include "layers/layers.h"
#include "testing/grad-check.h"

using namespace nn;
using nn::testing::check_layer_gradients;

namespace {

Conv2DOptions conv(int64_t filters, int64_t k, int64_t stride, Padding padding, Activation act, bool bias = true) {
  Conv2DOptions o;
  o.filters = filters;
  o.kernel_h = o.kernel_w = k;
  o.stride_h = o.stride_w = stride;
  o.padding = padding;
  o.activation = act;
  o.use_bias = bias;
  return o;
}

}  // namespace

NN_GRAD_CHECKED("Conv2D");
TEST_CASE("Conv2D gradients: 3x3 valid, stride 1, linear") {
  Conv2D layer("c", conv(4, 3, 1, Padding::kValid, Activation::kLinear));
  CHECK(check_layer_gradients(layer, {Shape{5, 7, 3}}).ok());
}

TEST_CASE("Conv2D gradients: 3x3 same, stride 2, odd padding total, relu") {
  // in 6 -> out 3: total padding (3-1)*2 + 3 - 6 = 1, all of it at the bottom/right.
  Conv2D layer("c", conv(3, 3, 2, Padding::kSame, Activation::kRelu));
  CHECK(check_layer_gradients(layer, {Shape{6, 6, 2}}, {.batch = 3}).ok());
}

TEST_CASE("Conv2D gradients: 3x3 same, stride 2, odd input, tanh, no bias") {
  Conv2D layer("c", conv(5, 3, 2, Padding::kSame, Activation::kTanh, false));
  CHECK(check_layer_gradients(layer, {Shape{7, 5, 3}}).ok());
}

TEST_CASE("Conv2D gradients: 1x1 stride 1 (pointwise path), sigmoid") {
  Conv2D layer("c", conv(4, 1, 1, Padding::kValid, Activation::kSigmoid));
  CHECK(check_layer_gradients(layer, {Shape{3, 5, 6}}).ok());
}

TEST_CASE("Conv2D gradients: 1x1 stride 2 (residual projection), serial") {
  Conv2D layer("c", conv(4, 1, 2, Padding::kValid, Activation::kLinear));
  CHECK(check_layer_gradients(layer, {Shape{5, 5, 3}}, {.threads = false}).ok());
}

TEST_CASE("Conv2D gradients: 5x5 valid stride 1, 2x3 rectangular kernel same, softmax") {
  Conv2D big("c5", conv(2, 5, 1, Padding::kValid, Activation::kLinear));
  CHECK(check_layer_gradients(big, {Shape{7, 6, 2}}).ok());
  Conv2DOptions o = conv(3, 1, 1, Padding::kSame, Activation::kSoftmax);
  o.kernel_h = 2;
  o.kernel_w = 3;
  Conv2D rect("c23", o);
  CHECK(check_layer_gradients(rect, {Shape{5, 4, 2}}).ok());
}

TEST_CASE("layer configs that break a rule give errors naming the layer") {
  Shape out;
  Conv2D zero("conv_zero", conv(0, 3, 1, Padding::kValid, Activation::kLinear));
  Status st = zero.build({Shape{8, 8, 3}}, &out);
  CHECK(st.code() == StatusCode::kInvalidArgument);
  CHECK(st.message().find("conv_zero") != std::string::npos);
  CHECK(st.message().find("filters") != std::string::npos);

  Conv2D too_big("conv_big", conv(4, 5, 1, Padding::kValid, Activation::kLinear));
  st = too_big.build({Shape{3, 3, 1}}, &out);
  CHECK(st.code() == StatusCode::kShapeMismatch);
  CHECK(st.message().find("smaller than the window") != std::string::npos);

  Conv2D rank("conv_rank", conv(4, 3, 1, Padding::kValid, Activation::kLinear));
  CHECK(rank.build({Shape{10}}, &out).code() == StatusCode::kShapeMismatch);

  Add add("add_bad");
  st = add.build({Shape{16, 16, 32}, Shape{16, 16, 64}}, &out);
  CHECK(st.code() == StatusCode::kShapeMismatch);
  CHECK(st.message().find("16x16x64") != std::string::npos);
  CHECK(st.message().find("16x16x32") != std::string::npos);

  DenseOptions d;
  d.units = 0;
  Dense dense("dense0", d);
  CHECK(dense.build({Shape{4}}, &out).code() == StatusCode::kInvalidArgument);
}
