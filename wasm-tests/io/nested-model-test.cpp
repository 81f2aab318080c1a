// Nested models in model.json (issue 15): a Sequential or functional model used as a layer of
// another one is expanded into the flat graph, its weights load by their inner layer names, and
// it predicts exactly what the same layers written flat by hand predict. Also SeparableConv2D /
// DepthwiseConv2D depth_multiplier read from the weightsManifest when the config omits it.
// Run: nn_tests_native -tc='*nested*,*depth_multiplier*'.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "io/model-json.h"
#include "io/tfjs-weights.h"
#include "testing/test-util.h"

using namespace nn;
using nn::testing::random_vector;
using nn::testing::test_pool;

namespace {

// A model.json text from a topology and a weightsManifest weights list (one group).
std::string model_json(const std::string& topology, const std::string& weights) {
  return "{\"format\": \"layers-model\", \"modelTopology\": " + topology +
         ", \"weightsManifest\": [{\"paths\": [\"weights.bin\"], \"weights\": " + weights + "]}]}";
}

std::string spec(const std::string& name, const std::string& shape) {
  return "{\"name\": \"" + name + "\", \"shape\": " + shape + ", \"dtype\": \"float32\"}";
}

// Seeded bytes for every weight of the manifest, in manifest order.
std::string weight_bytes(const JsonValue& root, uint64_t seed) {
  std::string bytes;
  const JsonValue& weights = *(*root.find("weightsManifest"))[0].find("weights");
  for (size_t i = 0; i < weights.size(); ++i) {
    size_t n = 1;
    for (const JsonValue& d : weights[i].find("shape")->as_array()) n *= static_cast<size_t>(d.as_number());
    const std::vector<float> w = random_vector(n, seed + i, -0.5f, 0.5f);
    bytes.append(reinterpret_cast<const char*>(w.data()), n * sizeof(float));
  }
  return bytes;
}

struct Loaded {
  std::unique_ptr<Model> model;
  std::vector<std::string> names;  // the flat graph's layer names, in order
};

Loaded load(const std::string& text, uint64_t seed = 7) {
  JsonValue root;
  NN_REQUIRE_OK(parse_json(text, &root));
  Loaded l;
  NN_REQUIRE_OK(model_from_json(root, &l.model));
  NN_REQUIRE_OK(l.model->finalize(1));
  const std::string bytes = weight_bytes(root, seed);
  NN_REQUIRE_OK(load_tfjs_weights(root, {bytes}, l.model.get()));
  for (const Node& n : l.model->nodes()) l.names.push_back(n.layer->name());
  return l;
}

std::vector<float> predict(Model* model, int n) {
  const std::vector<float> x = random_vector(static_cast<size_t>(n) * model->input_shape().numel(), 99);
  PlanOptions plan;
  plan.training = false;
  NN_REQUIRE_OK(model->plan(n, test_pool(), plan));
  const float* out = nullptr;
  NN_REQUIRE_OK(model->forward(x.data(), n, false, nullptr, &out));
  return std::vector<float>(out, out + static_cast<size_t>(n) * model->output_shape().numel());
}

// Same predictions, bit for bit (the flat graphs are the same, so the arithmetic is too), and
// not a constant output that any wiring would give.
void check_same_predictions(Model* nested, Model* flat) {
  const std::vector<float> a = predict(nested, 3), b = predict(flat, 3);
  REQUIRE(a.size() == b.size());
  CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
  bool varies = false;
  for (float v : a) varies = varies || v != a[0];
  CHECK(varies);
}

Status load_error(const std::string& text) {
  std::unique_ptr<Model> model;
  Status st = model_from_json_text(text, &model);
  if (st.is_ok()) st = model->finalize(1);
  return st;
}

bool contains(const Status& st, const std::string& s) { return st.message().find(s) != std::string::npos; }

// Layer configs, TF.js-style (config.name, defaults left out).
std::string conv(const std::string& name, int filters, const std::string& extra = "") {
  return "{\"class_name\": \"Conv2D\", \"config\": {\"name\": \"" + name +
         "\", \"filters\": " + std::to_string(filters) +
         ", \"kernel_size\": [3, 3], \"padding\": \"same\", \"activation\": \"relu\"" + extra + "}}";
}
std::string ref(const std::string& name) { return "[\"" + name + "\", 0, 0, {}]"; }
// A functional-model layer: the layer with its inbound node.
std::string node(const std::string& layer, const std::string& name, const std::vector<std::string>& from) {
  std::string l = layer;
  l.pop_back();
  std::string refs;
  for (const std::string& f : from) refs += (refs.empty() ? "" : ", ") + ref(f);
  return l + ", \"name\": \"" + name + "\", \"inbound_nodes\": [[" + refs + "]]}";
}
std::string input_layer(const std::string& name, const std::string& shape) {
  return "{\"class_name\": \"InputLayer\", \"name\": \"" + name + "\", \"config\": {\"name\": \"" + name +
         "\", \"batch_input_shape\": " + shape + "}, \"inbound_nodes\": []}";
}
std::string functional(const std::string& name, const std::vector<std::string>& layers, const std::string& input,
                       const std::string& output) {
  std::string list;
  for (const std::string& l : layers) list += (list.empty() ? "" : ", ") + l;
  return "{\"class_name\": \"Model\", \"config\": {\"name\": \"" + name + "\", \"layers\": [" + list +
         "], \"input_layers\": [[\"" + input + "\", 0, 0]], \"output_layers\": [[\"" + output + "\", 0, 0]]}}";
}
std::string sequential(const std::string& name, const std::vector<std::string>& layers) {
  std::string list;
  for (const std::string& l : layers) list += (list.empty() ? "" : ", ") + l;
  return "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"" + name + "\", \"layers\": [" + list + "]}}";
}
const std::string kGap = "{\"class_name\": \"GlobalAveragePooling2D\", \"config\": {\"name\": \"gap\"}}";
std::string dense(const std::string& name, int units, const std::string& extra = "") {
  return "{\"class_name\": \"Dense\", \"config\": {\"name\": \"" + name + "\", \"units\": " + std::to_string(units) +
         extra + "}}";
}

}  // namespace

