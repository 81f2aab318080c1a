// Finite-difference gradient check for one layer (tiny-dnn's gradient_check, ggml's grad
// mode). The scalar under test is L = sum(output * R) for a fixed random R, so grad_output = R.
// Every input element and every trainable parameter element is perturbed by +-eps (central
// difference, accumulated in double) and compared with the analytic backward.
#pragma once

#include <initializer_list>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/shape.h"
#include "layers/layer.h"

namespace nn::testing {

struct GradCheckOptions {
  int batch = 2;
  float eps = 1e-3f;
  double tol = 1e-2;  // max |analytic - numeric| / max(1e-2, max |numeric|) per tensor
  bool training = true;
  uint64_t seed = 1;
  bool threads = true;  // run through the test pool, else serially
  // Inputs as a shuffled grid with spacing far above eps, so no perturbation changes which
  // element a max-pool window picks (random inputs make near-ties likely).
  bool distinct_inputs = false;
};

struct GradCheckResult {
  double worst_input_error = 0.0;
  double worst_param_error = 0.0;
  bool ok() const;
};

GradCheckResult check_layer_gradients(Layer& layer, const std::vector<Shape>& input_shapes,
                                      const GradCheckOptions& options = {});

// Gradient coverage of the layer registry (layers/layer-registry.inc). Beside the test cases
// that grad-check a Keras class, at file scope: NN_GRAD_CHECKED("Conv2D"), or several classes
// at once. layers/layer-registry-test.cpp fails for a registered class that nobody declares
// (and for a declared class the registry does not list).
bool declare_grad_checked(std::initializer_list<const char*> keras_classes);
const std::set<std::string>& grad_checked_classes();

}  // namespace nn::testing

#define NN_GRAD_CHECKED_CONCAT2(a, b) a##b
#define NN_GRAD_CHECKED_CONCAT(a, b) NN_GRAD_CHECKED_CONCAT2(a, b)
#define NN_GRAD_CHECKED(...)                                                              \
  [[maybe_unused]] static const bool NN_GRAD_CHECKED_CONCAT(nn_grad_checked_, __LINE__) = \
      ::nn::testing::declare_grad_checked({__VA_ARGS__})
