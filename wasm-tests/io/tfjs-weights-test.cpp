// TF.js weights in and model.json out: the TF.js-saved fixture (model-a-weights/) predicts what
// TF.js predicted, bad manifests and weight files give clear errors, and what our writer emits
// loads back through our reader with identical predictions for every layer class.
// Run: nn_tests_native -tc='*tfjs*'. With NN_TFJS_EXPORT_DIR set, the round-trip case also writes
// its models there for wasm-tests/fixtures/generate/check-roundtrip.mjs (real TF.js).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <sys/stat.h>

#include "io/model-json.h"
#include "io/tfjs-weights.h"
#include "io/tfjs-writer.h"
#include "layers/augmentation.h"
#include "layers/layers.h"
#include "testing/test-util.h"

using namespace nn;
using nn::testing::fixture_path;
using nn::testing::relative_error;
using nn::testing::test_pool;

namespace {

const char* kFixtureDir = "model-a-weights";

// The fixture's input: x.flat[i] = (i * 37) % 255.
std::vector<float> fixture_input(size_t n) {
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) x[i] = static_cast<float>((i * 37) % 255);
  return x;
}

std::vector<float> predict(Model* model, const std::vector<float>& x, int n) {
  PlanOptions plan;
  plan.training = false;
  plan.keep_activations = true;
  REQUIRE(model->plan(n, test_pool(), plan).is_ok());
  const float* out = nullptr;
  REQUIRE(model->forward(x.data(), n, false, nullptr, &out).is_ok());
  return std::vector<float>(out, out + static_cast<size_t>(n) * model->output_shape().numel());
}

struct Fixture {
  JsonValue json;
  std::string bin;
};

Fixture read_fixture() {
  Fixture f;
  NN_REQUIRE_OK(read_json_file(fixture_path(std::string(kFixtureDir) + "/model.json"), &f.json));
  NN_REQUIRE_OK(read_file_bytes(fixture_path(std::string(kFixtureDir) + "/group1-shard1of1.bin"), &f.bin));
  return f;
}

std::unique_ptr<Model> built(const JsonValue& json) {
  std::unique_ptr<Model> model;
  NN_REQUIRE_OK(model_from_json(json, &model));
  NN_REQUIRE_OK(model->finalize(1));
  return model;
}

// A copy of json whose weight specs went through edit (return false to drop a spec).
JsonValue edit_specs(const JsonValue& json, const std::function<bool(JsonValue*)>& edit) {
  JsonValue out = json;
  const JsonValue& group = (*json.find("weightsManifest"))[0];
  JsonValue weights = JsonValue::make_array();
  for (const JsonValue& spec : group.find("weights")->as_array()) {
    JsonValue s = spec;
    if (edit(&s)) weights.push_back(std::move(s));
  }
  JsonValue g = group;
  g.set("weights", std::move(weights));
  JsonValue manifest = JsonValue::make_array();
  manifest.push_back(std::move(g));
  out.set("weightsManifest", std::move(manifest));
  return out;
}

JsonValue shape_list(std::initializer_list<double> dims) {
  JsonValue v = JsonValue::make_array();
  for (double d : dims) v.push_back(JsonValue::make_number(d));
  return v;
}

