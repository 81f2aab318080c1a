// Freezing with Keras semantics (layer.trainable, issue 15): frozen weights stay bit-identical
// while the rest trains, the parameter arena is laid out trainable-first again with every value
// kept, a frozen BatchNormalization runs in inference mode (and its backward is the inference
// one, checked by finite differences), frozen layers do no backward work below the lowest
// trainable layer, compile is required after a change, and model.json and checkpoints keep the
// flags. Run: nn_tests_native -tc='*freez*,*trainable*'
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <map>

#include "api/session.h"
#include "core/alloc.h"
#include "io/json.h"
#include "io/model-json.h"
#include "io/tfjs-writer.h"
#include "layers/layers.h"
#include "testing/grad-check.h"
#include "testing/test-util.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

using namespace nn;
using nn::testing::random_vector;
using nn::testing::test_pool;

namespace {

constexpr int kBatch = 4;

// input 8x8x3 -> conv2d (4, same) -> batch_normalization -> activation (relu)
//   -> conv2d_1 (6, relu) -> global_average_pooling2d -> dense (3, softmax)
// Nodes: 0 input, 1 conv2d, 2 batch_normalization, 3 activation, 4 conv2d_1, 5 gap, 6 dense.
std::unique_ptr<Model> small_model(uint64_t seed) {
  auto m = std::make_unique<Model>("freeze_model");
  int v = -1;
  auto add = [&](Layer* layer) { NN_REQUIRE_OK(m->add_layer(std::unique_ptr<Layer>(layer), {v}, &v)); };
  NN_REQUIRE_OK(m->add_input("input", Shape{8, 8, 3}, &v));
  Conv2DOptions c;
  c.filters = 4;
  c.padding = Padding::kSame;
  add(new Conv2D("conv2d", c));
  add(new BatchNormalization("batch_normalization", BatchNormOptions{.momentum = 0.5f}));
  add(new ActivationLayer("activation", Activation::kRelu));
  c.filters = 6;
  c.activation = Activation::kRelu;
  add(new Conv2D("conv2d_1", c));
  add(new GlobalAveragePooling2D("global_average_pooling2d"));
  DenseOptions d;
  d.units = 3;
  d.activation = Activation::kSoftmax;
  add(new Dense("dense", d));
  NN_REQUIRE_OK(m->set_output(v));
  NN_REQUIRE_OK(m->finalize(seed));
  return m;
}

CompileOptions adam(float lr = 0.01f) {
  CompileOptions o;
  o.loss.kind = LossKind::kSparseCategoricalCrossentropy;
  o.optimizer.kind = OptimizerKind::kAdam;
  o.optimizer.learning_rate = lr;
  return o;
}

void batch_for_step(int step, std::vector<float>* x, std::vector<float>* y) {
  *x = random_vector(kBatch * 8 * 8 * 3, 500 + static_cast<uint64_t>(step));
  y->assign(kBatch, 0.0f);
  for (int i = 0; i < kBatch; ++i) (*y)[static_cast<size_t>(i)] = static_cast<float>((i + step) % 3);
}

double step(Trainer* trainer, int s) {
  std::vector<float> x, y;
  batch_for_step(s, &x, &y);
  StepResult r;
  NN_REQUIRE_OK(trainer->train_on_batch(x.data(), y.data(), kBatch, &r));
  return r.loss;
}

// "layer/param" -> values, wherever the arena keeps them.
std::map<std::string, std::vector<float>> snapshot(const Model& m) {
  std::map<std::string, std::vector<float>> out;
  for (const Node& n : m.nodes())
    for (const Param& p : n.layer->params())
      out[n.layer->name() + "/" + p.name] = std::vector<float>(p.value, p.value + p.shape.numel());
  return out;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Trainable parameters lie in [0, trainable_count) with a gradient; the rest after, without.
void check_layout(const Model& m) {
  int64_t trainable = 0, total = 0;
  for (const Node& n : m.nodes())
    for (const Param& p : n.layer->params()) {
      CAPTURE(n.layer->name());
      CAPTURE(p.name);
      const int64_t at = p.value - m.params();
      CHECK(p.trainable == (p.learned && n.layer->trainable()));
      if (p.trainable) {
        CHECK(at + p.shape.numel() <= m.trainable_count());
        CHECK(p.grad == m.grads() + at);
        trainable += p.shape.numel();
      } else {
        CHECK(at >= m.trainable_count());
        CHECK(p.grad == nullptr);
      }
      total += p.shape.numel();
    }
  CHECK(trainable == m.trainable_count());
  CHECK(total == m.count_params());
}

std::string model_json_text(const Model& m) {
  JsonValue root;
  std::string weights;
  REQUIRE(model_to_tfjs(m, &root, &weights).is_ok());
  return to_json(root, 1);
}

}  // namespace

TEST_CASE("set_trainable re-lays out the parameters trainable-first and keeps every value exactly") {
  auto m = small_model(3);
  const auto before = snapshot(*m);
  const int64_t all_trainable = m->trainable_count();
  NN_REQUIRE_OK(m->set_trainable(std::vector<int>{2, 4}, false));  // batch_normalization, conv2d_1
  CHECK_FALSE(m->nodes()[2].layer->trainable());
  CHECK_FALSE(m->nodes()[4].layer->trainable());
  CHECK(m->nodes()[1].layer->trainable());
  const int64_t frozen = 2 * 4 + (3 * 3 * 4 * 6 + 6);  // gamma, beta; conv2d_1's kernel and bias
  CHECK(m->trainable_count() == all_trainable - frozen);
  CHECK(m->count_params() == all_trainable + 2 * 4);
  check_layout(*m);
  const auto after = snapshot(*m);
  for (const auto& entry : before) {
    const std::string& name = entry.first;  // not a structured binding: Emscripten's clang cannot CAPTURE one
    CAPTURE(name);
    CHECK(same_bits(after.at(name), entry.second));
  }
  // Back to all trainable: the same values again, and the first layout's arena order.
  NN_REQUIRE_OK(m->set_trainable(std::vector<int>{2, 4}, true));
  CHECK(m->trainable_count() == all_trainable);
  check_layout(*m);
  for (const auto& entry : before) CHECK(same_bits(snapshot(*m).at(entry.first), entry.second));
  // Errors name the model and the layer.
  Status st = m->set_trainable("no_such_layer", false);
  CHECK(st.code() == StatusCode::kInvalidArgument);
  CHECK(st.message() == "model 'freeze_model' has no layer named 'no_such_layer'");
  CHECK(m->set_trainable(std::vector<int>{7}, false).code() == StatusCode::kInvalidArgument);
}

TEST_CASE(
    "frozen weights are bit-identical after training while the others change; optimizer state is trainable-only") {
  auto m = small_model(5);
  NN_REQUIRE_OK(m->set_trainable(std::vector<int>{2, 4}, false));  // frozen in the middle of the graph
  Trainer t(m.get(), test_pool(), 11);
  NN_REQUIRE_OK(t.compile(adam()));
  CHECK(t.optimizer().param_count() == m->trainable_count());
  CHECK(t.optimizer().state_size() == 2 * round_up_floats(static_cast<size_t>(m->trainable_count())));
  CHECK(m->grads() != nullptr);
  const auto before = snapshot(*m);
  for (int s = 0; s < 5; ++s) step(&t, s);
  const auto after = snapshot(*m);
  for (const char* name : {"batch_normalization/gamma", "batch_normalization/beta", "batch_normalization/moving_mean",
                           "batch_normalization/moving_variance", "conv2d_1/kernel", "conv2d_1/bias"}) {
    CAPTURE(name);
    CHECK(same_bits(after.at(name), before.at(name)));
  }
  for (const char* name : {"conv2d/kernel", "dense/kernel", "dense/bias"}) {
    CAPTURE(name);
    CHECK_FALSE(same_bits(after.at(name), before.at(name)));
  }
}

TEST_CASE("after set_trainable, training fails until compile; compile makes the unfrozen layers train") {
  auto m = small_model(7);
  NN_REQUIRE_OK(m->set_trainable(std::vector<int>{1, 2, 3, 4, 5}, false));  // only the head trains
  Trainer t(m.get(), test_pool(), 13);
  NN_REQUIRE_OK(t.compile(adam()));
  for (int s = 0; s < 3; ++s) step(&t, s);
  const auto head_trained = snapshot(*m);

  NN_REQUIRE_OK(m->set_trainable("conv2d_1", true));  // fine-tune the top of the backbone
  std::vector<float> x, y;
  batch_for_step(3, &x, &y);
  StepResult r;
  Status st = t.train_on_batch(x.data(), y.data(), kBatch, &r);
  CHECK(st.code() == StatusCode::kFailedPrecondition);
  CHECK(st.message() ==
        "the trainable layers of model 'freeze_model' changed after it was compiled: compile it again before training "
        "(as in Keras); compile creates the optimizer state for its " +
            std::to_string(m->trainable_count()) + " trainable parameters");
  std::string bytes;
  CHECK(save_checkpoint(t, *m, 0, &bytes).code() == StatusCode::kFailedPrecondition);
  CHECK(same_bits(snapshot(*m).at("dense/kernel"), head_trained.at("dense/kernel")));  // nothing ran

  NN_REQUIRE_OK(t.compile(adam(0.001f)));
  CHECK(t.optimizer().param_count() == m->trainable_count());
  for (int s = 3; s < 6; ++s) step(&t, s);
  const auto tuned = snapshot(*m);
  CHECK_FALSE(same_bits(tuned.at("conv2d_1/kernel"), head_trained.at("conv2d_1/kernel")));
  CHECK_FALSE(same_bits(tuned.at("dense/kernel"), head_trained.at("dense/kernel")));
  CHECK(same_bits(tuned.at("conv2d/kernel"), head_trained.at("conv2d/kernel")));
  CHECK(same_bits(tuned.at("batch_normalization/moving_mean"), head_trained.at("batch_normalization/moving_mean")));
}

TEST_CASE("a frozen BatchNormalization normalizes with its moving statistics in training and keeps them") {
  auto m = small_model(9);
  BatchNormalization& bn = static_cast<BatchNormalization&>(*m->nodes()[2].layer);
  // Moving statistics far from the batch's, so the two modes give different outputs.
  for (int j = 0; j < 4; ++j) {
    bn.params()[0].value[j] = 1.0f + 0.25f * j;  // gamma
    bn.params()[1].value[j] = 0.1f * j;          // beta
    bn.params()[2].value[j] = 0.3f - 0.2f * j;   // moving_mean
    bn.params()[3].value[j] = 0.5f + 0.5f * j;   // moving_variance
  }
  NN_REQUIRE_OK(m->set_trainable("batch_normalization", false));
  NN_REQUIRE_OK(m->plan(kBatch, test_pool(), PlanOptions{.keep_activations = true}));
  std::vector<float> x, y;
  batch_for_step(0, &x, &y);
  const auto before = snapshot(*m);
  Rng rng(1);
  const float* out = nullptr;
  NN_REQUIRE_OK(m->forward(x.data(), kBatch, /*training=*/true, &rng, &out));
  const float* conv = m->activation(m->nodes()[1].output);
  const float* norm = m->activation(m->nodes()[2].output);
  const float eps = bn.options().epsilon;
  for (size_t i = 0; i < static_cast<size_t>(kBatch) * 8 * 8 * 4; ++i) {
    const size_t j = i % 4;
    const float expected = (conv[i] - before.at("batch_normalization/moving_mean")[j]) /
                               std::sqrt(before.at("batch_normalization/moving_variance")[j] + eps) *
                               before.at("batch_normalization/gamma")[j] +
                           before.at("batch_normalization/beta")[j];
    REQUIRE(norm[i] == doctest::Approx(expected).epsilon(1e-5));
  }
  const auto after = snapshot(*m);
  CHECK(same_bits(after.at("batch_normalization/moving_mean"), before.at("batch_normalization/moving_mean")));
  CHECK(same_bits(after.at("batch_normalization/moving_variance"), before.at("batch_normalization/moving_variance")));

  // Unfrozen, the same training forward uses the batch statistics and moves the averages.
  NN_REQUIRE_OK(m->set_trainable("batch_normalization", true));
  NN_REQUIRE_OK(m->plan(kBatch, test_pool(), PlanOptions{.keep_activations = true}));
  NN_REQUIRE_OK(m->forward(x.data(), kBatch, true, &rng, &out));
  CHECK_FALSE(
      same_bits(snapshot(*m).at("batch_normalization/moving_mean"), before.at("batch_normalization/moving_mean")));
}

TEST_CASE("finite-difference gradients of a partially frozen model: conv -> BN (frozen) -> relu -> dense") {
  Model m("fd_model");
  int v = -1, input = -1;
  NN_REQUIRE_OK(m.add_input("input", Shape{5, 5, 2}, &input));
  v = input;
  Conv2DOptions c;
  c.filters = 3;
  c.padding = Padding::kSame;
  NN_REQUIRE_OK(m.add_layer(std::make_unique<Conv2D>("conv2d", c), {v}, &v));
  NN_REQUIRE_OK(m.add_layer(std::make_unique<BatchNormalization>("bn", BatchNormOptions{}), {v}, &v));
  NN_REQUIRE_OK(m.add_layer(std::make_unique<ActivationLayer>("relu", Activation::kRelu), {v}, &v));
  NN_REQUIRE_OK(m.add_layer(std::make_unique<Flatten>("flatten"), {v}, &v));
  NN_REQUIRE_OK(m.add_layer(std::make_unique<Dense>("dense", DenseOptions{.units = 4}), {v}, &v));
  NN_REQUIRE_OK(m.set_output(v));
  NN_REQUIRE_OK(m.finalize(21));
  Param* bn = m.nodes()[2].layer->params().data();
  for (int j = 0; j < 3; ++j) {
    bn[0].value[j] = 1.5f - 0.3f * j;  // gamma
    bn[1].value[j] = 0.2f * j;         // beta
    bn[2].value[j] = 0.1f * j - 0.1f;  // moving_mean
    bn[3].value[j] = 0.4f + 0.6f * j;  // moving_variance
  }
  NN_REQUIRE_OK(m.set_trainable("bn", false));
  for (const Param& p : m.nodes()[2].layer->params()) CHECK(p.grad == nullptr);
  NN_REQUIRE_OK(m.plan(2, test_pool(), PlanOptions{.training = true, .input_gradient = true}));
  std::vector<float> x = random_vector(2 * 5 * 5 * 2, 77);
  const std::vector<float> r = random_vector(2 * 4, 78);
  Rng rng(1);
  auto loss = [&]() {
    const float* out = nullptr;
    REQUIRE(m.forward(x.data(), 2, /*training=*/true, &rng, &out).is_ok());
    double l = 0.0;
    for (size_t i = 0; i < r.size(); ++i) l += static_cast<double>(out[i]) * r[i];
    return l;
  };
  loss();
  m.backward(r.data(), 2);
  std::vector<std::pair<std::string, std::vector<float>>> analytic;
  analytic.emplace_back("input", std::vector<float>(m.gradient(input), m.gradient(input) + x.size()));
  std::vector<std::pair<std::string, float*>> targets = {{"input", x.data()}};
  for (int node : {1, 4})
    for (Param& p : m.nodes()[node].layer->params()) {
      analytic.emplace_back(m.nodes()[node].layer->name() + "/" + p.name,
                            std::vector<float>(p.grad, p.grad + p.shape.numel()));
      targets.emplace_back(analytic.back().first, p.value);
    }
  const float eps = 1e-3f;
  for (size_t k = 0; k < targets.size(); ++k) {
    CAPTURE(targets[k].first);
    const std::vector<float>& a = analytic[k].second;
    std::vector<double> numeric(a.size());
    double scale = 1e-2;
    for (size_t i = 0; i < a.size(); ++i) {
      float& t = targets[k].second[i];
      const float saved = t;
      t = saved + eps;
      const double plus = loss();
      t = saved - eps;
      const double minus = loss();
      t = saved;
      numeric[i] = (plus - minus) / (2.0 * eps);
      scale = std::max(scale, std::fabs(numeric[i]));
    }
    double err = 0.0;
    for (size_t i = 0; i < a.size(); ++i) {
      REQUIRE(std::isfinite(a[i]));
      err = std::max(err, std::fabs(a[i] - numeric[i]));
    }
    CHECK(err / scale < 1e-2);
  }
  // The moving statistics were read, never updated, through all those training forwards.
  CHECK(bn[2].value[2] == 0.1f * 2 - 0.1f);
  CHECK(bn[3].value[2] == 0.4f + 0.6f * 2);
}

TEST_CASE("frozen layers compute their input gradient without parameter gradients (null grad pointers)") {
  // Each layer's backward with all its parameters frozen: the input gradient still matches
  // finite differences, and no parameter gradient is written (there is no buffer for it).
  nn::testing::GradCheckOptions o{.batch = 2};
  Conv2D conv("conv", Conv2DOptions{.filters = 3, .padding = Padding::kSame, .activation = Activation::kRelu});
  conv.set_trainable(false);
  CHECK(check_layer_gradients(conv, {Shape{4, 4, 2}}, o).ok());
  Dense dense("dense", DenseOptions{.units = 3, .activation = Activation::kTanh});
  dense.set_trainable(false);
  CHECK(check_layer_gradients(dense, {Shape{5}}, o).ok());
  DepthwiseConv2D dw("dw", DepthwiseConv2DOptions{.padding = Padding::kSame, .activation = Activation::kSigmoid});
  dw.set_trainable(false);
  CHECK(check_layer_gradients(dw, {Shape{4, 4, 3}}, o).ok());
  DepthwiseConv2D dw2("dw2", DepthwiseConv2DOptions{.stride_h = 2, .stride_w = 2, .depth_multiplier = 2});
  dw2.set_trainable(false);
  CHECK(check_layer_gradients(dw2, {Shape{5, 5, 2}}, o).ok());
  SeparableConv2D sep("sep", SeparableConv2DOptions{.filters = 4, .padding = Padding::kSame});
  sep.set_trainable(false);
  CHECK(check_layer_gradients(sep, {Shape{4, 4, 3}}, o).ok());
  for (Layer* l : std::vector<Layer*>{&conv, &dense, &dw, &dw2, &sep}) CHECK(l->count_params(true) == 0);
}

TEST_CASE("with only the head trainable, the backbone's nodes spend no time in backward") {
  auto m = small_model(15);
  NN_REQUIRE_OK(m->set_trainable(std::vector<int>{1, 2, 3, 4, 5}, false));
  Trainer t(m.get(), test_pool(), 17);
  NN_REQUIRE_OK(t.compile(adam()));
  step(&t, 0);  // plans
  m->set_profiling(true);
  for (int s = 1; s < 4; ++s) step(&t, s);
  const std::vector<NodeTiming>& timing = m->timings();
  for (int n = 0; n <= 5; ++n) {
    CAPTURE(m->nodes()[n].layer->name());
    CHECK(timing[n].backward_seconds == 0.0);
    if (n > 0) CHECK(timing[n].forward_seconds > 0.0);
  }
  CHECK(timing[6].backward_seconds > 0.0);
  CHECK(m->trainable_count() == 6 * 3 + 3);
  m->set_profiling(false);
}

TEST_CASE("summary counts trainable and non-trainable parameters as Keras does") {
  auto m = small_model(1);
  ModelSummary s = m->summary();
  const int64_t conv = 3 * 3 * 3 * 4 + 4, bn = 4 * 4, conv1 = 3 * 3 * 4 * 6 + 6, dense = 6 * 3 + 3;
  CHECK(s.total_params == conv + bn + conv1 + dense);
  CHECK(s.trainable_params == conv + 8 + conv1 + dense);
  CHECK(s.non_trainable_params == 8);
  NN_REQUIRE_OK(m->set_trainable(std::vector<int>{1, 2}, false));
  s = m->summary();
  CHECK(s.total_params == conv + bn + conv1 + dense);
  CHECK(s.trainable_params == conv1 + dense);
  CHECK(s.non_trainable_params == conv + bn);
  CHECK_FALSE(s.layers[1].trainable);
  CHECK_FALSE(s.layers[2].trainable);
  CHECK(s.layers[4].trainable);
  const JsonValue j = summary_to_json(s);
  CHECK(j.find("trainable_params")->as_number() == conv1 + dense);
  CHECK_FALSE(j.find("layers")->as_array()[1].find("trainable")->as_bool());
}

TEST_CASE("model.json keeps trainable: false both ways, nested Sequential models included") {
  auto m = small_model(2);
  NN_REQUIRE_OK(m->set_trainable(std::vector<int>{1, 2}, false));
  const std::string text = model_json_text(*m);
  std::unique_ptr<Model> back;
  NN_REQUIRE_OK(model_from_json_text(text, &back));
  NN_REQUIRE_OK(back->finalize(1));
  for (size_t n = 1; n < m->nodes().size(); ++n) {
    CAPTURE(m->nodes()[n].layer->name());
    CHECK(back->nodes()[n].layer->trainable() == m->nodes()[n].layer->trainable());
  }
  CHECK(back->trainable_count() == m->trainable_count());
  CHECK(back->summary().non_trainable_params == m->summary().non_trainable_params);

  // A Sequential nested in a Sequential whose own config says trainable: false freezes its layers.
  const char* nested = R"({"modelTopology": {"class_name": "Sequential", "config": {"name": "outer", "layers": [
    {"class_name": "InputLayer", "config": {"name": "in", "batch_input_shape": [null, 4]}},
    {"class_name": "Sequential", "config": {"name": "base", "trainable": false, "layers": [
      {"class_name": "Dense", "config": {"name": "d1", "units": 3, "trainable": true}}]}},
    {"class_name": "Dense", "config": {"name": "head", "units": 2, "trainable": true}}]}}})";
  std::unique_ptr<Model> n;
  NN_REQUIRE_OK(model_from_json_text(nested, &n));
  NN_REQUIRE_OK(n->finalize(1));
  CHECK_FALSE(n->nodes()[n->find_layer("d1")].layer->trainable());
  CHECK(n->nodes()[n->find_layer("head")].layer->trainable());
  CHECK(n->trainable_count() == 3 * 2 + 2);

  const char* bad = R"({"modelTopology": {"class_name": "Sequential", "config": {"name": "s", "layers": [
    {"class_name": "Dense", "config": {"name": "d", "units": 3, "batch_input_shape": [null, 4], "trainable": "no"}}]}}})";
  Status st = model_from_json_text(bad, &n);
  CHECK(st.code() == StatusCode::kParseError);
  CHECK(st.message() == "model.json: Dense 'd': config.trainable must be true or false");
}

