// Optimizers (optim/optimizer.cpp: SGD with momentum and Nesterov, RMSprop, Adam) against
// hand-computed Keras updates. Run: nn_tests_native -tc='optimizers*'
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "optim/optimizer.h"

using namespace nn;
using doctest::Approx;

TEST_CASE("optimizers follow Keras's update rules") {
  std::vector<float> w = {1.0f, -2.0f}, g = {0.5f, -1.0f};
  SUBCASE("SGD") {
    Optimizer opt;
    REQUIRE(opt.init({OptimizerKind::kSGD}, 2).is_ok());
    opt.step(nullptr, w.data(), g.data());
    CHECK(w[0] == Approx(1.0 - 0.01 * 0.5));
    CHECK(w[1] == Approx(-2.0 + 0.01));
  }
  SUBCASE("SGD with Nesterov momentum, two steps") {
    Optimizer opt;
    OptimizerOptions o{OptimizerKind::kSGD, 0.1f, 0.9f, true};
    REQUIRE(opt.init(o, 2).is_ok());
    opt.step(nullptr, w.data(), g.data());
    // v1 = -0.1*0.5 = -0.05; w += 0.9*v1 - 0.1*0.5 = -0.095
    CHECK(w[0] == Approx(1.0 - 0.095));
    opt.step(nullptr, w.data(), g.data());
    // v2 = 0.9*(-0.05) - 0.05 = -0.095; w += 0.9*v2 - 0.05 = -0.1355
    CHECK(w[0] == Approx(1.0 - 0.095 - 0.1355));
  }
  SUBCASE("RMSprop") {
    Optimizer opt;
    REQUIRE(opt.init({OptimizerKind::kRMSprop}, 2).is_ok());
    opt.step(nullptr, w.data(), g.data());
    const double a = 0.1 * 0.25;
    CHECK(w[0] == Approx(1.0 - 0.001 * 0.5 / (std::sqrt(a) + 1e-7)));
  }
  SUBCASE("Adam: the first step moves each weight by about lr") {
    Optimizer opt;
    REQUIRE(opt.init({OptimizerKind::kAdam}, 2).is_ok());
    opt.step(nullptr, w.data(), g.data());
    CHECK(w[0] == Approx(1.0 - 0.001).epsilon(1e-5));
    CHECK(w[1] == Approx(-2.0 + 0.001).epsilon(1e-5));
    CHECK(opt.iterations() == 1);
  }
  SUBCASE("bad options are rejected") {
    Optimizer opt;
    OptimizerOptions o{OptimizerKind::kSGD, 0.1f, 1.5f};
    CHECK(opt.init(o, 2).code() == StatusCode::kInvalidArgument);
  }
}
