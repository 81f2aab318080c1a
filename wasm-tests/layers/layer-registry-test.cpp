// The layer registry (layers/layer-registry.inc) against what hangs off it: every registered
// class has a finite-difference gradient check (NN_GRAD_CHECKED beside its case), is read and
// written through its registered reader and writer (config -> layer -> config -> layer -> config
// gives the same config), and its aliases read as it. Run: nn_tests_native -tc='*registry*'
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>

#include "io/json.h"
#include "io/layer-config.h"
#include "testing/grad-check.h"
#include "testing/test-util.h"

using namespace nn;

namespace {

// Registered classes without a gradient check, and why.
const std::map<std::string, const char*> kNoGradientCheck = {
    {"InputLayer", "the graph writes its output: it has no forward or backward of its own"},
};

// The smallest valid config of each class: a name, plus the keys a class requires.
std::string minimal_config(const std::string& keras_class) {
  static const std::map<std::string, std::string> required = {
      {"InputLayer", R"(, "batch_input_shape": [null, 4, 4, 3])"},
      {"RandomRotation", R"(, "factor": 0.1)"},
      {"RandomZoom", R"(, "height_factor": 0.1)"},
      {"RandomTranslation", R"(, "height_factor": 0.1, "width_factor": 0.2)"},
      {"RandomContrast", R"(, "factor": 0.3)"},
      {"Reshape", R"(, "target_shape": [2, -1])"},
  };
  auto it = required.find(keras_class);
  return R"({"name": "l")" + (it == required.end() ? std::string() : it->second) + "}";
}

Status read(const std::string& keras_class, const std::string& json, std::unique_ptr<Layer>* out) {
  JsonValue config;
  NN_RETURN_IF_ERROR(parse_json(json, &config));
  return layer_from_config(keras_class, config, out);
}

class CustomLayer final : public Layer {
 public:
  CustomLayer() : Layer("mine") {}
  const char* class_name() const override { return "MyCustomLayer"; }
  void forward(const RunContext&, const std::vector<const float*>&, float*) override {}
  void backward(const RunContext&, const std::vector<const float*>&, const float*, const float*,
                const std::vector<float*>&) override {}

 protected:
  Status do_build(const std::vector<Shape>& inputs, Shape* output) override {
    *output = inputs[0];
    return Status::ok();
  }
};

}  // namespace

TEST_CASE("layer registry: every registered class has a gradient check, and every check a registered class") {
  const std::vector<std::string>& registered = layer_classes();
  REQUIRE(registered.size() >= 24);
  const std::set<std::string>& checked = nn::testing::grad_checked_classes();
  for (const std::string& c : registered) {
    CAPTURE(c);
    if (kNoGradientCheck.count(c)) {
      CHECK(!checked.count(c));  // a check now exists: drop the exemption
      continue;
    }
    INFO("no gradient check declares ", c, ": add one with NN_GRAD_CHECKED(\"", c,
         "\") beside it (wasm-tests/layers/)");
    CHECK(checked.count(c) == 1);
  }
  const std::set<std::string> known(registered.begin(), registered.end());
  for (const std::string& c : checked) {
    INFO("NN_GRAD_CHECKED(\"", c, "\") names a class layers/layer-registry.inc does not list");
    CHECK(known.count(c) == 1);
  }
  for (const auto& [c, why] : kNoGradientCheck) CHECK(known.count(c) == 1);
}

TEST_CASE("layer registry: each class reads its minimal config, writes it, and reads the result back the same") {
  const std::string supported = supported_layer_classes();
  for (const std::string& c : layer_classes()) {
    CAPTURE(c);
    CHECK(supported.find(c) != std::string::npos);
    std::unique_ptr<Layer> layer, again;
    NN_REQUIRE_OK(read(c, minimal_config(c), &layer));
    CHECK(layer->class_name() == c);
    CHECK(layer->name() == "l");
    JsonValue written, rewritten;
    NN_REQUIRE_OK(layer_to_config(*layer, &written));
    written.set("name", JsonValue::make_string("l"));
    NN_REQUIRE_OK(layer_from_config(c, written, &again));
    CHECK(again->class_name() == c);
    NN_REQUIRE_OK(layer_to_config(*again, &rewritten));
    rewritten.set("name", JsonValue::make_string("l"));
    CHECK(to_json(rewritten) == to_json(written));
  }
}

TEST_CASE("layer registry: aliases read as their class; unknown classes name the supported ones") {
  const std::pair<const char*, const char*> aliases[] = {
      {"Convolution2D", "Conv2D"},
      {"MaxPool2D", "MaxPooling2D"},
      {"AvgPool2D", "AveragePooling2D"},
      {"GlobalAvgPool2D", "GlobalAveragePooling2D"},
      {"SeparableConvolution2D", "SeparableConv2D"},
  };
  for (const auto& alias : aliases) {  // no structured binding: clang 14 cannot capture one in CAPTURE
    CAPTURE(alias.first);
    std::unique_ptr<Layer> layer;
    NN_REQUIRE_OK(read(alias.first, R"({"name": "a", "filters": 2, "kernel_size": 3})", &layer));
    CHECK(std::string(layer->class_name()) == alias.second);
  }
  std::unique_ptr<Layer> layer;
  Status st = read("Conv3D", R"({"name": "c3"})", &layer);
  CHECK(st.code() == StatusCode::kUnsupported);
  CHECK(st.message().find("'c3' has class 'Conv3D'") != std::string::npos);
  CHECK(st.message().find("Conv2D, ") != std::string::npos);

  CustomLayer custom;
  JsonValue config;
  st = layer_to_config(custom, &config);
  CHECK(st.code() == StatusCode::kUnsupported);
  CHECK(st.message() == "layer 'mine' has class 'MyCustomLayer', which the model.json writer does not support");
}