// A model with every layer class the writer knows, BN statistics included, on a 10x10x3 input.
std::unique_ptr<Model> layer_zoo() {
  auto m = std::make_unique<Model>("zoo");
  int x = -1, v = -1;
  auto add = [&](Layer* layer, std::vector<int> in) {
    int out = -1;
    Status st = m->add_layer(std::unique_ptr<Layer>(layer), in, &out);
    INFO(st.message());
    REQUIRE(st.is_ok());
    return out;
  };
  NN_REQUIRE_OK(m->add_input("input", Shape{10, 10, 3}, &x));
  // Augmentation is the identity at inference, in TF.js's stand-ins too (check-roundtrip.mjs).
  RandomFlipOptions flip;
  flip.mode = FlipMode::kHorizontal;
  flip.has_seed = true;
  flip.seed = 5;
  v = add(new RandomFlip("random_flip", flip), {x});
  RandomRotationOptions rotation;
  rotation.factor = FactorRange{-0.1f, 0.1f};
  v = add(new RandomRotation("random_rotation", rotation), {v});
  RandomZoomOptions zoom;
  zoom.height_factor = FactorRange{-0.2f, 0.1f};
  zoom.fill_mode = FillMode::kConstant;
  zoom.fill_value = 0.5f;
  v = add(new RandomZoom("random_zoom", zoom), {v});
  RandomTranslationOptions translation;
  translation.height_factor = FactorRange{-0.1f, 0.1f};
  translation.width_factor = FactorRange{-0.2f, 0.25f};
  translation.interpolation = Interpolation::kNearest;
  v = add(new RandomTranslation("random_translation", translation), {v});
  RandomContrastOptions contrast;
  contrast.lower = 0.2f;
  contrast.upper = 0.3f;
  v = add(new RandomContrast("random_contrast", contrast), {v});
  v = add(new Rescaling("rescaling", 1.0f / 255.0f, -0.5f), {v});
  v = add(new ZeroPadding2D("zero_padding2d", 1, 0, 2, 1), {v});
  Conv2DOptions c;
  c.filters = 6;
  c.kernel_h = 3;
  c.kernel_w = 2;
  c.stride_h = 1;
  c.stride_w = 2;
  c.padding = Padding::kSame;
  v = add(new Conv2D("conv2d", c), {v});
  v = add(new BatchNormalization("batch_normalization", BatchNormOptions{}), {v});
  ReLUOptions six;
  six.max_value = 6.0f;
  v = add(new ReLULayer("re_lu", six), {v});
  DepthwiseConv2DOptions d;
  d.depth_multiplier = 2;
  d.padding = Padding::kSame;
  d.activation = Activation::kTanh;
  const int dw = add(new DepthwiseConv2D("depthwise_conv2d", d), {v});
  ReLUOptions leaky;
  leaky.negative_slope = 0.2f;
  const int lr = add(new ReLULayer("leaky_re_lu", leaky, "LeakyReLU"), {dw});
  SeparableConv2DOptions s;
  s.filters = 12;
  s.padding = Padding::kSame;
  s.depth_multiplier = 2;
  s.use_bias = false;
  const int sep = add(new SeparableConv2D("separable_conv2d", s), {lr});
  v = add(new Add("add"), {sep, dw});
  Pool2DOptions p;
  p.padding = Padding::kSame;
  const int mp = add(new Pooling2D("max_pooling2d", PoolKind::kMax, p), {v});
  Pool2DOptions q;
  q.pool_h = q.pool_w = 3;
  q.stride_h = q.stride_w = 2;
  q.padding = Padding::kSame;
  const int ap = add(new Pooling2D("average_pooling2d", PoolKind::kAverage, q), {v});
  Conv2DOptions c2;
  c2.filters = 4;
  c2.kernel_h = c2.kernel_w = 1;
  c2.activation = Activation::kSigmoid;
  const int ap2 = add(new Conv2D("conv2d_1", c2), {ap});
  v = add(new Concatenate("concatenate"), {mp, ap2});
  v = add(new BatchNormalization(
              "batch_normalization_1",
              BatchNormOptions{.axis = 3, .momentum = 0.9f, .epsilon = 1e-5f, .center = true, .scale = false}),
          {v});
  const int gap = add(new GlobalAveragePooling2D("global_average_pooling2d"), {v});
  const int flat = add(new Flatten("flatten"), {v});
  DenseOptions a;
  a.units = 5;
  a.activation = Activation::kRelu;
  const int da = add(new Dense("dense", a), {gap});
  DenseOptions b;
  b.units = 5;
  b.use_bias = false;
  const int db = add(new Dense("dense_1", b), {flat});
  v = add(new Add("add_1"), {da, db});
  v = add(new ActivationLayer("activation", Activation::kTanh), {v});
  v = add(new Dropout("dropout", 0.25f), {v});
  DenseOptions e;
  e.units = 3;
  v = add(new Dense("dense_2", e), {v});
  v = add(new ActivationLayer("softmax", Activation::kSoftmax, "Softmax"), {v});
  NN_REQUIRE_OK(m->set_output(v));
  NN_REQUIRE_OK(m->finalize(7));
  // Non-trivial values everywhere, so a swapped or skipped weight shows: positive variances.
  Rng rng(11);
  for (const Node& n : m->nodes())
    for (Param& prm : n.layer->params())
      for (int64_t i = 0; i < prm.shape.numel(); ++i)
        prm.value[i] = prm.name == "moving_variance" ? rng.uniform(0.5f, 1.5f) : rng.uniform(-0.5f, 0.5f);
  return m;
}

