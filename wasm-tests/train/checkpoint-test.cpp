// Checkpoints: training resumed from a checkpoint (in a fresh model rebuilt from the written
// model.json, with other seeds) reproduces the uninterrupted run bit for bit, BN statistics,
// Adam slots, dropout's generator and the step count included; damaged or foreign checkpoints
// are rejected with a clear Status and change nothing. Run: nn_tests_native -tc='*checkpoint*'
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "io/model-json.h"
#include "io/tfjs-writer.h"
#include "layers/layers.h"
#include "testing/test-util.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

using namespace nn;
using nn::testing::test_pool;

namespace {

constexpr int kBatch = 6;

// Conv2D -> BN -> ReLU -> MaxPool -> Conv2D -> GAP -> Dropout -> Dense(3, softmax) on 8x8x3.
std::unique_ptr<Model> small_model(int64_t filters, uint64_t seed) {
  auto m = std::make_unique<Model>("ckpt_model");
  int v = -1;
  auto add = [&](Layer* layer) {
    Status st = m->add_layer(std::unique_ptr<Layer>(layer), {v}, &v);
    INFO(st.message());
    REQUIRE(st.is_ok());
  };
  NN_REQUIRE_OK(m->add_input("input", Shape{8, 8, 3}, &v));
  Conv2DOptions c;
  c.filters = filters;
  c.padding = Padding::kSame;
  add(new Conv2D("conv2d", c));
  add(new BatchNormalization("batch_normalization", BatchNormOptions{}));
  add(new ActivationLayer("activation", Activation::kRelu));
  add(new Pooling2D("max_pooling2d", PoolKind::kMax, Pool2DOptions{}));
  c.filters = 8;
  c.activation = Activation::kRelu;
  add(new Conv2D("conv2d_1", c));
  add(new GlobalAveragePooling2D("global_average_pooling2d"));
  add(new Dropout("dropout", 0.3f));
  DenseOptions d;
  d.units = 3;
  d.activation = Activation::kSoftmax;
  add(new Dense("dense", d));
  NN_REQUIRE_OK(m->set_output(v));
  NN_REQUIRE_OK(m->finalize(seed));
  return m;
}

CompileOptions adam() {
  CompileOptions o;
  o.loss.kind = LossKind::kSparseCategoricalCrossentropy;
  o.optimizer.kind = OptimizerKind::kAdam;
  o.optimizer.learning_rate = 0.01f;
  return o;
}

// Step s always trains on the same batch, whichever run it is.
double train_step(Trainer* trainer, int step) {
  const auto x = nn::testing::random_vector(kBatch * 8 * 8 * 3, 100 + static_cast<uint64_t>(step));
  std::vector<float> y(kBatch);
  for (int i = 0; i < kBatch; ++i) y[static_cast<size_t>(i)] = static_cast<float>((i + step) % 3);
  StepResult r;
  Status st = trainer->train_on_batch(x.data(), y.data(), kBatch, &r);
  INFO(st.message());
  REQUIRE(st.is_ok());
  return r.loss;
}

std::vector<float> params_of(const Model& m) { return std::vector<float>(m.params(), m.params() + m.count_params()); }

// A model + trainer after `steps` steps, and its checkpoint.
struct Run {
  std::unique_ptr<Model> model;
  std::unique_ptr<Trainer> trainer;
  std::string checkpoint;
};

Run trained(int steps, const CompileOptions& options = adam()) {
  Run r;
  r.model = small_model(8, 3);
  r.trainer = std::make_unique<Trainer>(r.model.get(), test_pool(), 5);
  NN_REQUIRE_OK(r.trainer->compile(options));
  for (int s = 0; s < steps; ++s) train_step(r.trainer.get(), s);
  NN_REQUIRE_OK(save_checkpoint(*r.trainer, *r.model, 2, &r.checkpoint));
  return r;
}

// Patches `value` into the checkpoint at `at` and recomputes its checksum, as a forger would.
template <typename T>
std::string forged(std::string bytes, size_t at, T value) {
  std::memcpy(&bytes[at], &value, sizeof value);
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i + 8 < bytes.size(); ++i) {
    h ^= static_cast<unsigned char>(bytes[i]);
    h *= 0x100000001b3ULL;
  }
  std::memcpy(&bytes[bytes.size() - 8], &h, sizeof h);
  return bytes;
}

}  // namespace