TEST_CASE("nested: Teachable-Machine-shaped Sequential[Sequential[Model, GAP], Sequential[Dense, Dense]] loads") {
  // The export's shape: the outer Sequential's first layer is a Sequential whose first layer is
  // a functional model; only that model's InputLayer says what the input is.
  const std::string base =
      functional("base",
                 {input_layer("base_input", "[null, 6, 6, 2]"), node(conv("conv_a", 4), "conv_a", {"base_input"}),
                  node(conv("conv_b", 3), "conv_b", {"conv_a"})},
                 "base_input", "conv_b");
  const std::string head =
      sequential("head", {dense("d1", 5, ", \"activation\": \"relu\", \"batch_input_shape\": [null, 3]"),
                          dense("d2", 2, ", \"activation\": \"softmax\", \"use_bias\": false")});
  const std::string weights = "[" + spec("conv_a/kernel", "[3, 3, 2, 4]") + ", " + spec("conv_a/bias", "[4]") + ", " +
                              spec("conv_b/kernel", "[3, 3, 4, 3]") + ", " + spec("conv_b/bias", "[3]") + ", " +
                              spec("d1/kernel", "[3, 5]") + ", " + spec("d1/bias", "[5]") + ", " +
                              spec("d2/kernel", "[5, 2]");
  Loaded nested = load(model_json(sequential("outer", {sequential("features", {base, kGap}), head}), weights));
  // Keras names the input of a Sequential without an InputLayer "<first layer>_input".
  CHECK(nested.names == std::vector<std::string>{"features_input", "conv_a", "conv_b", "gap", "d1", "d2"});
  CHECK(nested.model->name() == "outer");
  CHECK(nested.model->input_shape() == Shape{6, 6, 2});
  CHECK(nested.model->output_shape() == Shape{2});

  const std::string flat =
      functional("flat",
                 {input_layer("features_input", "[null, 6, 6, 2]"),
                  node(conv("conv_a", 4), "conv_a", {"features_input"}), node(conv("conv_b", 3), "conv_b", {"conv_a"}),
                  node(kGap, "gap", {"conv_b"}), node(dense("d1", 5, ", \"activation\": \"relu\""), "d1", {"gap"}),
                  node(dense("d2", 2, ", \"activation\": \"softmax\", \"use_bias\": false"), "d2", {"d1"})},
                 "features_input", "d2");
  Loaded by_hand = load(model_json(flat, weights));
  check_same_predictions(nested.model.get(), by_hand.model.get());

  // The input shape comes from the nested model: a different one there changes the model's.
  Loaded wider = load(model_json(
      sequential("outer", {sequential("features", {functional("base",
                                                              {input_layer("base_input", "[null, 8, 5, 2]"),
                                                               node(conv("conv_a", 4), "conv_a", {"base_input"}),
                                                               node(conv("conv_b", 3), "conv_b", {"conv_a"})},
                                                              "base_input", "conv_b"),
                                                   kGap}),
                           head}),
      weights));
  CHECK(wider.model->input_shape() == Shape{8, 5, 2});
}

