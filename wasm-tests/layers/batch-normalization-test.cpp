// BatchNormalization (Keras): finite-difference gradients in training mode (through the batch
// statistics) and inference, Keras's moving-average rule with known numbers, and axis errors.
// The vectorized ops underneath: ops/batchnorm-test.cpp. Run: nn_tests_native -tc='BatchNormalization*'
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "layers/layers.h"
#include "testing/grad-check.h"

using namespace nn;
using nn::testing::check_layer_gradients;

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
