// Finite-difference gradient checks and known-number tests for the modern layers: batch
// normalization (training mode, through the batch statistics), depthwise and separable
// convolution, dropout, concatenate, zero padding, ReLU/LeakyReLU/Softmax layers.
#include <doctest/doctest.h>

#include <cmath>

#include "kernels/kernels.h"
#include "layers/layers.h"
#include "ops/depthwise-conv2d.h"
#include "ops/window.h"
#include "testing/grad-check.h"
#include "testing/test-util.h"

using namespace nn;
using nn::testing::check_layer_gradients;
using nn::testing::GradCheckOptions;
using nn::testing::random_vector;
using nn::testing::relative_error;

NN_GRAD_CHECKED("BatchNormalization");
TEST_CASE("BatchNormalization gradients in training mode (through batch mean and variance)") {
  BatchNormalization bn("bn", {});
  CHECK(check_layer_gradients(bn, {Shape{3, 5, 4}}, {.batch = 3}).ok());
  BatchNormalization no_affine("bn2", {.center = false, .scale = false});
  CHECK(check_layer_gradients(no_affine, {Shape{2, 3, 5}}).ok());
  BatchNormalization dense("bn3", {});
  CHECK(check_layer_gradients(dense, {Shape{6}}, {.batch = 5, .threads = false}).ok());
  BatchNormalization inference("bn4", {});
  CHECK(check_layer_gradients(inference, {Shape{3, 3, 4}}, {.training = false}).ok());
}

TEST_CASE("BatchNormalization follows Keras's moving-average rule and uses it in inference") {
  BatchNormalization bn("bn", {.momentum = 0.9f});
  Shape out;
  REQUIRE(bn.build({Shape{2}}, &out).is_ok());
  REQUIRE(bn.params().size() == 4);
  CHECK(bn.params()[2].name == "moving_mean");
  CHECK_FALSE(bn.params()[2].trainable);
  CHECK(bn.count_params(true) == 4);
  CHECK(bn.count_params(false) == 4);
  std::vector<float> gamma = {2.0f, 1.0f}, beta = {0.5f, 0.0f}, mm = {0.0f, 10.0f}, mv = {1.0f, 1.0f};
  std::vector<float*> ptrs = {gamma.data(), beta.data(), mm.data(), mv.data()};
  std::vector<float> ggrad(2), bgrad(2);
  for (size_t i = 0; i < 4; ++i) bn.params()[i].value = ptrs[i];
  bn.params()[0].grad = ggrad.data();
  bn.params()[1].grad = bgrad.data();
  // Channel 0 sees 1, 3, 5, 7 (mean 4, biased variance 5); channel 1 sees 10 four times.
  std::vector<float> x = {1, 10, 3, 10, 5, 10, 7, 10}, y(8), saved(4);
  std::vector<float> ws(bn.workspace_floats(4, 1));
  RunContext ctx;
  ctx.batch = 4;
  ctx.training = true;
  ctx.workspace = ws.data();
  ctx.saved = saved.data();
  bn.forward(ctx, {x.data()}, y.data());
  CHECK(mm[0] == doctest::Approx(0.9 * 0.0 + 0.1 * 4.0));
  CHECK(mv[0] == doctest::Approx(0.9 * 1.0 + 0.1 * 5.0));
  CHECK(mm[1] == doctest::Approx(0.9 * 10.0 + 0.1 * 10.0));
  CHECK(mv[1] == doctest::Approx(0.9 * 1.0 + 0.1 * 0.0));
  CHECK(y[0] == doctest::Approx((1.0 - 4.0) / std::sqrt(5.0 + 1e-3) * 2.0 + 0.5));
  CHECK(y[1] == doctest::Approx(0.0));
  // Inference normalizes with the moving averages instead.
  ctx.training = false;
  bn.forward(ctx, {x.data()}, y.data());
  CHECK(y[0] == doctest::Approx((1.0 - 0.4) / std::sqrt(1.4 + 1e-3) * 2.0 + 0.5));
  CHECK(y[1] == doctest::Approx((10.0 - 10.0) / std::sqrt(0.9 + 1e-3)));
}

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

NN_GRAD_CHECKED("Dropout");
TEST_CASE("Dropout: inverted scaling in training, identity in inference, gradients") {
  Dropout drop("drop", 0.5f);
  CHECK(check_layer_gradients(drop, {Shape{4, 5}}, {.batch = 3}).ok());
  Dropout inference("drop_inf", 0.5f);
  CHECK(check_layer_gradients(inference, {Shape{7}}, {.training = false}).ok());

  Dropout seeded("drop_seeded", 0.25f, true, 42);
  Shape out;
  REQUIRE(seeded.build({Shape{1000}}, &out).is_ok());
  std::vector<float> x(1000, 1.0f), y(1000), mask(1000);
  RunContext ctx;
  ctx.batch = 1;
  ctx.training = true;
  ctx.saved = mask.data();
  seeded.forward(ctx, {x.data()}, y.data());
  int zeros = 0;
  for (float v : y) {
    CHECK((v == 0.0f || v == doctest::Approx(1.0f / 0.75f)));
    zeros += v == 0.0f;
  }
  CHECK(zeros > 180);
  CHECK(zeros < 320);
  ctx.training = false;
  seeded.forward(ctx, {x.data()}, y.data());
  CHECK(y == x);
  Dropout bad("drop_bad", -0.1f);
  Status st = bad.build({Shape{4}}, &out);
  CHECK(st.code() == StatusCode::kInvalidArgument);
  CHECK(st.message().find("drop_bad") != std::string::npos);
  CHECK(st.message().find("-0.1") != std::string::npos);
}

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

TEST_CASE("BatchNormalization on a missing axis is a clear error") {
  Shape out;
  BatchNormalization missing("bn_axis", {.axis = 5});
  Status st = missing.build({Shape{8, 8, 3}}, &out);
  CHECK(st.code() == StatusCode::kInvalidArgument);
  CHECK(st.message().find("bn_axis") != std::string::npos);
  CHECK(st.message().find("axis 5") != std::string::npos);
  BatchNormalization height("bn_h", {.axis = 1});
  CHECK(height.build({Shape{8, 8, 3}}, &out).code() == StatusCode::kUnsupported);
  BatchNormalization last("bn_3", {.axis = 3});
  CHECK(last.build({Shape{8, 8, 3}}, &out).is_ok());
}