// Writes model + its predictions on the fixture input for check-roundtrip.mjs, when asked to.
void export_for_tfjs(const Model& model, const std::string& name, const std::vector<float>& prediction, int n) {
  const char* dir = std::getenv("NN_TFJS_EXPORT_DIR");
  if (dir == nullptr || *dir == '\0') return;
  const std::string out = std::string(dir) + "/" + name;
  ::mkdir(dir, 0755);
  ::mkdir(out.c_str(), 0755);
  NN_REQUIRE_OK(save_tfjs_model(model, out));
  JsonValue expected = JsonValue::make_object();
  JsonValue shape = JsonValue::make_array();
  shape.push_back(JsonValue::make_number(n));
  for (int i = 0; i < model.input_shape().rank; ++i)
    shape.push_back(JsonValue::make_number(static_cast<double>(model.input_shape()[i])));
  JsonValue input = JsonValue::make_object();
  input.set("shape", std::move(shape));
  input.set("formula", JsonValue::make_string("(i * 37) % 255"));
  expected.set("input", std::move(input));
  JsonValue values = JsonValue::make_array();
  for (float p : prediction) values.push_back(JsonValue::make_number(p));
  expected.set("predictions", std::move(values));
  std::FILE* f = std::fopen((out + "/expected-predictions.json").c_str(), "wb");
  REQUIRE(f != nullptr);
  const std::string text = to_json(expected, 2) + "\n";
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
  MESSAGE("wrote ", out, " for check-roundtrip.mjs");
}

}  // namespace

TEST_CASE("tfjs weights: the TF.js-saved model predicts what TF.js predicted") {
  std::unique_ptr<Model> model;
  NN_REQUIRE_OK(load_tfjs_model(fixture_path(std::string(kFixtureDir) + "/model.json"), &model));
  JsonValue expected;
  NN_REQUIRE_OK(read_json_file(fixture_path(std::string(kFixtureDir) + "/expected-predictions.json"), &expected));
  const int n = static_cast<int>((*expected.find("input")->find("shape"))[0].as_number());
  const auto x = fixture_input(static_cast<size_t>(n) * model->input_shape().numel());
  const auto got = predict(model.get(), x, n);
  std::vector<float> want;
  for (const JsonValue& p : expected.find("predictions")->as_array()) want.push_back(static_cast<float>(p.as_number()));
  CAPTURE(got[0]);
  CAPTURE(want[0]);
  CHECK(relative_error(got, want) < 1e-4);
  // Every layer's output sum, to point at the layer when the prediction is off.
  for (const JsonValue& layer : expected.find("layer_outputs")->as_array()) {
    const std::string name = layer.find("name")->as_string();
    CAPTURE(name);
    const int node = model->find_layer(name);
    REQUIRE(node >= 0);
    const int value = model->nodes()[static_cast<size_t>(node)].output;
    const float* a = model->activation(value);
    const size_t count = static_cast<size_t>(n) * model->values()[static_cast<size_t>(value)].shape.numel();
    double sum = 0.0;
    for (size_t i = 0; i < count; ++i) sum += a[i];
    const double want_sum = layer.find("sum")->as_number(), sum_abs = layer.find("sum_abs")->as_number();
    CHECK(std::fabs(sum - want_sum) <= 1e-4 * std::max(1.0, sum_abs));
  }
}