TEST_CASE("nested: a Sequential in the middle of a functional model, referenced by its name") {
  // in -> c1 -> Sequential 'mid' [c2, c3] -> add(c1, mid) -> gap -> out
  const std::string mid = sequential("mid", {conv("c2", 4), conv("c3", 4, ", \"activation\": \"linear\"")});
  const std::string add = "{\"class_name\": \"Add\", \"config\": {\"name\": \"add\"}}";
  std::string mid_node = mid;
  mid_node.pop_back();
  mid_node += ", \"name\": \"mid\", \"inbound_nodes\": [[" + ref("c1") + "]]}";
  const std::string weights = "[" + spec("c1/kernel", "[3, 3, 3, 4]") + ", " + spec("c1/bias", "[4]") + ", " +
                              spec("c2/kernel", "[3, 3, 4, 4]") + ", " + spec("c2/bias", "[4]") + ", " +
                              spec("c3/kernel", "[3, 3, 4, 4]") + ", " + spec("c3/bias", "[4]") + ", " +
                              spec("out/kernel", "[4, 3]") + ", " + spec("out/bias", "[3]");
  Loaded nested = load(model_json(
      functional("outer",
                 {input_layer("in", "[null, 5, 5, 3]"), node(conv("c1", 4), "c1", {"in"}), mid_node,
                  node(add, "add", {"c1", "mid"}), node(kGap, "gap", {"add"}), node(dense("out", 3), "out", {"gap"})},
                 "in", "out"),
      weights));
  CHECK(nested.names == std::vector<std::string>{"in", "c1", "c2", "c3", "add", "gap", "out"});

  const std::string flat =
      functional("flat",
                 {input_layer("in", "[null, 5, 5, 3]"), node(conv("c1", 4), "c1", {"in"}),
                  node(conv("c2", 4), "c2", {"c1"}), node(conv("c3", 4, ", \"activation\": \"linear\""), "c3", {"c2"}),
                  node(add, "add", {"c1", "c3"}), node(kGap, "gap", {"add"}), node(dense("out", 3), "out", {"gap"})},
                 "in", "out");
  Loaded by_hand = load(model_json(flat, weights));
  check_same_predictions(nested.model.get(), by_hand.model.get());
}