TEST_CASE("checkpoint: resuming reproduces uninterrupted training bit for bit") {
  const int before = 3, after = 5;
  Run a = trained(before);
  std::vector<double> uninterrupted;
  for (int s = before; s < before + after; ++s) uninterrupted.push_back(train_step(a.trainer.get(), s));
  std::string final_a;
  NN_REQUIRE_OK(save_checkpoint(*a.trainer, *a.model, 3, &final_a));

  // A fresh model read back from the model.json we write, other init and generator seeds.
  JsonValue json;
  std::string bin;
  NN_REQUIRE_OK(model_to_tfjs(*a.model, &json, &bin));
  std::unique_ptr<Model> model;
  NN_REQUIRE_OK(model_from_json_text(to_json(json), &model));
  NN_REQUIRE_OK(model->finalize(12345));
  Trainer trainer(model.get(), test_pool(), 999);
  NN_REQUIRE_OK(trainer.compile(adam()));
  int64_t epoch = -1;
  NN_REQUIRE_OK(load_checkpoint(a.checkpoint, &trainer, model.get(), &epoch));
  CHECK(epoch == 2);
  CHECK(trainer.steps() == before);
  CHECK(trainer.optimizer().iterations() == before);
  std::vector<double> resumed;
  for (int s = before; s < before + after; ++s) resumed.push_back(train_step(&trainer, s));
  for (int i = 0; i < after; ++i) {
    CAPTURE(i);
    CHECK(resumed[static_cast<size_t>(i)] == uninterrupted[static_cast<size_t>(i)]);
  }
  CHECK(params_of(*model) == params_of(*a.model));  // BN moving statistics included
  std::string final_b;
  NN_REQUIRE_OK(save_checkpoint(trainer, *model, 3, &final_b));
  CHECK(final_b == final_a);

  // Without the checkpoint the same steps give other losses: the test above is not vacuous.
  auto other = small_model(8, 12345);
  Trainer fresh(other.get(), test_pool(), 999);
  NN_REQUIRE_OK(fresh.compile(adam()));
  CHECK(train_step(&fresh, before) != uninterrupted[0]);
}

TEST_CASE("checkpoint: SGD without momentum (no optimizer state) and RMSprop round-trip") {
  for (OptimizerKind kind : {OptimizerKind::kSGD, OptimizerKind::kRMSprop}) {
    CompileOptions o = adam();
    o.optimizer.kind = kind;
    o.optimizer.learning_rate = 0.05f;
    Run a = trained(2, o);
    auto model = small_model(8, 77);
    Trainer trainer(model.get(), test_pool(), 1);
    o.optimizer.learning_rate = 0.5f;  // the checkpoint's learning rate wins
    NN_REQUIRE_OK(trainer.compile(o));
    NN_REQUIRE_OK(load_checkpoint(a.checkpoint, &trainer, model.get(), nullptr));
    CHECK(trainer.optimizer().options().learning_rate == 0.05f);
    CHECK(train_step(&trainer, 2) == train_step(a.trainer.get(), 2));
  }
}