TEST_CASE("tfjs weights: weight names may carry a scope prefix and a :0 suffix") {
  Fixture f = read_fixture();
  const JsonValue scoped = edit_specs(f.json, [](JsonValue* s) {
    s->set("name", JsonValue::make_string("model_a/" + s->find("name")->as_string() + ":0"));
    return true;
  });
  auto a = built(f.json), b = built(scoped);
  NN_REQUIRE_OK(load_tfjs_weights(f.json, {f.bin}, a.get()));
  NN_REQUIRE_OK(load_tfjs_weights(scoped, {f.bin}, b.get()));
  const auto x = fixture_input(2 * 16 * 16 * 3);
  CHECK(predict(a.get(), x, 2) == predict(b.get(), x, 2));
  // Shards split anywhere (even inside a float) read the same as one file.
  std::vector<std::string> parts = {f.bin.substr(0, 1001), f.bin.substr(1001, 2), f.bin.substr(1003)};
  JsonValue split = f.json;
  JsonValue group = (*f.json.find("weightsManifest"))[0];
  JsonValue paths = JsonValue::make_array();
  for (const char* p : {"group1-shard1of3.bin", "group1-shard2of3.bin", "group1-shard3of3.bin"})
    paths.push_back(JsonValue::make_string(p));
  group.set("paths", std::move(paths));
  JsonValue manifest = JsonValue::make_array();
  manifest.push_back(std::move(group));
  split.set("weightsManifest", std::move(manifest));
  auto c = built(split);
  NN_REQUIRE_OK(load_tfjs_weights(split, {parts[0], parts[1], parts[2]}, c.get()));
  CHECK(predict(c.get(), x, 2) == predict(a.get(), x, 2));
  std::vector<std::string> paths_out;
  NN_REQUIRE_OK(tfjs_weight_paths(split, &paths_out));
  CHECK(paths_out.size() == 3);
}

namespace {

// The fixture's manifest cut into two groups: group 1 holds the first `first_specs` weights in
// two files (split inside a float), group 2 the rest in one file. *group1_bytes gets group 1's size.
JsonValue two_groups(const JsonValue& json, size_t first_specs, size_t* group1_bytes) {
  const JsonValue& group = (*json.find("weightsManifest"))[0];
  JsonValue w1 = JsonValue::make_array(), w2 = JsonValue::make_array();
  *group1_bytes = 0;
  size_t i = 0;
  for (const JsonValue& spec : group.find("weights")->as_array()) {
    if (i++ < first_specs) {
      size_t numel = 1;
      for (const JsonValue& d : spec.find("shape")->as_array()) numel *= static_cast<size_t>(d.as_number());
      *group1_bytes += numel * sizeof(float);
      w1.push_back(spec);
    } else {
      w2.push_back(spec);
    }
  }
  auto make = [](std::initializer_list<const char*> names, JsonValue weights) {
    JsonValue g = JsonValue::make_object();
    JsonValue paths = JsonValue::make_array();
    for (const char* n : names) paths.push_back(JsonValue::make_string(n));
    g.set("paths", std::move(paths));
    g.set("weights", std::move(weights));
    return g;
  };
  JsonValue manifest = JsonValue::make_array();
  manifest.push_back(make({"group1-shard1of2.bin", "group1-shard2of2.bin"}, std::move(w1)));
  manifest.push_back(make({"group2-shard1of1.bin"}, std::move(w2)));
  JsonValue out = json;
  out.set("weightsManifest", std::move(manifest));
  return out;
}

}  // namespace

