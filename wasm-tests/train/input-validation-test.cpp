// Non-finite inputs (issue 12): a NaN or Inf pixel is rejected the same way by every step that
// runs the model on caller data (train, evaluate, predict, layer output, Grad-CAM, and the
// Trainer's evaluate/predict), naming the sample and element, and the session goes on.
// Run: nn_tests_native -tc='*non-finite*'
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>

#include "testing/test-util.h"
#include "api/session.h"

using namespace nn;

TEST_CASE("non-finite input pixels are rejected by every step, not only training") {
  const std::string json = R"({"modelTopology": {"class_name": "Sequential", "config": {"name": "tiny", "layers": [
    {"class_name": "Conv2D", "config": {"name": "conv", "filters": 4, "kernel_size": 3, "padding": "same",
     "activation": "relu", "batch_input_shape": [null, 6, 6, 2]}},
    {"class_name": "GlobalAveragePooling2D", "config": {"name": "gap"}},
    {"class_name": "Dense", "config": {"name": "out", "units": 3, "activation": "softmax"}}]}}})";
  std::unique_ptr<Session> s;
  NN_REQUIRE_OK(Session::create(json, 1, 1, &s));
  NN_REQUIRE_OK(s->compile(R"({"loss": "sparse_categorical_crossentropy"})"));
  NN_REQUIRE_OK(s->reserve(2));
  const size_t size = 6 * 6 * 2;
  for (size_t i = 0; i < 2 * size; ++i) s->staging_x()[i] = static_cast<float>(i % 7) / 7.0f;
  s->staging_y()[0] = 0.0f;
  s->staging_y()[1] = 2.0f;

  for (float bad : {std::nanf(""), std::numeric_limits<float>::infinity()}) {
    s->staging_x()[size + 4] = bad;
    const std::string says = std::string("input sample 1 of the batch has ") + (std::isnan(bad) ? "nan" : "inf") +
                             " at element 4: inputs must be finite numbers";
    auto check = [&](const char* step, const Status& st) {
      INFO(step, ": ", st.message());
      CHECK(st.code() == StatusCode::kInvalidArgument);
      CHECK(st.message().find(says) != std::string::npos);
    };
    StepResult r;
    check("train", s->train_step(2, &r));
    double loss = 0, correct = 0;
    check("evaluate", s->evaluate_step(2, &loss, &correct));
    const float* out = nullptr;
    check("predict", s->predict_step(2, &out));
    Shape shape;
    check("layer output", s->layer_output("conv", 2, &out, &shape));
    check("Grad-CAM", s->grad_cam("conv", 2, 1, &out, &shape));
    const Dataset data{s->staging_x(), s->staging_y(), 2};
    check("Trainer::evaluate", s->trainer().evaluate(data, 2, &r));
    std::vector<float> predictions(2 * 3);
    check("Trainer::predict", s->trainer().predict(s->staging_x(), 2, 2, predictions.data()));
  }
  // The first sample alone is clean, and the session goes on.
  const float* out = nullptr;
  NN_CHECK_OK(s->predict_step(1, &out));
  s->staging_x()[size + 4] = 0.5f;
  StepResult r;
  NN_CHECK_OK(s->train_step(2, &r));
  NN_CHECK_OK(s->predict_step(2, &out));
}
