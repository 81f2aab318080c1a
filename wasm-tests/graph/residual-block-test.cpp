// Graph: a residual block's input gradient is the sum of both paths; planning and shape checks.
#include <doctest/doctest.h>

#include <cmath>

#include "graph/model.h"
#include "layers/layers.h"
#include "testing/test-util.h"

using namespace nn;
using nn::testing::random_vector;
using nn::testing::relative_error;

namespace {

Conv2DOptions conv3(int64_t filters) {
  Conv2DOptions o;
  o.filters = filters;
  o.padding = Padding::kSame;
  o.activation = Activation::kRelu;
  return o;
}

// Input gradient of sum(output * r) for a model with a single path.
std::vector<float> input_gradient(Model& m, const std::vector<float>& x, const std::vector<float>& r, int n) {
  PlanOptions options;
  options.input_gradient = true;
  REQUIRE(m.plan(n, nn::testing::test_pool(), options).is_ok());
  const float* out = nullptr;
  REQUIRE(m.forward(x.data(), n, true, nullptr, &out).is_ok());
  m.backward(r.data(), n);
  const float* g = m.gradient(m.input_value());
  return std::vector<float>(g, g + x.size());
}

}  // namespace

TEST_CASE("a residual block's input gradient equals the sum of its two paths") {
  const int n = 2;
  const Shape in_shape{6, 5, 3};
  auto x = random_vector(n * in_shape.numel(), 11);
  auto r = random_vector(n * 6 * 5 * 3, 12);

  // Full block: y = conv(conv(x)) + x, same weights as the main path below.
  Model block("block");
  int in, a, b, y;
  REQUIRE(block.add_input("in", in_shape, &in).is_ok());
  REQUIRE(block.add_layer(std::make_unique<Conv2D>("c1", conv3(4)), {in}, &a).is_ok());
  REQUIRE(block.add_layer(std::make_unique<Conv2D>("c2", conv3(3)), {a}, &b).is_ok());
  REQUIRE(block.add_layer(std::make_unique<Add>("add"), {b, in}, &y).is_ok());
  REQUIRE(block.set_output(y).is_ok());
  REQUIRE(block.finalize(5).is_ok());

  Model main_path("main");
  int in2, a2, b2;
  REQUIRE(main_path.add_input("in", in_shape, &in2).is_ok());
  REQUIRE(main_path.add_layer(std::make_unique<Conv2D>("c1", conv3(4)), {in2}, &a2).is_ok());
  REQUIRE(main_path.add_layer(std::make_unique<Conv2D>("c2", conv3(3)), {a2}, &b2).is_ok());
  REQUIRE(main_path.set_output(b2).is_ok());
  REQUIRE(main_path.finalize(5).is_ok());  // same seed, same layer order: same weights
  REQUIRE(block.trainable_count() == main_path.trainable_count());
  for (int64_t i = 0; i < block.trainable_count(); ++i) REQUIRE(block.params()[i] == main_path.params()[i]);

  auto g_block = input_gradient(block, x, r, n);
  auto g_main = input_gradient(main_path, x, r, n);
  // The skip path is the identity, so its input gradient is r itself.
  std::vector<float> expected(g_main.size());
  for (size_t i = 0; i < expected.size(); ++i) expected[i] = g_main[i] + r[i];
  CHECK(relative_error(g_block, expected) < 1e-6);
  // And the main path alone is not zero (the check would be vacuous otherwise).
  double norm = 0;
  for (float v : g_main) norm += std::fabs(v);
  CHECK(norm > 1e-3);
}

TEST_CASE("graph errors: Add shape mismatch, duplicate names, bad batch shape") {
  Model m("m");
  int in, a, b, y;
  REQUIRE(m.add_input("in", Shape{16, 16, 3}, &in).is_ok());
  REQUIRE(m.add_layer(std::make_unique<Conv2D>("c32", conv3(32)), {in}, &a).is_ok());
  REQUIRE(m.add_layer(std::make_unique<Conv2D>("c64", conv3(64)), {in}, &b).is_ok());
  Status st = m.add_layer(std::make_unique<Add>("add"), {a, b}, &y);
  CHECK(st.code() == StatusCode::kShapeMismatch);
  CHECK(st.message() ==
        "Add 'add': input 1 has shape 16x16x64 but input 0 has shape 16x16x32: "
        "all inputs of Add must have the same shape");
  st = m.add_layer(std::make_unique<Conv2D>("c32", conv3(8)), {in}, &y);
  CHECK(st.code() == StatusCode::kInvalidArgument);
  CHECK(st.message().find("unique") != std::string::npos);
  REQUIRE(m.set_output(a).is_ok());
  REQUIRE(m.finalize(1).is_ok());
  CHECK(m.check_batch_shape(Shape{4, 16, 16, 3}).is_ok());
  st = m.check_batch_shape(Shape{4, 28, 28, 1});
  CHECK(st.code() == StatusCode::kShapeMismatch);
  CHECK(st.message() == "input batch has shape 4x28x28x1 but model 'm' expects Nx16x16x3 (N samples of 16x16x3)");
  REQUIRE(m.plan(2, nullptr).is_ok());
  std::vector<float> x(3 * 16 * 16 * 3);
  const float* out = nullptr;
  CHECK(m.forward(x.data(), 3, false, nullptr, &out).code() == StatusCode::kInvalidArgument);
}