TEST_CASE("tfjs weights: several files load from one buffer each or from one concatenated buffer") {
  Fixture f = read_fixture();
  size_t g1 = 0;
  const JsonValue json = two_groups(f.json, 3, &g1);
  REQUIRE(g1 > 8);
  REQUIRE(g1 < f.bin.size());
  const std::string_view bin(f.bin);
  auto reference = built(f.json);
  NN_REQUIRE_OK(load_tfjs_weights(f.json, {bin}, reference.get()));
  const auto x = fixture_input(2 * 16 * 16 * 3);
  const auto want = predict(reference.get(), x, 2);

  SUBCASE("one buffer per file") {
    auto m = built(json);
    NN_REQUIRE_OK(load_tfjs_weights(json, {bin.substr(0, 6), bin.substr(6, g1 - 6), bin.substr(g1)}, m.get()));
    CHECK(predict(m.get(), x, 2) == want);
  }
  SUBCASE("all files concatenated in one buffer") {
    auto m = built(json);
    NN_REQUIRE_OK(load_tfjs_weights(json, {bin}, m.get()));
    CHECK(predict(m.get(), x, 2) == want);
  }
  SUBCASE("the wrong total size, or the wrong number of buffers") {
    auto m = built(json);
    const std::vector<float> before(m->params(), m->params() + m->count_params());
    Status st = load_tfjs_weights(json, {bin.substr(0, bin.size() - 4)}, m.get());
    CHECK(st.code() == StatusCode::kParseError);
    CHECK(st.message() ==
          "weight file(s) group1-shard1of2.bin, group1-shard2of2.bin, group2-shard1of1.bin (given "
          "concatenated as one buffer) hold " +
              std::to_string(f.bin.size() - 4) + " bytes but the weightsManifest needs " +
              std::to_string(f.bin.size()) + " (" +
              std::to_string(f.json.find("weightsManifest")->as_array()[0].find("weights")->size()) +
              " float32 weights): the file is truncated");
    st = load_tfjs_weights(json, {f.bin + "x"}, m.get());
    CHECK(st.message().find("extra bytes") != std::string::npos);
    // Per-file buffers are still checked group by group: the right total, cut at the wrong place.
    st = load_tfjs_weights(json, {bin.substr(0, 6), bin.substr(6, g1 - 2), bin.substr(g1 + 4)}, m.get());
    CHECK(st.message().find("weight file(s) group1-shard1of2.bin, group1-shard2of2.bin hold " +
                            std::to_string(g1 + 4)) != std::string::npos);
    st = load_tfjs_weights(json, {bin.substr(0, g1), bin.substr(g1)}, m.get());
    CHECK(st.code() == StatusCode::kInvalidArgument);
    CHECK(st.message().find("lists 3 weight file(s) but 2 were given") != std::string::npos);
    CHECK(std::equal(before.begin(), before.end(), m->params()));
  }
}