TEST_CASE("checkpoint: damaged, foreign or misplaced checkpoints are rejected and change nothing") {
  Run a = trained(2);
  const std::string& good = a.checkpoint;
  auto model = small_model(8, 42);
  Trainer trainer(model.get(), test_pool(), 1);
  NN_REQUIRE_OK(trainer.compile(adam()));
  const std::vector<float> before = params_of(*model);
  const uint64_t rng_state = trainer.rng().state();
  int64_t epoch = -7;

  SUBCASE("every truncation") {
    for (size_t n = 0; n < good.size(); n += (n < 64 || n + 64 > good.size()) ? 1 : 97) {
      Status st = load_checkpoint(std::string_view(good).substr(0, n), &trainer, model.get(), &epoch);
      CAPTURE(n);
      REQUIRE(st.code() == StatusCode::kParseError);
    }
    Status st = load_checkpoint(std::string_view(good).substr(0, good.size() - 10), &trainer, model.get(), &epoch);
    CHECK(st.message().find("truncated") != std::string::npos);
    st = load_checkpoint(good + "x", &trainer, model.get(), &epoch);
    CHECK(st.message().find("extra bytes") != std::string::npos);
  }
  SUBCASE("flipped bytes") {
    for (size_t i = 24; i < good.size(); i += 13) {
      std::string bad = good;
      bad[i] = static_cast<char>(bad[i] ^ 0x20);
      Status st = load_checkpoint(bad, &trainer, model.get(), &epoch);
      CAPTURE(i);
      REQUIRE(st.code() == StatusCode::kParseError);
      REQUIRE(st.message().find("checksum") != std::string::npos);
    }
  }
  SUBCASE("not a checkpoint, or a newer version") {
    Status st = load_checkpoint(std::string(200, 'x'), &trainer, model.get(), &epoch);
    CHECK(st.message().find("not a convnet-wasm checkpoint") != std::string::npos);
    std::string newer = good;
    newer[8] = 2;
    st = load_checkpoint(newer, &trainer, model.get(), &epoch);
    CHECK(st.code() == StatusCode::kUnsupported);
    CHECK(st.message().find("version 2") != std::string::npos);
  }
  SUBCASE("a checkpoint of another architecture") {
    auto wide = small_model(16, 1);
    Trainer t(wide.get(), test_pool(), 1);
    NN_REQUIRE_OK(t.compile(adam()));
    const std::vector<float> wide_before = params_of(*wide);
    Status st = load_checkpoint(good, &t, wide.get(), &epoch);
    CHECK(st.code() == StatusCode::kShapeMismatch);
    CHECK(st.message().find("'conv2d/kernel' 3x3x3x8 in the checkpoint but 'conv2d/kernel' 3x3x3x16 in the model") !=
          std::string::npos);
    CHECK(params_of(*wide) == wide_before);
  }
  SUBCASE("another optimizer, an uncompiled trainer, a trainer of another model") {
    CompileOptions sgd = adam();
    sgd.optimizer.kind = OptimizerKind::kSGD;
    NN_REQUIRE_OK(trainer.compile(sgd));
    Status st = load_checkpoint(good, &trainer, model.get(), &epoch);
    CHECK(st.code() == StatusCode::kFailedPrecondition);
    CHECK(st.message().find("adam") != std::string::npos);
    Trainer uncompiled(model.get(), nullptr, 1);
    CHECK(load_checkpoint(good, &uncompiled, model.get(), &epoch).code() == StatusCode::kFailedPrecondition);
    std::string bytes;
    CHECK(save_checkpoint(uncompiled, *model, 0, &bytes).code() == StatusCode::kFailedPrecondition);
    CHECK(load_checkpoint(good, a.trainer.get(), model.get(), &epoch).code() == StatusCode::kInvalidArgument);
  }
  SUBCASE("forged fields with a recomputed checksum (issue 12)") {
    // Offsets from the end (see checkpoint.cpp's layout): values, optimizer state, iterations,
    // six option floats, nesterov, kind.
    const size_t p = static_cast<size_t>(model->count_params()), slots = trainer.optimizer().state_size();
    const size_t values_at = good.size() - 8 - 4 * p, state_at = values_at - 8 - 4 * slots;
    const size_t iterations_at = state_at - 16, lr_at = iterations_at - 24, momentum_at = lr_at + 4;
    const float nan = std::nanf("");
    struct Case {
      std::string bytes;
      StatusCode code;
      const char* says;
    };
    const Case cases[] = {
        {forged(good, 24, int64_t{-5}), StatusCode::kParseError, "its epoch is -5: it must be from 0 to"},
        {forged(good, 32, int64_t{-1}), StatusCode::kParseError, "its step count is -1"},
        {forged(good, 48, uint64_t{42}), StatusCode::kParseError, "generator increment 42 is even"},
        {forged(good, 12, uint32_t{3}), StatusCode::kParseError, "its flags are 3"},
        {forged(good, iterations_at, int64_t{-2}), StatusCode::kParseError, "iteration count is -2"},
        {forged(good, lr_at, nan), StatusCode::kParseError, "its learning rate is nan"},
        {forged(good, lr_at, -1.0f), StatusCode::kParseError, "its learning rate is -1"},
        {forged(good, momentum_at, nan), StatusCode::kInvalidArgument, "momentum is nan"},
        {forged(good, lr_at - 4, uint32_t{7}), StatusCode::kParseError, "nesterov flag is 7"},
        {forged(good, values_at + 4 * 5, nan), StatusCode::kInvalidArgument,
         "parameter 'conv2d/kernel' has nan at element 5: parameters must be finite"},
        {forged(good, values_at + 4 * (p - 1), std::numeric_limits<float>::infinity()), StatusCode::kInvalidArgument,
         "parameter 'batch_normalization/moving_variance' has inf at element 7"},
        {forged(good, state_at + 4 * (slots / 2 + 1), -1.0f), StatusCode::kInvalidArgument,
         "adam second moment (v) of 'conv2d/kernel' has -1 at element 1: it must be a finite non-negative number"},
    };
    for (const Case& c : cases) {
      Status st = load_checkpoint(c.bytes, &trainer, model.get(), &epoch);
      INFO(c.says, " -> ", st.message());
      CHECK(st.code() == c.code);
      CHECK(st.message().find(c.says) != std::string::npos);
    }
  }
  CHECK(params_of(*model) == before);
  CHECK(trainer.rng().state() == rng_state);
  CHECK(epoch == -7);
}
