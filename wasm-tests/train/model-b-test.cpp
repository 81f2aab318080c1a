// Seed model B (Xception-like, with its data_augmentation Sequential) from TF.js model.json:
// Keras's parameter counts at several input sizes, and it overfits one small batch at 64x64.
#include <doctest/doctest.h>

#include "io/model-json.h"
#include "testing/test-util.h"
#include "train/trainer.h"

using namespace nn;
using nn::testing::fixture_path;

namespace {

std::unique_ptr<Model> load_model_b(const char* file) {
  std::unique_ptr<Model> model;
  Status st = load_model_json(fixture_path(file), &model);
  INFO(st.message());
  REQUIRE(st.is_ok());
  REQUIRE(model->finalize(11).is_ok());
  return model;
}

}  // namespace

TEST_CASE("seed model B has 721,857 parameters (718,849 trainable, 3,008 not) at any input size") {
  for (const char* file : {"model-b-180.json", "model-b-64.json"}) {
    CAPTURE(file);
    auto model = load_model_b(file);
    const ModelSummary s = model->summary();
    CHECK(s.total_params == 721857);
    CHECK(s.trainable_params == 718849);
    CHECK(s.non_trainable_params == 3008);
    CHECK(model->output_shape() == Shape({1}));
  }
}

TEST_CASE("seed model B with its augmentation layers overfits one batch at 64x64") {
  auto model = load_model_b("model-b-64.json");
  Trainer trainer(model.get(), nn::testing::test_pool(), 3);
  CompileOptions options;
  options.loss.kind = LossKind::kBinaryCrossentropy;
  options.optimizer.kind = OptimizerKind::kAdam;
  NN_REQUIRE_OK(trainer.compile(options));
  const int n = 4;
  auto x = nn::testing::random_vector(static_cast<size_t>(n) * 64 * 64 * 3, 5, 0.0f, 255.0f);
  std::vector<float> y = {0, 1, 0, 1};
  StepResult first, last;
  NN_REQUIRE_OK(trainer.train_on_batch(x.data(), y.data(), n, &first));
  last = first;
  for (int step = 0; step < 60 && last.loss > 0.02; ++step)
    NN_REQUIRE_OK(trainer.train_on_batch(x.data(), y.data(), n, &last));
  MESSAGE("model B overfit: first loss ", first.loss, ", last loss ", last.loss, " after ", trainer.steps(), " steps");
  CHECK(last.loss < 0.1);
  CHECK(last.loss < first.loss / 4);
  // In inference (augmentation off, BN on moving averages, no dropout) predictions are finite.
  std::vector<float> pred(n);
  NN_REQUIRE_OK(trainer.predict(x.data(), n, n, pred.data()));
  for (float p : pred) CHECK((p >= 0.0f && p <= 1.0f));
}