TEST_CASE("a checkpoint saved after freezing and unfreezing resumes bit-identically") {
  // Run A: head only, then fine-tune conv2d_1 too; checkpoint after step 4, then two more steps.
  auto a = small_model(31);
  Trainer ta(a.get(), test_pool(), 41);
  NN_REQUIRE_OK(a->set_trainable(std::vector<int>{1, 2, 3, 4, 5}, false));
  NN_REQUIRE_OK(ta.compile(adam()));
  for (int s = 0; s < 2; ++s) step(&ta, s);
  NN_REQUIRE_OK(a->set_trainable(std::vector<int>{2, 4}, true));
  NN_REQUIRE_OK(ta.compile(adam(0.002f)));
  for (int s = 2; s < 4; ++s) step(&ta, s);
  std::string bytes;
  NN_REQUIRE_OK(save_checkpoint(ta, *a, 1, &bytes));
  const std::string text = model_json_text(*a);
  std::vector<double> losses_a;
  for (int s = 4; s < 6; ++s) losses_a.push_back(step(&ta, s));

  // Run B: the model rebuilt from A's model.json (its flags included) with another seed.
  std::unique_ptr<Model> b;
  NN_REQUIRE_OK(model_from_json_text(text, &b));
  NN_REQUIRE_OK(b->finalize(99));
  Trainer tb(b.get(), test_pool(), 7);
  NN_REQUIRE_OK(tb.compile(adam()));
  int64_t epoch = 0;
  NN_REQUIRE_OK(load_checkpoint(bytes, &tb, b.get(), &epoch));
  CHECK(epoch == 1);
  std::vector<double> losses_b;
  for (int s = 4; s < 6; ++s) losses_b.push_back(step(&tb, s));
  CHECK(losses_a == losses_b);
  const auto pa = snapshot(*a), pb = snapshot(*b);
  for (const auto& entry : pa) {
    const std::string& name = entry.first;
    CAPTURE(name);
    CHECK(same_bits(pb.at(name), entry.second));
  }

  // Run C: a model built without the freezing (all layers trainable) takes the checkpoint's
  // flags: conv2d, the activation's neighbours and the pooling stay as A left them.
  auto c = small_model(5);
  Trainer tc(c.get(), test_pool(), 3);
  NN_REQUIRE_OK(tc.compile(adam()));
  NN_REQUIRE_OK(load_checkpoint(bytes, &tc, c.get(), &epoch));
  for (size_t n = 1; n < a->nodes().size(); ++n) {
    CAPTURE(a->nodes()[n].layer->name());
    if (!a->nodes()[n].layer->params().empty())
      CHECK(c->nodes()[n].layer->trainable() == a->nodes()[n].layer->trainable());
  }
  CHECK(c->trainable_count() == a->trainable_count());
  check_layout(*c);
  std::vector<double> losses_c;
  for (int s = 4; s < 6; ++s) losses_c.push_back(step(&tc, s));
  CHECK(losses_a == losses_c);
  const auto pc = snapshot(*c);
  for (const auto& entry : pa) {
    const std::string& name = entry.first;
    CAPTURE(name);
    CHECK(same_bits(pc.at(name), entry.second));
  }
}

