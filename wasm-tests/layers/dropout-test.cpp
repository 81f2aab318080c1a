// Dropout (Keras): finite-difference gradients, inverted scaling with a seed in training, the
// identity in inference, and a bad rate's error. Run: nn_tests_native -tc='Dropout*'
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "layers/layers.h"
#include "testing/grad-check.h"

using namespace nn;
using nn::testing::check_layer_gradients;

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
