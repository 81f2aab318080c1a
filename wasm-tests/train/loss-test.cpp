// Losses (train/loss.cpp) against known Keras values and finite differences, label checks,
// and accuracy (train/metrics.cpp). Optimizers: optim/optimizer-test.cpp.
// Run: nn_tests_native -tc='*cross-entropy*,label checks*'
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "train/loss.h"
#include "train/metrics.h"

using namespace nn;
using doctest::Approx;

namespace {

// Central differences of the mean loss with respect to each prediction.
void check_loss_gradient(const LossOptions& o, std::vector<float> pred, const std::vector<float>& y, size_t n,
                         size_t dim) {
  std::vector<float> g(pred.size());
  loss_forward_backward(o, pred.data(), y.data(), n, dim, g.data());
  for (size_t i = 0; i < pred.size(); ++i) {
    const float saved = pred[i], eps = 1e-3f;
    pred[i] = saved + eps;
    double plus = loss_forward_backward(o, pred.data(), y.data(), n, dim, nullptr);
    pred[i] = saved - eps;
    double minus = loss_forward_backward(o, pred.data(), y.data(), n, dim, nullptr);
    pred[i] = saved;
    CAPTURE(i);
    CHECK(g[i] == Approx((plus - minus) / (2 * eps)).epsilon(2e-3).scale(1.0));
  }
}

}  // namespace

TEST_CASE("binary cross-entropy: Keras values, clipping and gradients") {
  LossOptions o{LossKind::kBinaryCrossentropy, false};
  float p = 0.5f, y = 1.0f;
  CHECK(loss_forward_backward(o, &p, &y, 1, 1, nullptr) == Approx(std::log(2.0)));
  // Clipped at eps = 1e-7: -log(1e-7) = 16.118
  float zero = 0.0f;
  CHECK(loss_forward_backward(o, &zero, &y, 1, 1, nullptr) == Approx(16.1181).epsilon(1e-4));
  float g = 1.0f;
  loss_forward_backward(o, &zero, &y, 1, 1, &g);
  CHECK(g == 0.0f);  // the clip is active: no gradient, as in Keras
  check_loss_gradient(o, {0.2f, 0.7f, 0.9f, 0.4f}, {0.0f, 1.0f, 1.0f, 0.0f}, 2, 2);
  LossOptions logits{LossKind::kBinaryCrossentropy, true};
  float z = 0.0f;
  CHECK(loss_forward_backward(logits, &z, &y, 1, 1, nullptr) == Approx(std::log(2.0)));
  check_loss_gradient(logits, {-2.0f, 0.5f, 3.0f}, {0.0f, 1.0f, 0.0f}, 3, 1);
}

TEST_CASE("categorical and sparse categorical cross-entropy") {
  LossOptions cat_o{LossKind::kCategoricalCrossentropy, false};
  std::vector<float> p = {0.2f, 0.3f, 0.5f, 0.6f, 0.3f, 0.1f};
  std::vector<float> y = {0, 0, 1, 1, 0, 0};
  const double expected = -(std::log(0.5) + std::log(0.6)) / 2;
  CHECK(loss_forward_backward(cat_o, p.data(), y.data(), 2, 3, nullptr) == Approx(expected));
  check_loss_gradient(cat_o, p, y, 2, 3);
  LossOptions sparse{LossKind::kSparseCategoricalCrossentropy, false};
  std::vector<float> labels = {2, 0};
  CHECK(loss_forward_backward(sparse, p.data(), labels.data(), 2, 3, nullptr) == Approx(expected));
  check_loss_gradient(sparse, p, labels, 2, 3);
  LossOptions logits{LossKind::kSparseCategoricalCrossentropy, true};
  check_loss_gradient(logits, {1.0f, -0.5f, 2.0f, 0.1f, 0.2f, -1.0f}, labels, 2, 3);
  LossOptions cat_logits{LossKind::kCategoricalCrossentropy, true};
  check_loss_gradient(cat_logits, {1.0f, -0.5f, 2.0f, 0.1f, 0.2f, -1.0f}, y, 2, 3);
  LossOptions mse{LossKind::kMeanSquaredError, false};
  check_loss_gradient(mse, {1.0f, -0.5f, 2.0f, 0.1f}, {0.0f, 1.0f, 2.0f, 3.0f}, 2, 2);
}

TEST_CASE("label checks and accuracy") {
  std::vector<float> bad = {0.0f, 3.0f};
  Status st = check_labels(LossKind::kSparseCategoricalCrossentropy, bad.data(), 2, 3);
  CHECK(st.code() == StatusCode::kInvalidArgument);
  CHECK(st.message().find("label 1 is 3") != std::string::npos);
  std::vector<float> nan = {std::nanf("")};
  CHECK_FALSE(check_labels(LossKind::kBinaryCrossentropy, nan.data(), 1, 1).is_ok());
  std::vector<float> pred = {0.9f, 0.2f, 0.6f}, y = {1.0f, 1.0f, 1.0f};
  CHECK(count_correct({LossKind::kBinaryCrossentropy, false}, pred.data(), y.data(), 3, 1) == Approx(2.0));
  std::vector<float> probs = {0.1f, 0.7f, 0.2f, 0.5f, 0.4f, 0.1f}, labels = {1, 1};
  CHECK(count_correct({LossKind::kSparseCategoricalCrossentropy, false}, probs.data(), labels.data(), 2, 3) ==
        Approx(1.0));
}
