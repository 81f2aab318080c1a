// Training end to end: seed model A, read from the TF.js model.json, overfits one small batch
// (loss falls toward 0); fit/evaluate/predict agree; a NaN loss stops training with the step.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>

#include "io/model-json.h"
#include "testing/test-util.h"
#include "train/trainer.h"

using namespace nn;
using nn::testing::fixture_path;
using nn::testing::test_pool;

namespace {

std::unique_ptr<Model> load_finalized(const std::string& file, uint64_t seed) {
  std::unique_ptr<Model> model;
  Status st = load_model_json(fixture_path(file), &model);
  INFO(st.message());
  REQUIRE(st.is_ok());
  REQUIRE(model->finalize(seed).is_ok());
  return model;
}

// Pixel-like inputs in [0, 255] (the model rescales by 1/255) and alternating labels.
void make_batch(const Model& m, int n, uint64_t seed, std::vector<float>* x, std::vector<float>* y) {
  *x = nn::testing::random_vector(static_cast<size_t>(n) * m.input_shape().numel(), seed, 0.0f, 255.0f);
  y->resize(n);
  for (int i = 0; i < n; ++i) (*y)[i] = static_cast<float>(i % 2);
}

}  // namespace

TEST_CASE("seed model A (32x32x3, from model.json) overfits one batch") {
  auto model = load_finalized("model-a.json", 3);
  Trainer trainer(model.get(), test_pool(), 1);
  CompileOptions options;
  options.loss.kind = LossKind::kBinaryCrossentropy;
  options.optimizer.kind = OptimizerKind::kAdam;
  NN_REQUIRE_OK(trainer.compile(options));
  const int n = 4;
  std::vector<float> x, y;
  make_batch(*model, n, 7, &x, &y);
  StepResult first, last;
  NN_REQUIRE_OK(trainer.train_on_batch(x.data(), y.data(), n, &first));
  last = first;
  for (int step = 0; step < 40 && last.loss > 0.01; ++step)
    NN_REQUIRE_OK(trainer.train_on_batch(x.data(), y.data(), n, &last));
  MESSAGE("model A overfit: first loss ", first.loss, ", last loss ", last.loss, " after ", trainer.steps(), " steps");
  CHECK(first.loss > 0.3);
  CHECK(last.loss < 0.05);
  CHECK(last.accuracy == 1.0);
}

TEST_CASE("fit, evaluate and predict agree; callbacks see every batch") {
  auto model = load_finalized("small-cnn.json", 5);  // 9x9x2 input, 4-way softmax
  Trainer trainer(model.get(), test_pool(), 2);
  CompileOptions options;
  options.loss.kind = LossKind::kSparseCategoricalCrossentropy;
  options.optimizer.kind = OptimizerKind::kAdam;
  options.optimizer.learning_rate = 0.01f;
  NN_REQUIRE_OK(trainer.compile(options));
  const size_t count = 21;  // not a multiple of the batch: the last batch is partial
  auto x = nn::testing::random_vector(count * 9 * 9 * 2, 3);
  std::vector<float> y(count);
  for (size_t i = 0; i < count; ++i) y[i] = static_cast<float>(i % 4);
  Dataset data{x.data(), y.data(), count};
  FitOptions fit;
  fit.epochs = 30;
  fit.batch_size = 8;
  fit.validation = &data;
  int batches = 0;
  std::vector<EpochResult> history;
  NN_REQUIRE_OK(trainer.fit(
      data, fit,
      [&](int, int, const StepResult&) {
        ++batches;
        return true;
      },
      nullptr, &history));
  CHECK(batches == 30 * 3);
  REQUIRE(history.size() == 30);
  CHECK(history.back().loss < history.front().loss);
  CHECK(history.back().has_validation);
  StepResult eval;
  NN_REQUIRE_OK(trainer.evaluate(data, 5, &eval));
  CHECK(eval.loss == doctest::Approx(history.back().val_loss).epsilon(1e-5));
  std::vector<float> pred(count * 4);
  NN_REQUIRE_OK(trainer.predict(x.data(), count, 4, pred.data()));
  for (size_t i = 0; i < count; ++i) {
    float sum = 0;
    for (int k = 0; k < 4; ++k) sum += pred[i * 4 + k];
    CHECK(sum == doctest::Approx(1.0f));
  }
  // Stopping from a callback ends fit early.
  int seen = 0;
  NN_REQUIRE_OK(trainer.fit(
      data, fit, [&](int, int, const StepResult&) { return ++seen < 2; }, nullptr, nullptr));
  CHECK(seen == 2);
}

TEST_CASE("a NaN loss stops training and names the step; weights are not updated") {
  auto model = load_finalized("small-cnn.json", 5);
  Trainer trainer(model.get(), nullptr, 2);
  CompileOptions options;
  options.loss.kind = LossKind::kSparseCategoricalCrossentropy;
  NN_REQUIRE_OK(trainer.compile(options));
  auto x = nn::testing::random_vector(4 * 9 * 9 * 2, 3);
  std::vector<float> y = {0, 1, 2, 3};
  Dataset data{x.data(), y.data(), 4};
  FitOptions fit;
  fit.batch_size = 4;
  // NaN in the data is caught before any work, naming the sample.
  x[5 + 9 * 9 * 2] = std::nanf("");
  Status st = trainer.fit(data, fit, nullptr, nullptr, nullptr);
  CHECK(st.code() == StatusCode::kInvalidArgument);
  CHECK(st.message().find("input sample") != std::string::npos);  // its place in the shuffled batch
  CHECK(st.message().find("nan") != std::string::npos);
  x[5 + 9 * 9 * 2] = 0.0f;
  // A weight that became NaN makes the loss NaN: training stops before the update.
  model->params()[model->trainable_count() - 1] = std::nanf("");  // the softmax layer's last bias
  std::vector<float> before(model->params(), model->params() + model->trainable_count());
  st = trainer.fit(data, fit, nullptr, nullptr, nullptr);
  CHECK(st.code() == StatusCode::kNumericError);
  CHECK(st.message().find("epoch 1, batch 1") != std::string::npos);
  CHECK(st.message().find("nan") != std::string::npos);
  std::vector<float> after(model->params(), model->params() + model->trainable_count());
  CHECK(std::memcmp(before.data(), after.data(), before.size() * sizeof(float)) == 0);
  model->params()[model->trainable_count() - 1] = 0.0f;
  // Labels outside the classes are rejected before any work.
  std::vector<float> bad = {0, 1, 2, 7};
  StepResult r;
  CHECK(trainer.train_on_batch(x.data(), bad.data(), 4, &r).code() == StatusCode::kInvalidArgument);
  // Empty data and a model that is not compiled.
  Dataset empty{x.data(), y.data(), 0};
  CHECK(trainer.fit(empty, fit, nullptr, nullptr, nullptr).code() == StatusCode::kInvalidArgument);
  Trainer fresh(model.get(), nullptr, 1);
  CHECK(fresh.train_on_batch(x.data(), y.data(), 4, &r).code() == StatusCode::kFailedPrecondition);
}
