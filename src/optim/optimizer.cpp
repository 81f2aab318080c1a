// SGD, RMSprop and Adam (see optimizer.h for the update rules and their sources).
#include "optim/optimizer.h"

#include <cmath>

#include "core/alloc.h"
#include "threading/thread-pool.h"

namespace nn {

Status parse_optimizer(std::string_view name, OptimizerKind* out) {
  if (name == "sgd" || name == "SGD")
    *out = OptimizerKind::kSGD;
  else if (name == "rmsprop" || name == "RMSprop")
    *out = OptimizerKind::kRMSprop;
  else if (name == "adam" || name == "Adam")
    *out = OptimizerKind::kAdam;
  else
    return unsupported("optimizer '", name, "' is not supported: use sgd, rmsprop or adam");
  return Status::ok();
}

const char* optimizer_name(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::kSGD:
      return "sgd";
    case OptimizerKind::kRMSprop:
      return "rmsprop";
    case OptimizerKind::kAdam:
      return "adam";
  }
  return "?";
}

float default_learning_rate(OptimizerKind kind) { return kind == OptimizerKind::kSGD ? 0.01f : 0.001f; }

Status Optimizer::init(const OptimizerOptions& options, int64_t param_count) {
  options_ = options;
  if (options_.learning_rate < 0.0f) options_.learning_rate = default_learning_rate(options_.kind);
  if (!std::isfinite(options_.learning_rate)) return invalid_argument("learning rate must be finite");
  // Written so that NaN fails every range check (NaN compares false).
  if (!(options_.momentum >= 0.0f && options_.momentum < 1.0f)) {
    return invalid_argument("momentum is ", options_.momentum, ": it must lie in [0, 1)");
  }
  if (!(options_.rho > 0.0f && options_.rho < 1.0f))
    return invalid_argument("rho is ", options_.rho, ": it must lie in (0, 1)");
  if (!(options_.beta_1 >= 0.0f && options_.beta_1 < 1.0f && options_.beta_2 >= 0.0f && options_.beta_2 < 1.0f)) {
    return invalid_argument("Adam betas are ", options_.beta_1, ", ", options_.beta_2, ": they must lie in [0, 1)");
  }
  if (!(options_.epsilon > 0.0f && std::isfinite(options_.epsilon))) {
    return invalid_argument("epsilon is ", options_.epsilon, ": it must be a finite positive number");
  }
  count_ = param_count;
  iterations_ = 0;
  switch (options_.kind) {
    case OptimizerKind::kSGD:
      slots_ = options_.momentum > 0.0f ? 1 : 0;
      break;
    case OptimizerKind::kRMSprop:
      slots_ = 1;
      break;
    case OptimizerKind::kAdam:
      slots_ = 2;
      break;
  }
  state_.reset();
  for (int s = 0; s < slots_; ++s) state_.reserve(static_cast<size_t>(count_));
  return state_.allocate();
}

void Optimizer::step(ThreadPool* pool, float* w, const float* g) {
  ++iterations_;
  const OptimizerOptions o = options_;
  float* s0 = state_.data();
  float* s1 = slots_ > 1 ? s0 + round_up_floats(static_cast<size_t>(count_)) : nullptr;
  const float lr = o.learning_rate;
  // Adam's bias corrections, computed in double once per step.
  const double t = static_cast<double>(iterations_);
  const float lr_t = static_cast<float>(lr * std::sqrt(1.0 - std::pow(o.beta_2, t)) / (1.0 - std::pow(o.beta_1, t)));
  parallel_for(pool, static_cast<size_t>(count_), 1 << 14, [&](int, size_t b, size_t e) {
    switch (o.kind) {
      case OptimizerKind::kSGD:
        if (slots_ == 0) {
          for (size_t i = b; i < e; ++i) w[i] -= lr * g[i];
        } else {
          for (size_t i = b; i < e; ++i) {
            const float v = o.momentum * s0[i] - lr * g[i];
            s0[i] = v;
            w[i] += o.nesterov ? o.momentum * v - lr * g[i] : v;
          }
        }
        break;
      case OptimizerKind::kRMSprop:
        for (size_t i = b; i < e; ++i) {
          s0[i] = o.rho * s0[i] + (1.0f - o.rho) * g[i] * g[i];
          w[i] -= lr * g[i] / (std::sqrt(s0[i]) + o.epsilon);
        }
        break;
      case OptimizerKind::kAdam:
        for (size_t i = b; i < e; ++i) {
          s0[i] = o.beta_1 * s0[i] + (1.0f - o.beta_1) * g[i];
          s1[i] = o.beta_2 * s1[i] + (1.0f - o.beta_2) * g[i] * g[i];
          w[i] -= lr_t * s0[i] / (std::sqrt(s1[i]) + o.epsilon);
        }
        break;
    }
  });
}

}  // namespace nn
