// Session inspection calls the web app needs: Grad-CAM heat maps (checked against the closed
// form of a Conv2D -> GlobalAveragePooling2D -> Dense(softmax) model, where d p_c / d A is the
// same at every position), and augmentation previews (a horizontal flip flips or leaves the
// image, both happen, nothing else is allowed in the model). Neither may disturb training.
// Run: nn_tests_native -tc='*session*'
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/rng.h"
#include "testing/test-util.h"
#include "api/session.h"

using namespace nn;

namespace {

constexpr int kH = 5, kW = 5, kC = 2, kFilters = 3, kClasses = 4;

std::string conv_gap_dense_json(int classes, const char* activation) {
  return std::string(R"({"modelTopology": {"class_name": "Sequential", "config": {"name": "cam_model", "layers": [
    {"class_name": "Conv2D", "config": {"name": "conv", "filters": )") +
         std::to_string(kFilters) + R"(, "kernel_size": [3, 3], "padding": "same",
      "activation": "linear", "use_bias": true, "batch_input_shape": [null, )" +
         std::to_string(kH) + ", " + std::to_string(kW) + ", " + std::to_string(kC) + R"(]}},
    {"class_name": "GlobalAveragePooling2D", "config": {"name": "gap"}},
    {"class_name": "Dense", "config": {"name": "dense", "units": )" +
         std::to_string(classes) + R"(, "activation": ")" + activation + R"(", "use_bias": true}}]}}})";
}

std::unique_ptr<Session> make_session(const std::string& json, int batch) {
  std::unique_ptr<Session> s;
  Status st = Session::create(json, 11, 1, &s);
  INFO(st.message());
  REQUIRE(st.is_ok());
  NN_REQUIRE_OK(s->reserve(batch));
  return s;
}

void fill_inputs(Session& s, int n, uint64_t seed) {
  Rng rng(seed);
  const int64_t size = n * s.model().input_shape().numel();
  for (int64_t i = 0; i < size; ++i) s.staging_x()[i] = rng.uniform(-1.0f, 1.0f);
}

const Param& param_of(Session& s, const char* layer, const char* name) {
  const int node = s.model().find_layer(layer);
  REQUIRE(node >= 0);
  for (const Param& p : s.model().nodes()[node].layer->params())
    if (p.name == name) return p;
  FAIL("no such parameter");
  return s.model().nodes()[node].layer->params()[0];
}

// Grad-CAM of the conv layer by hand: with GAP, d score / d A[p, k] = g_k / HW at every
// position p, so the heat map is relu(sum_k g_k A[p, k]) up to a positive scale.
std::vector<float> closed_form_cam(Session& s, const float* a, int classes, int class_index) {
  const Param& kernel = param_of(s, "dense", "kernel");  // kFilters x units
  const Param& bias = param_of(s, "dense", "bias");
  const int units = static_cast<int>(kernel.shape[1]);
  std::vector<double> mean(kFilters, 0.0), z(units), dz(units), g(kFilters, 0.0);
  for (int p = 0; p < kH * kW; ++p)
    for (int k = 0; k < kFilters; ++k) mean[k] += a[p * kFilters + k] / double(kH * kW);
  for (int j = 0; j < units; ++j) {
    z[j] = bias.value[j];
    for (int k = 0; k < kFilters; ++k) z[j] += mean[k] * kernel.value[k * units + j];
  }
  if (classes == 1) {
    const double p = 1.0 / (1.0 + std::exp(-z[0]));
    dz[0] = (class_index == 1 ? 1.0 : -1.0) * p * (1.0 - p);
  } else {
    const double top = *std::max_element(z.begin(), z.end());
    double sum = 0.0;
    std::vector<double> prob(units);
    for (int j = 0; j < units; ++j) sum += prob[j] = std::exp(z[j] - top);
    for (int j = 0; j < units; ++j) prob[j] /= sum;
    for (int j = 0; j < units; ++j) dz[j] = prob[class_index] * ((j == class_index ? 1.0 : 0.0) - prob[j]);
  }
  for (int k = 0; k < kFilters; ++k)
    for (int j = 0; j < units; ++j) g[k] += dz[j] * kernel.value[k * units + j];
  std::vector<float> cam(kH * kW);
  float peak = 0.0f;
  for (int p = 0; p < kH * kW; ++p) {
    double v = 0.0;
    for (int k = 0; k < kFilters; ++k) v += g[k] * a[p * kFilters + k];
    cam[p] = static_cast<float>(std::max(0.0, v));
    peak = std::max(peak, cam[p]);
  }
  if (peak > 0.0f)
    for (float& v : cam) v /= peak;
  return cam;
}

void check_cam(int classes, const char* activation, int class_index) {
  auto s = make_session(conv_gap_dense_json(classes, activation), 3);
  fill_inputs(*s, 3, 5);
  const float* conv = nullptr;
  Shape conv_shape;
  NN_REQUIRE_OK(s->layer_output("conv", 3, &conv, &conv_shape));
  const std::vector<float> acts(conv, conv + 3 * conv_shape.numel());
  const float* cam = nullptr;
  Shape cam_shape;
  NN_REQUIRE_OK(s->grad_cam("conv", 3, class_index, &cam, &cam_shape));
  CHECK(cam_shape == Shape{kH, kW});
  int positive = 0;
  for (int i = 0; i < 3; ++i) {
    const std::vector<float> want = closed_form_cam(*s, acts.data() + i * conv_shape.numel(), classes, class_index);
    for (int p = 0; p < kH * kW; ++p) {
      INFO("sample " << i << " position " << p);
      CHECK(cam[i * kH * kW + p] == doctest::Approx(want[p]).epsilon(1e-4).scale(1.0));
      positive += cam[i * kH * kW + p] > 0.0f;
    }
  }
  CHECK(positive > 0);  // a map of zeros would match a zero reference too
}

}  // namespace

TEST_CASE("session grad_cam matches the closed form of conv -> GAP -> dense") {
  SUBCASE("softmax, class 2") { check_cam(kClasses, "softmax", 2); }
  SUBCASE("softmax, class 0") { check_cam(kClasses, "softmax", 0); }
  SUBCASE("sigmoid, class 1") { check_cam(1, "sigmoid", 1); }
  SUBCASE("sigmoid, class 0") { check_cam(1, "sigmoid", 0); }
}

TEST_CASE("session grad_cam rejects bad requests with clear errors") {
  auto s = make_session(conv_gap_dense_json(kClasses, "softmax"), 2);
  fill_inputs(*s, 2, 3);
  const float* out = nullptr;
  Shape shape;
  Status st = s->grad_cam("dense", 2, 0, &out, &shape);
  CHECK(st.code() == StatusCode::kInvalidArgument);
  CHECK(st.message().find("HxWxC") != std::string::npos);
  st = s->grad_cam("conv", 2, kClasses, &out, &shape);
  CHECK(st.message().find("out of range") != std::string::npos);
  st = s->grad_cam("nope", 2, 0, &out, &shape);
  CHECK(st.message().find("no layer named 'nope'") != std::string::npos);
  st = s->grad_cam("conv", 3, 0, &out, &shape);
  CHECK(st.code() == StatusCode::kInvalidArgument);
}

TEST_CASE("session grad_cam and augment do not disturb training") {
  const std::string json = conv_gap_dense_json(kClasses, "softmax");
  const char* compile = R"({"loss": "sparse_categorical_crossentropy", "optimizer": {"name": "adam"}})";
  auto a = make_session(json, 4);
  auto b = make_session(json, 4);
  NN_REQUIRE_OK(a->compile(compile));
  NN_REQUIRE_OK(b->compile(compile));
  for (Session* s : {a.get(), b.get()}) {
    fill_inputs(*s, 4, 9);
    for (int i = 0; i < 4; ++i) s->staging_y()[i] = static_cast<float>(i % kClasses);
  }
  StepResult ra, rb;
  NN_REQUIRE_OK(a->train_step(4, &ra));
  NN_REQUIRE_OK(b->train_step(4, &rb));
  const float* out = nullptr;
  Shape shape;
  NN_REQUIRE_OK(a->grad_cam("conv", 1, 1, &out, &shape));
  NN_REQUIRE_OK(a->train_step(4, &ra));
  NN_REQUIRE_OK(b->train_step(4, &rb));
  CHECK(ra.loss == rb.loss);
  const int64_t count = a->model().count_params();
  CHECK(std::equal(a->model().params(), a->model().params() + count, b->model().params()));
}

TEST_CASE("session augment previews a model of augmentation layers") {
  const std::string json = R"({"modelTopology": {"class_name": "Sequential", "config": {"name": "aug", "layers": [
    {"class_name": "RandomFlip", "config": {"name": "flip", "mode": "horizontal", "seed": 3,
      "batch_input_shape": [null, 3, 4, 1]}}]}}})";
  auto s = make_session(json, 8);
  fill_inputs(*s, 8, 1);
  const std::vector<float> x(s->staging_x(), s->staging_x() + 8 * 12);
  int flipped = 0, same = 0;
  for (int call = 0; call < 4; ++call) {
    const float* out = nullptr;
    NN_REQUIRE_OK(s->augment(8, &out));
    for (int i = 0; i < 8; ++i) {
      bool is_same = true, is_flip = true;
      for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 4; ++c) {
          const float v = out[i * 12 + r * 4 + c];
          is_same = is_same && v == x[i * 12 + r * 4 + c];
          is_flip = is_flip && v == x[i * 12 + r * 4 + (3 - c)];
        }
      CHECK((is_same || is_flip));
      same += is_same;
      flipped += is_flip;
    }
  }
  CHECK(same > 0);
  CHECK(flipped > 0);

  auto m = make_session(conv_gap_dense_json(kClasses, "softmax"), 2);
  const float* out = nullptr;
  Status st = m->augment(2, &out);
  CHECK(st.code() == StatusCode::kInvalidArgument);
  CHECK(st.message().find("Conv2D 'conv'") != std::string::npos);
}