TEST_CASE("tfjs weights: bad weight files and manifests give clear errors and leave the model alone") {
  Fixture f = read_fixture();
  auto model = built(f.json);
  const std::vector<float> before(model->params(), model->params() + model->count_params());
  auto unchanged = [&] { return std::equal(before.begin(), before.end(), model->params()); };

  SUBCASE("truncated and overlong weight files") {
    Status st = load_tfjs_weights(f.json, {std::string_view(f.bin).substr(0, f.bin.size() - 3)}, model.get());
    CHECK(st.code() == StatusCode::kParseError);
    CHECK(st.message().find("truncated") != std::string::npos);
    CHECK(st.message().find("group1-shard1of1.bin") != std::string::npos);
    st = load_tfjs_weights(f.json, {f.bin + "abcd"}, model.get());
    CHECK(st.message().find("extra bytes") != std::string::npos);
    st = load_tfjs_weights(f.json, {}, model.get());
    CHECK(st.message().find("1 weight file(s) but 0") != std::string::npos);
  }
  SUBCASE("a weight of the wrong shape") {
    const JsonValue bad = edit_specs(f.json, [](JsonValue* s) {
      if (s->find("name")->as_string() == "conv2d/kernel") s->set("shape", shape_list({3, 3, 3, 16}));
      return true;
    });
    Status st = load_tfjs_weights(bad, {f.bin}, model.get());
    CHECK(st.code() == StatusCode::kShapeMismatch);
    CHECK(st.message() == "weight 'conv2d/kernel' has shape 3x3x3x16 but layer 'conv2d' expects 3x3x3x8");
  }
  SUBCASE("unknown weight names") {
    const JsonValue bad_layer = edit_specs(f.json, [](JsonValue* s) {
      if (s->find("name")->as_string() == "dense/bias") s->set("name", JsonValue::make_string("dense_9/bias"));
      return true;
    });
    Status st = load_tfjs_weights(bad_layer, {f.bin}, model.get());
    CHECK(st.message().find("'dense_9/bias'") != std::string::npos);
    CHECK(st.message().find("does not have") != std::string::npos);
    const JsonValue bad_param = edit_specs(f.json, [](JsonValue* s) {
      if (s->find("name")->as_string() == "dense/bias") s->set("name", JsonValue::make_string("dense/gamma"));
      return true;
    });
    st = load_tfjs_weights(bad_param, {f.bin}, model.get());
    CHECK(st.message().find("has no parameter 'gamma' (it has kernel, bias)") != std::string::npos);
    const JsonValue no_slash = edit_specs(f.json, [](JsonValue* s) {
      if (s->find("name")->as_string() == "dense/bias") s->set("name", JsonValue::make_string("bias"));
      return true;
    });
    CHECK(load_tfjs_weights(no_slash, {f.bin}, model.get()).message().find("layer/parameter") != std::string::npos);
    const JsonValue twice = edit_specs(f.json, [](JsonValue* s) {
      if (s->find("name")->as_string() == "conv2d_1/bias") s->set("name", JsonValue::make_string("conv2d/bias"));
      return true;
    });
    CHECK(load_tfjs_weights(twice, {f.bin}, model.get()).message().find("appears twice") != std::string::npos);
  }
  SUBCASE("a missing weight") {
    const JsonValue bad = edit_specs(f.json, [](JsonValue* s) { return s->find("name")->as_string() != "dense/bias"; });
    Status st = load_tfjs_weights(bad, {std::string_view(f.bin).substr(0, f.bin.size() - 4)}, model.get());
    CHECK(st.message().find("no weight 'dense/bias'") != std::string::npos);
  }
  SUBCASE("dtypes other than float32 and quantized weights") {
    const JsonValue ints = edit_specs(f.json, [](JsonValue* s) {
      if (s->find("name")->as_string() == "conv2d/bias") s->set("dtype", JsonValue::make_string("int32"));
      return true;
    });
    Status st = load_tfjs_weights(ints, {f.bin}, model.get());
    CHECK(st.code() == StatusCode::kUnsupported);
    CHECK(st.message().find("'conv2d/bias'") != std::string::npos);
    const JsonValue quantized = edit_specs(f.json, [](JsonValue* s) {
      JsonValue q = JsonValue::make_object();
      q.set("dtype", JsonValue::make_string("uint8"));
      if (s->find("name")->as_string() == "conv2d_3/kernel") s->set("quantization", std::move(q));
      return true;
    });
    st = load_tfjs_weights(quantized, {f.bin}, model.get());
    CHECK(st.code() == StatusCode::kUnsupported);
    CHECK(st.message().find("'conv2d_3/kernel' is quantized") != std::string::npos);
  }
  SUBCASE("NaN or Inf in a weight is rejected at load, naming the weight (issue 12)") {
    std::string nan_bin = f.bin, inf_bin = f.bin;
    const float nan = std::nanf(""), inf = -std::numeric_limits<float>::infinity();
    std::memcpy(&nan_bin[3 * sizeof(float)], &nan, sizeof nan);
    std::memcpy(&inf_bin[inf_bin.size() - sizeof(float)], &inf, sizeof inf);
    Status st = load_tfjs_weights(f.json, {nan_bin}, model.get());
    CHECK(st.code() == StatusCode::kInvalidArgument);
    CHECK(st.message() == "weight 'conv2d/kernel' has nan at element 3: weights must be finite numbers");
    st = load_tfjs_weights(f.json, {inf_bin}, model.get());
    CHECK(st.code() == StatusCode::kInvalidArgument);
    CHECK(st.message().find("has -inf at element") != std::string::npos);
  }
  SUBCASE("no manifest, a topology-only file, an unfinalized model") {
    JsonValue none = JsonValue::make_object();
    CHECK(load_tfjs_weights(none, {}, model.get()).message().find("weightsManifest") != std::string::npos);
    JsonValue topology_only;
    NN_REQUIRE_OK(read_json_file(fixture_path("model-a-16.json"), &topology_only));
    std::unique_ptr<Model> a16;
    NN_REQUIRE_OK(model_from_json(topology_only, &a16));
    CHECK(load_tfjs_weights(topology_only, {}, a16.get()).code() == StatusCode::kFailedPrecondition);
    NN_REQUIRE_OK(a16->finalize(1));
    CHECK(load_tfjs_weights(topology_only, {}, a16.get()).message().find("topology only") != std::string::npos);
    std::unique_ptr<Model> m;
    CHECK(load_tfjs_model(fixture_path("no-such-dir/model.json"), &m).message().find("no-such-dir") !=
          std::string::npos);
  }
  CHECK(unchanged());
}

