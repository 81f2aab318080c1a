// Trainer: Keras's compile / fit / evaluate / predict over a Model. Batches are gathered into
// buffers allocated once per fit; a step is forward, loss, backward, optimizer update, with no
// allocation. A non-finite loss stops training before the update and names the step.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/rng.h"
#include "graph/model.h"
#include "optim/optimizer.h"
#include "train/loss.h"

namespace nn {

class ThreadPool;

struct CompileOptions {
  LossOptions loss;
  OptimizerOptions optimizer;
};

// count samples; x is count x input numel, y is count x loss_label_size(loss, output dim).
struct Dataset {
  const float* x = nullptr;
  const float* y = nullptr;
  size_t count = 0;
};

struct FitOptions {
  int epochs = 1;
  int batch_size = 32;
  bool shuffle = true;
  const Dataset* validation = nullptr;
};

struct StepResult {
  double loss = 0.0;
  double accuracy = 0.0;
};

struct EpochResult {
  int epoch = 0;
  double loss = 0.0;
  double accuracy = 0.0;
  bool has_validation = false;
  double val_loss = 0.0;
  double val_accuracy = 0.0;
  double seconds = 0.0;
};

// Return false from a callback to stop training after the current batch.
using BatchCallback = std::function<bool(int epoch, int batch, const StepResult&)>;
using EpochCallback = std::function<bool(const EpochResult&)>;

class Trainer {
 public:
  Trainer(Model* model, ThreadPool* pool, uint64_t seed) : model_(model), pool_(pool), rng_(seed) {}

  // Creates the optimizer state for the model's trainable parameters as they are now; after
  // Model::set_trainable changes them, compile again (Keras's rule) before training.
  Status compile(const CompileOptions& options);
  bool compiled() const { return compiled_; }
  // Ok when compiled for the model's current trainable parameters; else says what to call.
  Status check_compiled(const char* before) const;
  // For checkpoints: the optimizer was re-created for the model's current trainable parameters.
  void mark_compiled_for_current_layout() { compiled_version_ = model_->trainable_version(); }
  const CompileOptions& options() const { return options_; }

  Status train_on_batch(const float* x, const float* y, int n, StepResult* result);
  Status fit(const Dataset& train, const FitOptions& options, const BatchCallback& on_batch,
             const EpochCallback& on_epoch, std::vector<EpochResult>* history);
  Status evaluate(const Dataset& data, int batch_size, StepResult* result);
  // out receives count x output numel floats.
  Status predict(const float* x, size_t count, int batch_size, float* out);

  Optimizer& optimizer() { return optimizer_; }
  const Optimizer& optimizer() const { return optimizer_; }
  Rng& rng() { return rng_; }
  const Rng& rng() const { return rng_; }
  int64_t steps() const { return steps_; }
  Model* model() const { return model_; }
  // For checkpoints (train/checkpoint.h): resuming restores the step count.
  void set_steps(int64_t steps) { steps_ = steps; }
  // Fails, naming the sample and element, when x (n samples) holds a NaN or Inf. Every step
  // that runs the model on caller data checks it: training, evaluation, prediction, inspection.
  Status check_inputs(const float* x, int n) const;

 private:
  Status ensure_plan(int batch);
  Status check_dataset(const Dataset& data, const char* what) const;

  Model* model_;
  ThreadPool* pool_;
  Rng rng_;
  CompileOptions options_;
  Optimizer optimizer_;
  bool compiled_ = false;
  uint64_t compiled_version_ = 0;  // the model's trainable_version() at compile
  int64_t steps_ = 0;
  std::vector<float> grad_out_;  // d loss / d output, planned batch x output numel
};

}  // namespace nn