TEST_CASE("nested: two levels, a functional model holding a Sequential inside a functional model") {
  // outer: input_1 -> 'middle' -> dense. middle (functional): its own input_1 -> mc ->
  // 'inner' (Sequential [ic]) -> add(mc, inner). The InputLayers of both models are named
  // input_1, as Keras often names them: a nested model's inputs are not layers of the flat graph.
  const std::string add = "{\"class_name\": \"Add\", \"config\": {\"name\": \"add\"}}";
  std::string inner = sequential("inner", {conv("ic", 2, ", \"batch_input_shape\": [null, 4, 4, 2]")});
  inner.pop_back();
  inner += ", \"name\": \"inner\", \"inbound_nodes\": [[" + ref("mc") + "]]}";
  std::string middle = functional("middle",
                                  {input_layer("input_1", "[null, 4, 4, 3]"), node(conv("mc", 2), "mc", {"input_1"}),
                                   inner, node(add, "add", {"mc", "inner"})},
                                  "input_1", "add");
  middle.pop_back();
  middle += ", \"name\": \"middle\", \"inbound_nodes\": [[" + ref("input_1") + "]]}";
  const std::string weights = "[" + spec("middle/mc/kernel", "[3, 3, 3, 2]") + ", " + spec("mc/bias", "[2]") + ", " +
                              spec("ic/kernel", "[3, 3, 2, 2]") + ", " + spec("ic/bias", "[2]") + ", " +
                              spec("flatten_dense/kernel", "[32, 2]") + ", " + spec("flatten_dense/bias", "[2]");
  const std::string flatten = "{\"class_name\": \"Flatten\", \"config\": {\"name\": \"flatten\"}}";
  Loaded nested = load(
      model_json(functional("outer",
                            {input_layer("input_1", "[null, 4, 4, 3]"), middle, node(flatten, "flatten", {"middle"}),
                             node(dense("flatten_dense", 2), "flatten_dense", {"flatten"})},
                            "input_1", "flatten_dense"),
                 weights));
  CHECK(nested.names == std::vector<std::string>{"input_1", "mc", "ic", "add", "flatten", "flatten_dense"});

  const std::string flat =
      functional("flat",
                 {input_layer("input_1", "[null, 4, 4, 3]"), node(conv("mc", 2), "mc", {"input_1"}),
                  node(conv("ic", 2), "ic", {"mc"}), node(add, "add", {"mc", "ic"}), node(flatten, "flatten", {"add"}),
                  node(dense("flatten_dense", 2), "flatten_dense", {"flatten"})},
                 "input_1", "flatten_dense");
  Loaded by_hand = load(model_json(flat, weights));
  check_same_predictions(nested.model.get(), by_hand.model.get());
}

TEST_CASE("nested: Keras 3 files (keras_history inbound nodes, single input_layers entry) nest too") {
  // Keras 3 writes "Functional", InputLayer batch_shape, inbound nodes as call args holding
  // keras_history, and a lone input or output as [name, node, tensor] without the outer list.
  // Both models' InputLayers are named input_layer, as Keras 3 names them.
  const std::string history =
      "{\"args\": [{\"class_name\": \"__keras_tensor__\", \"config\": {\"shape\": [null, 4, "
      "4, 3], \"dtype\": \"float32\", \"keras_history\": [\"";
  auto k3_node = [&](const std::string& layer, const std::string& name, const std::string& from, int node_index) {
    std::string l = layer;
    l.pop_back();
    return l + ", \"name\": \"" + name + "\", \"inbound_nodes\": [" + history + from + "\", " +
           std::to_string(node_index) + ", 0]}}], \"kwargs\": {}}]}";
  };
  const std::string k3_input =
      "{\"class_name\": \"InputLayer\", \"name\": \"input_layer\", \"config\": {\"name\": \"input_layer\", "
      "\"batch_shape\": [null, 4, 4, 3], \"dtype\": \"float32\"}, \"inbound_nodes\": []}";
  const std::string base =
      "{\"module\": \"keras\", \"class_name\": \"Functional\", \"config\": {\"name\": \"base\", "
      "\"layers\": [" +
      k3_input + ", " + k3_node(conv("bc", 2), "bc", "input_layer", 0) +
      "], \"input_layers\": [\"input_layer\", 0, 0], \"output_layers\": [\"bc\", 0, 0]}}";
  const std::string outer = "{\"class_name\": \"Functional\", \"config\": {\"name\": \"outer\", \"layers\": [" +
                            k3_input + ", " + k3_node(base, "base", "input_layer", 0) + ", " +
                            k3_node(kGap, "gap", "base", 1) +
                            "], \"input_layers\": [\"input_layer\", 0, 0], \"output_layers\": [\"gap\", 0, 0]}}";
  const std::string weights = "[" + spec("bc/kernel", "[3, 3, 3, 2]") + ", " + spec("bc/bias", "[2]");
  Loaded nested = load(model_json(outer, weights));
  CHECK(nested.names == std::vector<std::string>{"input_layer", "bc", "gap"});

  const std::string flat = functional("flat",
                                      {input_layer("input_layer", "[null, 4, 4, 3]"),
                                       node(conv("bc", 2), "bc", {"input_layer"}), node(kGap, "gap", {"bc"})},
                                      "input_layer", "gap");
  Loaded by_hand = load(model_json(flat, weights));
  check_same_predictions(nested.model.get(), by_hand.model.get());
}

