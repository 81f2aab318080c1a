// Memory planning: buffers alive at the same time never overlap, and training with reused
// memory gives bit-identical results to a plan that keeps every buffer apart.
#include <doctest/doctest.h>

#include "graph/memory-planner.h"
#include "io/model-json.h"
#include "testing/test-util.h"
#include "train/trainer.h"

using namespace nn;

TEST_CASE("plan_memory never overlaps buffers whose lifetimes overlap, and reuses the rest") {
  Rng rng(5);
  std::vector<BufferUsage> buffers;
  for (int i = 0; i < 60; ++i) {
    BufferUsage b;
    b.floats = 1 + rng.below(5000);
    b.first = static_cast<int>(rng.below(40));
    b.last = b.first + static_cast<int>(rng.below(10));
    buffers.push_back(b);
  }
  const size_t total = plan_memory(buffers);
  size_t sum = 0;
  for (size_t i = 0; i < buffers.size(); ++i) {
    sum += buffers[i].floats;
    CHECK(buffers[i].offset + buffers[i].floats <= total);
    for (size_t j = i + 1; j < buffers.size(); ++j) {
      const BufferUsage& a = buffers[i];
      const BufferUsage& b = buffers[j];
      const bool live_together = a.first <= b.last && b.first <= a.last;
      const bool overlap = a.offset < b.offset + b.floats && b.offset < a.offset + a.floats;
      CHECK_FALSE((live_together && overlap));
    }
  }
  CHECK(total < sum);  // something was reused
}

namespace {

std::vector<double> train_losses(bool keep, size_t* bytes) {
  std::unique_ptr<Model> model;
  REQUIRE(load_model_json(nn::testing::fixture_path("model-a-16.json"), &model).is_ok());
  REQUIRE(model->finalize(9).is_ok());
  PlanOptions options;
  options.keep_activations = keep;
  REQUIRE(model->plan(4, nn::testing::test_pool(), options).is_ok());
  *bytes = model->activation_bytes();
  Trainer trainer(model.get(), nn::testing::test_pool(), 1);
  CompileOptions c;
  REQUIRE(trainer.compile(c).is_ok());
  auto x = nn::testing::random_vector(4 * 16 * 16 * 3, 2, 0.0f, 255.0f);
  std::vector<float> y = {1, 0, 0, 1};
  std::vector<double> losses;
  for (int s = 0; s < 4; ++s) {
    StepResult r;
    REQUIRE(trainer.train_on_batch(x.data(), y.data(), 4, &r).is_ok());
    losses.push_back(r.loss);
  }
  return losses;
}

}  // namespace

TEST_CASE("training with lifetime-planned memory matches a plan that keeps everything") {
  size_t reused = 0, kept = 0;
  auto a = train_losses(false, &reused);
  auto b = train_losses(true, &kept);
  CHECK(a == b);
  CHECK(reused < kept);
  MESSAGE("model A 16x16 batch 4: planned ", reused, " bytes, ", kept, " without reuse");
}