TEST_CASE("tfjs writer: model A's fixture and a model of every layer class round-trip exactly") {
  std::unique_ptr<Model> fixture;
  NN_REQUIRE_OK(load_tfjs_model(fixture_path(std::string(kFixtureDir) + "/model.json"), &fixture));
  std::unique_ptr<Model> zoo = layer_zoo();
  for (Model* original : {fixture.get(), zoo.get()}) {
    CAPTURE(original->name());
    JsonValue json;
    std::string bin;
    NN_REQUIRE_OK(model_to_tfjs(*original, &json, &bin));
    CHECK(bin.size() == static_cast<size_t>(original->count_params()) * sizeof(float));
    std::unique_ptr<Model> copy;
    NN_REQUIRE_OK(model_from_json_text(to_json(json, 2), &copy));
    NN_REQUIRE_OK(copy->finalize(99));
    NN_REQUIRE_OK(load_tfjs_weights(json, {bin}, copy.get()));
    // Same layers, shapes and options: the written configs read back into the same model.
    const ModelSummary a = original->summary(), b = copy->summary();
    REQUIRE(a.layers.size() == b.layers.size());
    for (size_t i = 0; i < a.layers.size(); ++i) {
      CHECK(a.layers[i].name == b.layers[i].name);
      CHECK(a.layers[i].class_name == b.layers[i].class_name);
      CHECK(a.layers[i].output_shape == b.layers[i].output_shape);
      CHECK(a.layers[i].inbound == b.layers[i].inbound);
    }
    JsonValue again;
    std::string bin_again;
    NN_REQUIRE_OK(model_to_tfjs(*copy, &again, &bin_again));
    CHECK(to_json(again) == to_json(json));
    CHECK(bin_again == bin);
    const int n = 2;
    const auto x = fixture_input(static_cast<size_t>(n) * original->input_shape().numel());
    const auto want = predict(original, x, n);
    CHECK(predict(copy.get(), x, n) == want);
    export_for_tfjs(*original, original->name(), want, n);
  }
}

TEST_CASE("tfjs writer: layers it cannot write and unfinalized models are errors") {
  JsonValue json;
  std::string bin;
  Model empty("empty");
  CHECK(model_to_tfjs(empty, &json, &bin).code() == StatusCode::kFailedPrecondition);

  class Custom final : public Layer {
   public:
    Custom() : Layer("custom_layer") {}
    const char* class_name() const override { return "FancyLayer"; }
    void forward(const RunContext&, const std::vector<const float*>&, float*) override {}
    void backward(const RunContext&, const std::vector<const float*>&, const float*, const float*,
                  const std::vector<float*>&) override {}

   protected:
    Status do_build(const std::vector<Shape>& in, Shape* out) override {
      *out = in[0];
      return Status::ok();
    }
  };
  Model m("m");
  int x = -1, y = -1;
  NN_REQUIRE_OK(m.add_input("input", Shape{4}, &x));
  NN_REQUIRE_OK(m.add_layer(std::make_unique<Custom>(), {x}, &y));
  NN_REQUIRE_OK(m.set_output(y));
  NN_REQUIRE_OK(m.finalize(1));
  Status st = model_to_tfjs(m, &json, &bin);
  CHECK(st.code() == StatusCode::kUnsupported);
  CHECK(st.message().find("'custom_layer'") != std::string::npos);
  CHECK(st.message().find("FancyLayer") != std::string::npos);
}
