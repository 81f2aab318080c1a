// Activation (Keras; ActivationLayer): finite-difference gradients of every activation, and
// relu6's clipping, gradient mask and config round trip. The vectorized ops underneath:
// ops/activation-test.cpp. Run: nn_tests_native -tc='Activation*,relu6*'
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "io/json.h"
#include "io/layer-config.h"
#include "layers/layers.h"
#include "testing/grad-check.h"
#include "testing/test-util.h"

using namespace nn;
using nn::testing::check_layer_gradients;

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
