// Trainer (see trainer.h).
#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <numeric>

#include "core/profile.h"
#include "train/metrics.h"

namespace nn {
namespace {

ProfileCounter loss_time("loss");
ProfileCounter optimizer_time("optimizer");

}  // namespace

Status Trainer::compile(const CompileOptions& options) {
  if (!model_->finalized()) return failed_precondition("model '", model_->name(), "' must be finalized before compile");
  options_ = options;
  NN_RETURN_IF_ERROR(optimizer_.init(options.optimizer, model_->trainable_count()));
  const size_t dim = static_cast<size_t>(model_->output_shape().numel());
  if (options.loss.kind == LossKind::kSparseCategoricalCrossentropy && dim < 2) {
    return invalid_argument("sparse_categorical_crossentropy needs a model output of at least 2 classes, but '",
                            model_->name(), "' outputs ", model_->output_shape().str());
  }
  compiled_ = true;
  compiled_version_ = model_->trainable_version();
  steps_ = 0;
  return Status::ok();
}

Status Trainer::check_compiled(const char* before) const {
  if (!compiled_) return failed_precondition("model '", model_->name(), "' must be compiled before ", before);
  if (compiled_version_ != model_->trainable_version()) {
    return failed_precondition("the trainable layers of model '", model_->name(),
                               "' changed after it was compiled: compile it again before ", before,
                               " (as in Keras); compile creates the optimizer state for its ",
                               model_->trainable_count(), " trainable parameters");
  }
  return Status::ok();
}

Status Trainer::ensure_plan(int batch) {
  // A plan made for inspection (no gradients) cannot train: re-plan for training.
  if (model_->planned_batch() < batch || !model_->plan_options().training) {
    NN_RETURN_IF_ERROR(model_->plan(std::max(batch, model_->planned_batch()), pool_));
  }
  const size_t need = static_cast<size_t>(model_->planned_batch()) * model_->output_shape().numel();
  if (grad_out_.size() < need) grad_out_.resize(need);
  return Status::ok();
}

Status Trainer::train_on_batch(const float* x, const float* y, int n, StepResult* result) {
  NN_RETURN_IF_ERROR(check_compiled("training"));
  if (n <= 0) return invalid_argument("a training batch needs at least one sample, got ", n);
  NN_RETURN_IF_ERROR(ensure_plan(n));
  const size_t dim = static_cast<size_t>(model_->output_shape().numel());
  NN_RETURN_IF_ERROR(check_labels(options_.loss.kind, y, static_cast<size_t>(n), dim));
  NN_RETURN_IF_ERROR(check_inputs(x, n));
  const float* pred = nullptr;
  NN_RETURN_IF_ERROR(model_->forward(x, n, true, &rng_, &pred));
  double loss;
  {
    ProfileScope scope(loss_time);
    loss = loss_forward_backward(options_.loss, pred, y, static_cast<size_t>(n), dim, grad_out_.data());
  }
  if (!std::isfinite(loss)) {
    return numeric_error("loss is ", loss, " at training step ", steps_ + 1,
                         ": training stopped before the update; lower the learning rate or check the data for NaN/Inf");
  }
  result->loss = loss;
  result->accuracy = count_correct(options_.loss, pred, y, static_cast<size_t>(n), dim) / n;
  model_->backward(grad_out_.data(), n);
  {
    ProfileScope scope(optimizer_time);
    optimizer_.step(pool_, model_->params(), model_->grads());
  }
  ++steps_;
  return Status::ok();
}

// A NaN or Inf in the data would silently poison the weights (ReLU and max-pooling can hide
// it from the loss), so a batch is scanned before it runs: one cheap pass over the input.
Status Trainer::check_inputs(const float* x, int n) const {
  const size_t size = static_cast<size_t>(model_->input_shape().numel());
  for (size_t i = 0; i < static_cast<size_t>(n) * size; ++i) {
    if (!std::isfinite(x[i])) {
      return invalid_argument("input sample ", i / size, " of the batch has ", x[i], " at element ", i % size,
                              ": inputs must be finite numbers");
    }
  }
  return Status::ok();
}

Status Trainer::check_dataset(const Dataset& data, const char* what) const {
  if (data.count == 0) return invalid_argument(what, " data is empty: it needs at least one sample");
  if (data.x == nullptr || data.y == nullptr) return invalid_argument(what, " data has no samples or no labels");
  return Status::ok();
}

Status Trainer::fit(const Dataset& train, const FitOptions& options, const BatchCallback& on_batch,
                    const EpochCallback& on_epoch, std::vector<EpochResult>* history) {
  NN_RETURN_IF_ERROR(check_compiled("fit"));
  NN_RETURN_IF_ERROR(check_dataset(train, "training"));
  if (options.validation) NN_RETURN_IF_ERROR(check_dataset(*options.validation, "validation"));
  if (options.batch_size <= 0) return invalid_argument("batch size ", options.batch_size, " must be positive");
  if (options.epochs < 0) return invalid_argument("epochs ", options.epochs, " must not be negative");
  const int batch = static_cast<int>(std::min<size_t>(static_cast<size_t>(options.batch_size), train.count));
  NN_RETURN_IF_ERROR(ensure_plan(batch));
  const size_t x_size = static_cast<size_t>(model_->input_shape().numel());
  const size_t y_size = loss_label_size(options_.loss.kind, static_cast<size_t>(model_->output_shape().numel()));
  // Batch buffers and the shuffle order are allocated once per fit, not per step.
  std::vector<float> xb(static_cast<size_t>(batch) * x_size), yb(static_cast<size_t>(batch) * y_size);
  std::vector<size_t> order(train.count);
  std::iota(order.begin(), order.end(), 0);
  bool stop = false;
  for (int epoch = 0; epoch < options.epochs && !stop; ++epoch) {
    auto start = std::chrono::steady_clock::now();
    if (options.shuffle) {
      for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng_.below(static_cast<uint32_t>(i))]);
    }
    EpochResult er;
    er.epoch = epoch;
    double loss_sum = 0.0, correct = 0.0;
    size_t seen = 0;
    int batch_index = 0;
    for (size_t begin = 0; begin < train.count && !stop; begin += static_cast<size_t>(batch), ++batch_index) {
      const int n = static_cast<int>(std::min<size_t>(static_cast<size_t>(batch), train.count - begin));
      for (int i = 0; i < n; ++i) {
        const size_t s = order[begin + static_cast<size_t>(i)];
        std::memcpy(&xb[static_cast<size_t>(i) * x_size], train.x + s * x_size, x_size * sizeof(float));
        std::memcpy(&yb[static_cast<size_t>(i) * y_size], train.y + s * y_size, y_size * sizeof(float));
      }
      StepResult r;
      Status st = train_on_batch(xb.data(), yb.data(), n, &r);
      if (!st.is_ok()) {
        return Status(st.code(), cat("epoch ", epoch + 1, ", batch ", batch_index + 1, ": ", st.message()));
      }
      loss_sum += r.loss * n;
      correct += r.accuracy * n;
      seen += static_cast<size_t>(n);
      if (on_batch && !on_batch(epoch, batch_index, r)) stop = true;
    }
    er.loss = loss_sum / static_cast<double>(seen);
    er.accuracy = correct / static_cast<double>(seen);
    if (options.validation) {
      StepResult v;
      NN_RETURN_IF_ERROR(evaluate(*options.validation, batch, &v));
      er.has_validation = true;
      er.val_loss = v.loss;
      er.val_accuracy = v.accuracy;
    }
    er.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (history) history->push_back(er);
    if (on_epoch && !on_epoch(er)) stop = true;
  }
  return Status::ok();
}

