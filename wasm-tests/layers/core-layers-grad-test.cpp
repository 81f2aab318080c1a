// Finite-difference gradient checks for every core layer on small odd shapes: stride 2, 'same'
// padding with odd totals, 1x1 kernels, each activation. To add a layer: add a case here.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "io/json.h"
#include "io/layer-config.h"
#include "layers/layers.h"
#include "testing/grad-check.h"
#include "testing/test-util.h"

using namespace nn;
using nn::testing::check_layer_gradients;
using nn::testing::GradCheckOptions;

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

NN_GRAD_CHECKED("MaxPooling2D");
TEST_CASE("MaxPooling2D gradients: valid, same with odd total, strides") {
  Pooling2D p2("p", PoolKind::kMax, {2, 2, 0, 0, Padding::kValid});
  const GradCheckOptions distinct{.distinct_inputs = true};
  CHECK(check_layer_gradients(p2, {Shape{5, 5, 3}}, distinct).ok());
  Pooling2D same("q", PoolKind::kMax, {2, 2, 0, 0, Padding::kSame});
  CHECK(check_layer_gradients(same, {Shape{5, 7, 2}}, distinct).ok());
  Pooling2D xception("x", PoolKind::kMax, {3, 3, 2, 2, Padding::kSame});
  CHECK(check_layer_gradients(xception, {Shape{7, 6, 2}}, distinct).ok());
}

NN_GRAD_CHECKED("AveragePooling2D");
TEST_CASE("AveragePooling2D gradients: valid, same (padding not counted), stride 1") {
  Pooling2D a("a", PoolKind::kAverage, {2, 2, 0, 0, Padding::kValid});
  CHECK(check_layer_gradients(a, {Shape{5, 4, 3}}).ok());
  Pooling2D b("b", PoolKind::kAverage, {3, 3, 2, 2, Padding::kSame});
  CHECK(check_layer_gradients(b, {Shape{6, 5, 2}}).ok());
  Pooling2D c("c", PoolKind::kAverage, {2, 2, 1, 1, Padding::kSame});
  CHECK(check_layer_gradients(c, {Shape{3, 3, 2}}).ok());
}

NN_GRAD_CHECKED("GlobalAveragePooling2D", "Flatten", "Rescaling");
TEST_CASE("GlobalAveragePooling2D, Flatten, Rescaling gradients") {
  GlobalAveragePooling2D gap("g");
  CHECK(check_layer_gradients(gap, {Shape{3, 5, 4}}).ok());
  Flatten flat("f");
  CHECK(check_layer_gradients(flat, {Shape{3, 2, 5}}).ok());
  Rescaling scale("r", 1.0f / 255.0f, 0.5f);
  CHECK(check_layer_gradients(scale, {Shape{3, 3, 2}}).ok());
}

NN_GRAD_CHECKED("Activation");
TEST_CASE("Activation layer gradients: every activation") {
  for (Activation a : {Activation::kLinear, Activation::kRelu, Activation::kRelu6, Activation::kSigmoid,
                       Activation::kTanh, Activation::kSoftmax}) {
    CAPTURE(activation_name(a));
    ActivationLayer layer("act", a);
    CHECK(check_layer_gradients(layer, {Shape{3, 2, 5}}).ok());
  }
}

TEST_CASE("relu6 clips to [0, 6], passes gradient only inside, and reads from Keras configs") {
  ActivationLayer layer("act", Activation::kRelu6);
  Shape out;
  NN_REQUIRE_OK(layer.build({Shape{6}}, &out));
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> x = {-1.0f, 0.0f, 2.5f, 6.0f, 7.5f, nan};
  std::vector<float> y(6), dx(6, 0.0f);
  const std::vector<float> dy(6, 1.0f);
  RunContext ctx;
  ctx.batch = 1;
  layer.forward(ctx, {x.data()}, y.data());
  CHECK(y[0] == 0.0f);
  CHECK(y[1] == 0.0f);
  CHECK(y[2] == 2.5f);
  CHECK(y[3] == 6.0f);
  CHECK(y[4] == 6.0f);
  CHECK(std::isnan(y[5]));
  layer.backward(ctx, {x.data()}, y.data(), dy.data(), {dx.data()});
  CHECK(dx == std::vector<float>({0.0f, 0.0f, 1.0f, 0.0f, 0.0f, 0.0f}));

  // Activation('relu6') and a fused activation: 'relu6', as TF.js-converted MobileNets write them.
  for (const char* cls : {"Activation", "Conv2D", "DepthwiseConv2D", "Dense"}) {
    CAPTURE(cls);
    JsonValue config;
    NN_REQUIRE_OK(
        parse_json(R"({"name": "l", "activation": "relu6", "units": 2, "filters": 2, "kernel_size": 1})", &config));
    std::unique_ptr<Layer> l;
    NN_REQUIRE_OK(layer_from_config(cls, config, &l));
    JsonValue written;
    NN_REQUIRE_OK(layer_to_config(*l, &written));
    CHECK(written.find("activation")->as_string() == "relu6");
  }
}

NN_GRAD_CHECKED("Add");
TEST_CASE("Add gradients: two and three inputs") {
  Add two("add2");
  CHECK(check_layer_gradients(two, {Shape{3, 3, 4}, Shape{3, 3, 4}}).ok());
  Add three("add3");
  CHECK(check_layer_gradients(three, {Shape{5}, Shape{5}, Shape{5}}).ok());
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