TEST_CASE("Session::set_trainable takes layer lists and ranges, and train_step asks for compile") {
  const std::string text = model_json_text(*small_model(1));
  std::unique_ptr<Session> s;
  NN_REQUIRE_OK(Session::create(text, 3, 1, &s));
  NN_REQUIRE_OK(s->compile(R"({"loss": "sparse_categorical_crossentropy", "optimizer": "adam"})"));
  NN_REQUIRE_OK(s->reserve(kBatch));
  std::vector<float> x, y;
  batch_for_step(0, &x, &y);
  std::memcpy(s->staging_x(), x.data(), x.size() * sizeof(float));
  std::memcpy(s->staging_y(), y.data(), y.size() * sizeof(float));
  StepResult r;
  NN_REQUIRE_OK(s->train_step(kBatch, &r));

  NN_REQUIRE_OK(s->set_trainable(R"({"to": "global_average_pooling2d", "trainable": false})"));
  const Model& m = s->model();
  for (int n = 1; n <= 5; ++n) CHECK_FALSE(m.nodes()[n].layer->trainable());
  CHECK(m.nodes()[6].layer->trainable());
  Status st = s->train_step(kBatch, &r);
  CHECK(st.code() == StatusCode::kFailedPrecondition);
  CHECK(st.message().find("compile it again before training") != std::string::npos);
  const float* out = nullptr;
  NN_CHECK_OK(s->predict_step(kBatch, &out));  // inference needs no compile: it re-plans
  // Grad-CAM of a layer in the frozen backbone: the plan asks for that layer's gradient.
  Shape map_shape;
  NN_CHECK_OK(s->grad_cam("conv2d_1", 2, 1, &out, &map_shape));
  CHECK(map_shape == Shape({8, 8}));
  float peak = 0.0f;
  for (int i = 0; i < 2 * 8 * 8; ++i) peak = std::max(peak, out[i]);
  CHECK(peak == 1.0f);  // scaled to [0, 1] per sample: a non-zero map
  const auto before = snapshot(m);
  NN_REQUIRE_OK(s->compile(R"({"loss": "sparse_categorical_crossentropy", "optimizer": "adam"})"));
  NN_REQUIRE_OK(s->train_step(kBatch, &r));
  CHECK(same_bits(snapshot(m).at("conv2d_1/kernel"), before.at("conv2d_1/kernel")));
  CHECK_FALSE(same_bits(snapshot(m).at("dense/kernel"), before.at("dense/kernel")));

  NN_REQUIRE_OK(s->set_trainable(R"({"from": "conv2d_1", "to": "conv2d_1", "layers": ["batch_normalization"],
                                     "trainable": true})"));
  CHECK(m.nodes()[2].layer->trainable());
  CHECK(m.nodes()[4].layer->trainable());
  CHECK_FALSE(m.nodes()[1].layer->trainable());
  const JsonValue summary = [&] {
    JsonValue j;
    REQUIRE(parse_json(s->summary_json(), &j).is_ok());
    return j;
  }();
  CHECK(summary.find("trainable_params")->as_number() == m.trainable_count());

  st = s->set_trainable(R"({"layers": ["dense", "nope"], "trainable": false})");
  CHECK(st.code() == StatusCode::kInvalidArgument);
  CHECK(st.message() == "set_trainable: model 'freeze_model' has no layer named 'nope' (in \"layers\")");
  CHECK(m.nodes()[6].layer->trainable());  // nothing changed
  st = s->set_trainable(R"({"from": "dense", "to": "conv2d", "trainable": false})");
  CHECK(st.message() ==
        "set_trainable: layer 'dense' (\"from\") comes after 'conv2d' (\"to\") in model 'freeze_model': the range must "
        "run forward through the graph");
  CHECK(s->set_trainable(R"({"layers": ["dense"]})").code() == StatusCode::kInvalidArgument);
  CHECK(s->set_trainable(R"({"trainable": false})").code() == StatusCode::kInvalidArgument);
}
