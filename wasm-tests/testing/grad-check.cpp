// Finite-difference gradient check (see grad-check.h).
#include "testing/grad-check.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "core/rng.h"
#include "testing/test-util.h"

namespace nn::testing {

bool GradCheckResult::ok() const { return worst_input_error < 1.0 && worst_param_error < 1.0; }

// A function-local static, so declarations from other files' static initializers find it built.
static std::set<std::string>& declared_grad_checked() {
  static std::set<std::string> classes;
  return classes;
}

bool declare_grad_checked(std::initializer_list<const char*> keras_classes) {
  for (const char* c : keras_classes) declared_grad_checked().insert(c);
  return true;
}

const std::set<std::string>& grad_checked_classes() { return declared_grad_checked(); }

namespace {

struct Harness {
  Layer& layer;
  const GradCheckOptions& opt;
  std::vector<std::vector<float>> inputs;
  std::vector<std::vector<float>> params, param_grads;
  std::vector<float> output, weights_r, workspace, saved;
  uint64_t rng_seed;

  double loss() {
    Rng rng(rng_seed);  // the same randomness (dropout, augmentation) on every evaluation
    RunContext ctx = context(&rng);
    std::vector<const float*> in;
    for (auto& v : inputs) in.push_back(v.data());
    layer.forward(ctx, in, output.data());
    double l = 0.0;
    for (size_t i = 0; i < output.size(); ++i) l += static_cast<double>(output[i]) * weights_r[i];
    return l;
  }

  RunContext context(Rng* rng) {
    RunContext ctx;
    ctx.pool = opt.threads ? test_pool() : nullptr;
    ctx.batch = opt.batch;
    ctx.training = opt.training;
    ctx.rng = rng;
    ctx.workspace = workspace.data();
    ctx.saved = saved.data();
    return ctx;
  }
};

double compare(const std::vector<float>& analytic, const std::vector<double>& numeric) {
  double scale = 1e-2, err = 0.0;
  for (double n : numeric) scale = std::max(scale, std::fabs(n));
  for (size_t i = 0; i < numeric.size(); ++i) err = std::max(err, std::fabs(analytic[i] - numeric[i]));
  return err / scale;
}

}  // namespace

GradCheckResult check_layer_gradients(Layer& layer, const std::vector<Shape>& input_shapes,
                                      const GradCheckOptions& opt) {
  GradCheckResult result;
  Shape out_shape;
  Status st = layer.build(input_shapes, &out_shape);
  INFO(st.message());
  REQUIRE(st.is_ok());
  Harness h{layer, opt, {}, {}, {}, {}, {}, {}, {}, opt.seed * 7919 + 13};
  uint64_t seed = opt.seed;
  for (const Shape& s : input_shapes) {
    h.inputs.push_back(random_vector(opt.batch * s.numel(), seed++));
    if (opt.distinct_inputs) {
      std::vector<float>& v = h.inputs.back();
      Rng shuffle(seed++);
      for (size_t i = 0; i < v.size(); ++i) v[i] = -1.0f + 20.0f * opt.eps * static_cast<float>(i);
      for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[shuffle.below(static_cast<uint32_t>(i))]);
    }
  }
  for (Param& p : layer.params()) {
    h.params.push_back(random_vector(p.shape.numel(), seed++, -0.5f, 0.5f));
    h.param_grads.emplace_back(p.shape.numel(), 0.0f);
    p.value = h.params.back().data();
    p.grad = p.trainable ? h.param_grads.back().data() : nullptr;
  }
  h.output.resize(opt.batch * out_shape.numel());
  h.weights_r = random_vector(h.output.size(), seed++);
  h.saved.resize(layer.saved_floats(opt.batch) + 16);
  h.workspace.resize(layer.workspace_floats(opt.batch, pool_threads(opt.threads ? test_pool() : nullptr)) + 16);

  // Analytic gradients.
  h.loss();
  std::vector<std::vector<float>> grad_inputs;
  std::vector<float*> grad_ptrs;
  for (auto& v : h.inputs) grad_inputs.emplace_back(v.size(), 0.0f);
  for (auto& g : grad_inputs) grad_ptrs.push_back(g.data());
  std::vector<const float*> in;
  for (auto& v : h.inputs) in.push_back(v.data());
  Rng rng(h.rng_seed);
  layer.backward(h.context(&rng), in, h.output.data(), h.weights_r.data(), grad_ptrs);

  auto numeric = [&](std::vector<float>& x) {
    std::vector<double> g(x.size());
    for (size_t i = 0; i < x.size(); ++i) {
      const float saved = x[i];
      x[i] = saved + opt.eps;
      const double plus = h.loss();
      x[i] = saved - opt.eps;
      const double minus = h.loss();
      x[i] = saved;
      g[i] = (plus - minus) / (2.0 * opt.eps);
    }
    return g;
  };
  for (size_t k = 0; k < h.inputs.size(); ++k) {
    double e = compare(grad_inputs[k], numeric(h.inputs[k]));
    INFO("input ", k, " relative error ", e);
    CHECK(e < opt.tol);
    result.worst_input_error = std::max(result.worst_input_error, e / opt.tol);
  }
  for (size_t k = 0; k < h.params.size(); ++k) {
    if (!layer.params()[k].trainable) continue;
    double e = compare(h.param_grads[k], numeric(h.params[k]));
    INFO("parameter '", layer.params()[k].name, "' relative error ", e);
    CHECK(e < opt.tol);
    result.worst_param_error = std::max(result.worst_param_error, e / opt.tol);
  }
  // Leave the layer pointing at nothing rather than at freed test buffers.
  for (Param& p : layer.params()) p.value = p.grad = nullptr;
  return result;
}

}  // namespace nn::testing