Status Trainer::evaluate(const Dataset& data, int batch_size, StepResult* result) {
  if (!compiled_) return failed_precondition("model '", model_->name(), "' must be compiled before evaluate");
  NN_RETURN_IF_ERROR(check_dataset(data, "evaluation"));
  if (batch_size <= 0) return invalid_argument("batch size ", batch_size, " must be positive");
  const int batch = static_cast<int>(std::min<size_t>(static_cast<size_t>(batch_size), data.count));
  NN_RETURN_IF_ERROR(ensure_plan(batch));
  const size_t x_size = static_cast<size_t>(model_->input_shape().numel());
  const size_t dim = static_cast<size_t>(model_->output_shape().numel());
  const size_t y_size = loss_label_size(options_.loss.kind, dim);
  NN_RETURN_IF_ERROR(check_labels(options_.loss.kind, data.y, data.count, dim));
  double loss_sum = 0.0, correct = 0.0;
  for (size_t begin = 0; begin < data.count; begin += static_cast<size_t>(batch)) {
    const int n = static_cast<int>(std::min<size_t>(static_cast<size_t>(batch), data.count - begin));
    const float* pred = nullptr;
    NN_RETURN_IF_ERROR(check_inputs(data.x + begin * x_size, n));
    NN_RETURN_IF_ERROR(model_->forward(data.x + begin * x_size, n, false, &rng_, &pred));
    const float* y = data.y + begin * y_size;
    loss_sum += loss_forward_backward(options_.loss, pred, y, static_cast<size_t>(n), dim, nullptr) * n;
    correct += count_correct(options_.loss, pred, y, static_cast<size_t>(n), dim);
  }
  result->loss = loss_sum / static_cast<double>(data.count);
  result->accuracy = correct / static_cast<double>(data.count);
  return Status::ok();
}

Status Trainer::predict(const float* x, size_t count, int batch_size, float* out) {
  if (count == 0) return invalid_argument("predict needs at least one sample");
  if (batch_size <= 0) return invalid_argument("batch size ", batch_size, " must be positive");
  const int batch = static_cast<int>(std::min<size_t>(static_cast<size_t>(batch_size), count));
  NN_RETURN_IF_ERROR(ensure_plan(batch));
  const size_t x_size = static_cast<size_t>(model_->input_shape().numel());
  const size_t dim = static_cast<size_t>(model_->output_shape().numel());
  for (size_t begin = 0; begin < count; begin += static_cast<size_t>(batch)) {
    const int n = static_cast<int>(std::min<size_t>(static_cast<size_t>(batch), count - begin));
    const float* pred = nullptr;
    NN_RETURN_IF_ERROR(check_inputs(x + begin * x_size, n));
    NN_RETURN_IF_ERROR(model_->forward(x + begin * x_size, n, false, &rng_, &pred));
    std::memcpy(out + begin * dim, pred, static_cast<size_t>(n) * dim * sizeof(float));
  }
  return Status::ok();
}

}  // namespace nn