TEST_CASE("nested: clashing layer names and mismatched nested inputs give clear errors") {
  // A layer of the nested model has the name of a layer of the outer one.
  const std::string base =
      functional("base", {input_layer("base_input", "[null, 6, 6, 2]"), node(conv("conv", 4), "conv", {"base_input"})},
                 "base_input", "conv");
  Status st = load_error(sequential("outer", {base, conv("conv", 4)}));
  INFO(st.message());  // read when a check fails: the message of the case at hand
  CHECK(st.code() == StatusCode::kInvalidArgument);
  CHECK(contains(st, "two layers are named 'conv'"));
  CHECK(contains(st, "model 'outer' > 'base'"));
  CHECK(contains(st, "one in model 'outer' > 'base' and one in model 'outer'"));

  // Two layers of one nested Sequential.
  st = load_error(sequential("outer", {base, sequential("head", {kGap, kGap})}));
  CHECK(st.code() == StatusCode::kInvalidArgument);
  CHECK(contains(st, "model 'outer' > 'head' has two layers named 'gap'"));

  // A nested model applied to values of another shape than its InputLayer's.
  std::string applied = base;
  applied.pop_back();
  applied += ", \"name\": \"base\", \"inbound_nodes\": [[" + ref("in") + "]]}";
  st = load_error(functional("outer", {input_layer("in", "[null, 6, 6, 3]"), applied}, "in", "base"));
  CHECK(st.code() == StatusCode::kShapeMismatch);
  CHECK(contains(st, "InputLayer 'base_input' of model 'outer' > 'base'"));
  CHECK(contains(st, "[null, 6, 6, 2]"));
  CHECK(contains(st, "6x6x3"));

  // A Sequential with nothing that declares an input shape, nested or not.
  st = load_error(sequential("outer", {sequential("inner", {conv("c", 2)}), kGap}));
  CHECK(st.code() == StatusCode::kParseError);
  CHECK(contains(st, "the Sequential model 'outer' does not declare its input shape"));
}

TEST_CASE("depth_multiplier of SeparableConv2D and DepthwiseConv2D is read from the weightsManifest when missing") {
  // TF.js 4.22's SeparableConv2D.getConfig drops depth_multiplier: the saved config has none.
  const std::string sep =
      "{\"class_name\": \"SeparableConv2D\", \"config\": {\"name\": \"sep\", \"filters\": 5, \"kernel_size\": [3, "
      "3], \"padding\": \"same\"}}";
  const std::string dw =
      "{\"class_name\": \"DepthwiseConv2D\", \"config\": {\"name\": \"dw\", \"kernel_size\": [3, 3], \"padding\": "
      "\"same\"}}";
  const std::string topology = functional("m",
                                          {input_layer("in", "[null, 5, 5, 2]"), node(sep, "sep", {"in"}),
                                           node(dw, "dw", {"sep"}), node(kGap, "gap", {"dw"})},
                                          "in", "gap");
  // Scoped names, as the Keras converter may write them, are matched too.
  const std::string weights = "[" + spec("sep/depthwise_kernel", "[3, 3, 2, 3]") + ", " +
                              spec("sep/pointwise_kernel", "[1, 1, 6, 5]") + ", " + spec("sep/bias", "[5]") + ", " +
                              spec("m/dw/depthwise_kernel:0", "[3, 3, 5, 2]") + ", " + spec("dw/bias", "[10]");
  Loaded l = load(model_json(topology, weights));
  CHECK(l.model->output_shape() == Shape{10});  // 5 filters x multiplier 2

  // Inside a nested model as well.
  Loaded nested =
      load(model_json(sequential("outer", {functional("m",
                                                      {input_layer("in", "[null, 5, 5, 2]"), node(sep, "sep", {"in"}),
                                                       node(dw, "dw", {"sep"}), node(kGap, "gap", {"dw"})},
                                                      "in", "gap")}),
                      weights));
  CHECK(nested.model->output_shape() == Shape{10});

  // Without a manifest the Keras default of 1 stands.
  std::unique_ptr<Model> model;
  NN_REQUIRE_OK(model_from_json_text(topology, &model));
  NN_REQUIRE_OK(model->finalize(1));
  CHECK(model->output_shape() == Shape{5});

  // A config that says 1 is believed: the weights then do not fit, and the loader says so.
  std::string sep_1 = sep;
  sep_1.replace(sep_1.find("\"filters\""), 0, "\"depth_multiplier\": 1, ");
  JsonValue root;
  NN_REQUIRE_OK(parse_json(model_json(functional("m",
                                                 {input_layer("in", "[null, 5, 5, 2]"), node(sep_1, "sep", {"in"}),
                                                  node(dw, "dw", {"sep"}), node(kGap, "gap", {"dw"})},
                                                 "in", "gap"),
                                      weights),
                           &root));
  NN_REQUIRE_OK(model_from_json(root, &model));
  NN_REQUIRE_OK(model->finalize(1));
  const std::string bytes = weight_bytes(root, 1);
  Status st = load_tfjs_weights(root, {bytes}, model.get());
  CHECK(st.code() == StatusCode::kShapeMismatch);
  CHECK(contains(st, "weight 'sep/depthwise_kernel' has shape 3x3x2x3 but layer 'sep' expects 3x3x2x1"));
}

