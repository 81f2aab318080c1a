// Optimizers with Keras's defaults, as flat loops over the model's trainable span
// (parameters, gradients and optimizer state each in one arena, as in llm.c).
//  - SGD (lr 0.01, momentum 0, nesterov off):  v = m*v - lr*g;  w += v   (nesterov: w += m*v - lr*g)
//  - RMSprop (lr 0.001, rho 0.9, eps 1e-7):    a = rho*a + (1-rho)*g^2;  w -= lr*g / (sqrt(a) + eps)
//  - Adam (lr 0.001, b1 0.9, b2 0.999, eps 1e-7), Kingma & Ba 2014 with Keras's form:
//      m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g^2;  lr_t = lr*sqrt(1-b2^t)/(1-b1^t);
//      w -= lr_t * m / (sqrt(v) + eps)
#pragma once

#include <cstdint>
#include <string_view>

#include "core/arena.h"
#include "core/status.h"

namespace nn {

class ThreadPool;

enum class OptimizerKind { kSGD, kRMSprop, kAdam };

struct OptimizerOptions {
  OptimizerKind kind = OptimizerKind::kAdam;
  float learning_rate = -1.0f;  // < 0: Keras's default for the kind
  float momentum = 0.0f;        // SGD
  bool nesterov = false;        // SGD
  float rho = 0.9f;             // RMSprop
  float beta_1 = 0.9f;          // Adam
  float beta_2 = 0.999f;        // Adam
  float epsilon = 1e-7f;        // RMSprop, Adam
};

Status parse_optimizer(std::string_view name, OptimizerKind* out);
const char* optimizer_name(OptimizerKind kind);
float default_learning_rate(OptimizerKind kind);

class Optimizer {
 public:
  Optimizer() = default;
  Status init(const OptimizerOptions& options, int64_t param_count);
  // One update of w[0, n) from g[0, n).
  void step(ThreadPool* pool, float* w, const float* g);

  const OptimizerOptions& options() const { return options_; }
  int64_t iterations() const { return iterations_; }
  void set_learning_rate(float lr) { options_.learning_rate = lr; }
  // Optimizer state (slot arrays) for checkpoints.
  float* state() const { return state_.data(); }
  size_t state_size() const { return state_.size(); }
  void set_iterations(int64_t t) { iterations_ = t; }
  int64_t param_count() const { return count_; }

 private:
  OptimizerOptions options_;
  int64_t count_ = 0;
  int64_t iterations_ = 0;
  int slots_ = 0;
  Arena state_{"optimizer state"};
};

}  // namespace nn
