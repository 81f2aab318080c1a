// Reshape (Keras): output shapes with and without an inferred -1, forward as a copy, errors that
// name the layer, the target shape and the rule, finite-difference gradients, and the config
// through model.json read and write. Run: nn_tests_native -tc='Reshape*'
#include <doctest/doctest.h>

#include <numeric>
#include <string>

#include "io/json.h"
#include "io/model-json.h"
#include "io/tfjs-weights.h"
#include "io/tfjs-writer.h"
#include "layers/layers.h"
#include "testing/grad-check.h"
#include "testing/test-util.h"

using namespace nn;
using nn::testing::check_layer_gradients;

NN_GRAD_CHECKED("Reshape");

TEST_CASE("Reshape: output shapes, -1 inferred, forward copies in NHWC order") {
  Shape out;
  Reshape to_rows("r", Shape{-1, 6});
  NN_REQUIRE_OK(to_rows.build({Shape{4, 4, 3}}, &out));
  CHECK(out == Shape({8, 6}));
  Reshape middle("m", Shape{2, -1, 3});
  NN_REQUIRE_OK(middle.build({Shape{48}}, &out));
  CHECK(out == Shape({2, 8, 3}));
  Reshape exact("e", Shape{1, 1, 12});  // MobileNet's head: (C,) -> (1, 1, C)
  NN_REQUIRE_OK(exact.build({Shape{12}}, &out));
  CHECK(out == Shape({1, 1, 12}));

  std::vector<float> x(2 * 12);
  std::iota(x.begin(), x.end(), 0.0f);
  std::vector<float> y(x.size(), -1.0f);
  RunContext ctx;
  ctx.batch = 2;
  exact.forward(ctx, {x.data()}, y.data());
  CHECK(y == x);
}

TEST_CASE("Reshape: bad target shapes are errors naming the layer, the shape and the rule") {
  Shape out;
  Reshape mismatch("head_reshape", Shape{5, 10});
  Status st = mismatch.build({Shape{4, 4, 3}}, &out);
  CHECK(st.code() == StatusCode::kShapeMismatch);
  CHECK(st.message() ==
        "Reshape 'head_reshape': cannot reshape input 4x4x3 (48 elements) to target_shape (5, 10) (50 elements): "
        "the element counts must be equal");
  Reshape not_multiple("r5", Shape{5, -1});
  st = not_multiple.build({Shape{4, 4, 3}}, &out);
  CHECK(st.code() == StatusCode::kShapeMismatch);
  CHECK(st.message() ==
        "Reshape 'r5': cannot reshape input 4x4x3 (48 elements) to target_shape (5, -1): 48 is not a multiple of 5, "
        "the product of the other dimensions");
  Reshape two_unknown("r2", Shape{-1, -1});
  st = two_unknown.build({Shape{6}}, &out);
  CHECK(st.code() == StatusCode::kInvalidArgument);
  CHECK(st.message() == "Reshape 'r2': target_shape (-1, -1) has more than one -1: only one dimension can be inferred");
  Reshape zero("r0", Shape{0, 6});
  st = zero.build({Shape{6}}, &out);
  CHECK(st.code() == StatusCode::kInvalidArgument);
  CHECK(st.message().find("dimension 0 = 0: each dimension must be positive") != std::string::npos);
  Reshape two_inputs("ri", Shape{6});
  CHECK(two_inputs.build({Shape{6}, Shape{6}}, &out).code() == StatusCode::kInvalidArgument);
}

TEST_CASE("Reshape gradients: rank 3 to 2 with -1, rank 1 to 3") {
  Reshape rows("rows", Shape{-1, 4});
  CHECK(check_layer_gradients(rows, {Shape{3, 2, 4}}, {.batch = 3}).ok());
  Reshape cube("cube", Shape{1, 1, 5});
  CHECK(check_layer_gradients(cube, {Shape{5}}).ok());
}

TEST_CASE("Reshape: target_shape survives model.json read and write, and the copy predicts the same") {
  const char* json = R"({"modelTopology": {"class_name": "Sequential", "config": {"name": "rs", "layers": [
    {"class_name": "Reshape", "config": {"name": "to_rows", "target_shape": [-1, 6],
                                         "batch_input_shape": [null, 4, 4, 3]}},
    {"class_name": "Dense", "config": {"name": "dense", "units": 2, "activation": "relu"}},
    {"class_name": "Reshape", "config": {"name": "to_cube", "target_shape": [2, 2, 4]}},
    {"class_name": "GlobalAveragePooling2D", "config": {"name": "gap"}}]}}})";
  std::unique_ptr<Model> model;
  NN_REQUIRE_OK(model_from_json_text(json, &model));
  NN_REQUIRE_OK(model->finalize(7));
  CHECK(model->output_shape() == Shape({4}));
  JsonValue written;
  std::string bin;
  NN_REQUIRE_OK(model_to_tfjs(*model, &written, &bin));
  const std::string text = to_json(written);
  CHECK(text.find(R"("class_name":"Reshape")") != std::string::npos);
  CHECK(text.find(R"("target_shape":[-1,6])") != std::string::npos);  // as given: Keras keeps the -1
  CHECK(text.find(R"("target_shape":[2,2,4])") != std::string::npos);

  std::unique_ptr<Model> copy;
  NN_REQUIRE_OK(model_from_json_text(text, &copy));
  NN_REQUIRE_OK(copy->finalize(99));
  NN_REQUIRE_OK(load_tfjs_weights(written, {bin}, copy.get()));
  JsonValue again;
  std::string bin_again;
  NN_REQUIRE_OK(model_to_tfjs(*copy, &again, &bin_again));
  CHECK(to_json(again) == text);

  const int n = 3;
  const std::vector<float> x = nn::testing::random_vector(n * 48, 5);
  std::vector<float> got[2];
  Model* models[2] = {model.get(), copy.get()};
  for (int i = 0; i < 2; ++i) {
    PlanOptions plan;
    plan.training = false;
    NN_REQUIRE_OK(models[i]->plan(n, nn::testing::test_pool(), plan));
    const float* out = nullptr;
    NN_REQUIRE_OK(models[i]->forward(x.data(), n, false, nullptr, &out));
    got[i].assign(out, out + n * 4);
  }
  CHECK(got[0] == got[1]);

  JsonValue bad;
  NN_REQUIRE_OK(parse_json(R"({"modelTopology": {"class_name": "Sequential", "config": {"layers": [
    {"class_name": "Reshape", "config": {"name": "r", "target_shape": [4, "x"], "batch_input_shape": [null, 8]}}]}}})",
                           &bad));
  std::unique_ptr<Model> m;
  Status st = model_from_json(bad, &m);
  CHECK(st.code() == StatusCode::kParseError);
  CHECK(st.message() ==
        "model.json: Reshape 'r': config.target_shape must be a list of 1 to 5 integers (one of them may be -1)");
}