namespace {

std::vector<float> base64_floats(const std::string& text) {
  std::string bytes;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    if (c >= '0' && c <= '9') v = c - '0' + 52;
    if (c == '+') v = 62;
    if (c == '/') v = 63;
    if (v < 0) continue;  // '=' padding
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  std::vector<float> out(bytes.size() / sizeof(float));
  std::memcpy(out.data(), bytes.data(), out.size() * sizeof(float));
  return out;
}

}  // namespace

// The real shapes: the fixtures of web/convnet-wasm/tests/transfer/make-fixtures.mjs (TF.js 4.22,
// not in the repository: ~5 MB). Run with NN_TRANSFER_FIXTURES_DIR=<its outDir>; skipped without.
TEST_CASE("nested: TF.js transfer fixtures predict what TF.js predicted (NN_TRANSFER_FIXTURES_DIR)") {
  const char* dir = std::getenv("NN_TRANSFER_FIXTURES_DIR");
  if (!dir) return;
  for (const std::string name :
       {"tm_image_v2_0.35_96", "separable_dm2", "mobilenet_v2_0.35_96", "mobilenet_v1_0.25_128"}) {
    CAPTURE(name);
    const std::string at = std::string(dir) + "/" + name;
    std::unique_ptr<Model> model;
    NN_REQUIRE_OK(load_tfjs_model(at + "/model.json", &model));
    JsonValue expected;
    NN_REQUIRE_OK(read_json_file(at + "/expected.json", &expected));
    const JsonValue& params = *expected.find("params");
    CHECK(model->count_params() == static_cast<int64_t>(params.find("total")->as_number()));
    CHECK(model->trainable_count() == static_cast<int64_t>(params.find("trainable")->as_number()));
    const std::vector<float> x = base64_floats(expected.find("input")->find("base64")->as_string());
    const std::vector<float> want = base64_floats(expected.find("output")->find("base64")->as_string());
    const int n = static_cast<int>(x.size() / static_cast<size_t>(model->input_shape().numel()));
    PlanOptions plan;
    plan.training = false;
    NN_REQUIRE_OK(model->plan(n, test_pool(), plan));
    const float* out = nullptr;
    NN_REQUIRE_OK(model->forward(x.data(), n, false, nullptr, &out));
    const std::vector<float> got(out, out + static_cast<size_t>(n) * model->output_shape().numel());
    REQUIRE(got.size() == want.size());
    // Relative to the output's scale: max |ours - TF.js| / max |TF.js|.
    double diff = 0, scale = 0;
    for (size_t i = 0; i < got.size(); ++i) {
      diff = std::max(diff, std::fabs(static_cast<double>(got[i]) - want[i]));
      scale = std::max(scale, std::fabs(static_cast<double>(want[i])));
    }
    const double worst = diff / scale;
    MESSAGE(name, ": max relative error ", worst);
    CHECK(worst < 1e-4);
  }
}
