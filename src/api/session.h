// Session: the engine as one object for the JS bindings and tools — a model, its thread pool
// and trainer, and staging buffers that callers fill in place (JS writes them through
// typed-array views, so bulk data crosses the wasm boundary once). Options and results that
// are not bulk data travel as JSON text, which keeps the bindings free of logic.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "graph/model.h"
#include "io/json.h"
#include "threading/thread-pool.h"
#include "train/trainer.h"

namespace nn {

// What training at a batch size needs (Session::memory_estimate), in bytes, computed in 64 bits
// without allocating: the app picks a batch size from it and never starts a run that cannot fit.
struct MemoryEstimate {
  uint64_t bytes = 0;             // the sum of the four below
  uint64_t weight_bytes = 0;      // parameters and their gradients
  uint64_t optimizer_bytes = 0;   // optimizer slots (as compiled; Adam's two before compile)
  uint64_t activation_bytes = 0;  // the training plan: activations, gradients, saved state, workspace
  uint64_t staging_bytes = 0;     // the input and label staging buffers
  uint64_t limit_bytes = 0;       // what this session holds plus what the engine can still get
  int max_batch = 0;              // the largest batch that fits limit_bytes (at most kMaxEstimateBatch), 0 if none
  bool fits = false;              // bytes <= limit_bytes and every tensor within kMaxTensorElements
  PlanEstimate plan;              // the model's part, for messages
};

class Session {
 public:
  static constexpr int kMaxEstimateBatch = 65536;

  // Builds the model from TF.js model.json text (topology; weights are set separately) and
  // initializes it with `seed`. threads <= 0 means the most this build allows.
  static Status create(std::string_view model_json, uint64_t seed, int threads, std::unique_ptr<Session>* out);

  Model& model() { return *model_; }
  Trainer& trainer() { return *trainer_; }
  int threads() const { return pool_->num_threads(); }

  // {"loss": "binary_crossentropy", "fromLogits": false,
  //  "optimizer": {"name": "adam", "learningRate": 0.001, "momentum": 0, "nesterov": false,
  //                "rho": 0.9, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-7}}
  // (snake_case keys are accepted too).
  Status compile(std::string_view options_json);
  Status set_learning_rate(float lr);

  // Keras's layer.trainable for some layers: {"layers": ["conv2d", ...], "trainable": false},
  // or a range in graph order, both ends included and either optional (from the first layer /
  // to the last): {"from": "block_13_expand", "to": "out_relu", "trainable": true}; "layers"
  // and a range may be combined. Frozen layers keep their weights exactly, get no gradient and
  // no optimizer state, and a frozen BatchNormalization runs in inference mode. As in Keras,
  // train after compile() again: until then train_step fails and says so. Nothing changes
  // unless it succeeds.
  Status set_trainable(std::string_view options_json);
  Status set_trainable(const std::vector<std::string>& layers, bool trainable);

  // Plans the model and sizes the staging buffers for batches of up to `batch` samples. A batch
  // that cannot fit fails (kOutOfMemory) before anything is freed or allocated, naming the
  // need, the limit and the largest batch that fits.
  Status reserve(int batch);
  // What reserve(batch) and training at that batch would need; nothing is allocated.
  Status memory_estimate(int batch, MemoryEstimate* out) const;
  int reserved_batch() const { return reserved_; }
  float* staging_x() { return x_.data(); }  // reserved batch x input numel
  float* staging_y() { return y_.data(); }  // reserved batch x label size
  size_t label_size() const;

  // Steps over the first n staged samples.
  Status train_step(int n, StepResult* result);
  // Adds the batch's summed loss and correct count (inference mode).
  Status evaluate_step(int n, double* loss_sum, double* correct);
  // Runs inference; *out points at n x output numel floats valid until the next call.
  Status predict_step(int n, const float** out);
  // Runs inference on the first n staged samples keeping every layer's output and returns the
  // named layer's output (n samples of *shape). Re-plans the model for inspection; training
  // re-plans back on its next step.
  Status layer_output(const std::string& layer, int n, const float** out, Shape* shape);
  // Grad-CAM (Selvaraju et al. 2017, arXiv:1610.02391) for the first n staged samples: the named
  // layer's HxWxC activations A, weighted per channel by the spatial mean of d score / d A and
  // summed over channels, ReLU'd and scaled to [0, 1] per sample. The score is the model's
  // output for class_index (for a single sigmoid unit: p for class 1, 1 - p for class 0), in
  // inference mode. *out: n x H x W floats valid until the next call; *shape is H x W.
  // Plans for n samples keeping activations and gradients; training re-plans back.
  Status grad_cam(const std::string& layer, int n, int class_index, const float** out, Shape* shape);
  // Runs a model made only of augmentation layers (RandomFlip, RandomRotation, ...) in training
  // mode on the first n staged samples: a preview of what training sees. Each call draws new
  // transforms from the session's RNG. *out: n x output numel floats, valid until the next call.
  Status augment(int n, const float** out);

  // TF.js interchange: weights from the manifest's shards (concatenated, in manifest order),
  // and the model as model.json text plus one weight shard ("group1-shard1of1.bin").
  Status load_tfjs_weights(std::string_view model_json, std::string_view weight_bytes);
  Status to_tfjs(std::string* model_json, std::string* weight_bytes) const;

  // The full training state (weights, optimizer state, BN statistics, step, RNG) and epoch.
  Status save_checkpoint(int64_t epoch, std::string* bytes) const;
  Status load_checkpoint(std::string_view bytes, int64_t* epoch);

  std::string summary_json() const;
  // Memory the engine holds for the current plan: parameters, optimizer state, activations,
  // gradients and workspace.
  size_t planned_bytes() const;

 private:
  // Which plan the model holds: training (also serves evaluate/predict), inspection (every
  // activation kept) or Grad-CAM (activations and gradients kept, for grad_cam_batch_ samples).
  // kNone: set_trainable dropped the model's plan; every use plans again.
  enum class PlanKind { kNone, kTraining, kInspect, kGradCam };
  Status ensure_training_plan();
  Status set_trainable_nodes(const std::vector<int>& nodes, bool trainable);

  std::unique_ptr<Model> model_;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<Trainer> trainer_;
  std::vector<float> x_, y_;
  int reserved_ = 0;
  PlanKind plan_kind_ = PlanKind::kTraining;
  int grad_cam_batch_ = 0;
  int grad_cam_value_ = -1;  // the value whose gradient the Grad-CAM plan keeps
  std::vector<float> grad_cam_seed_, grad_cam_out_;
};

}  // namespace nn
