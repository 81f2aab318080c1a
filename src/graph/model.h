// Model: a functional graph of layers (Keras's functional API). Values are integer ids;
// each node applies one layer to input values and produces one value. Nodes are kept in
// topological order (a layer can only be applied to values that already exist).
//
// Lifecycle, following XNNPACK's create/reshape/run split:
//   build:   add_input / add_layer / set_output   (shape inference, clear errors)
//   finalize(seed)                                 (parameter arenas, Keras initializers)
//   plan(batch, pool)                              (activations, gradients, workspace: once)
//   forward / backward                             (no allocation)
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/arena.h"
#include "core/rng.h"
#include "core/shape.h"
#include "core/status.h"
#include "layers/layer.h"

namespace nn {

class ThreadPool;

struct PlanOptions {
  bool training = true;           // keep what backward needs and plan gradient buffers
  bool input_gradient = false;    // also compute d loss / d input (tests, saliency maps)
  bool keep_activations = false;  // every value stays readable after forward (feature maps)
  int gradient_of = -1;           // also d loss / d this value, even with no trainable layer
                                  // below it (Grad-CAM of a frozen backbone's layer)
};

struct Node {
  std::unique_ptr<Layer> layer;
  std::vector<int> inputs;  // value ids
  int output = -1;
  size_t saved_offset = 0;  // the layer's saved buffer, in the buffer arena
  // Pointers for the current plan, filled once by plan() so runs do not allocate.
  std::vector<const float*> in_ptrs;
  std::vector<float*> grad_in_ptrs;
  // Backward has work: the output needs a gradient and an input or a trainable parameter takes it.
  bool runs_backward = false;
};

// Wall time a node spent in its last profiled steps (Model::set_profiling).
struct NodeTiming {
  double forward_seconds = 0.0;
  double backward_seconds = 0.0;
};

struct Value {
  Shape shape;             // per sample
  int producer = -1;       // node index
  size_t act_offset = 0;   // in the buffer arena
  size_t grad_offset = 0;  // in the same arena; gradients share memory with dead activations
  bool needs_grad = false;
  int grad_first_time = 0;  // backward time at which the gradient buffer is zeroed
};

// What a plan at some batch size needs, worked out in 64 bits before anything is allocated
// (estimate_plan), and the same figures for a refusal message (plan_memory_error).
struct PlanEstimate {
  uint64_t parameter_bytes = 0;   // weights and their gradients
  uint64_t activation_bytes = 0;  // activations, their gradients, saved state and workspace
  uint64_t largest_tensor = 0;    // floats of the largest value at this batch
  bool tensor_fits = true;        // largest_tensor <= kMaxTensorElements; workspace is counted only then
};

// "model 'm' needs 130.2 GiB at batch 32 (activations 129.8 GiB); this engine can use at most
// 3.9 GiB: use a batch of at most 1 or smaller images" (kOutOfMemory). need and activations
// are what the caller counts (the session adds optimizer state and staging).
Status plan_memory_error(const std::string& model, int batch, uint64_t need, const PlanEstimate& e, uint64_t limit,
                         int max_batch);

// One row of model.summary().
struct LayerSummary {
  std::string name;
  std::string class_name;
  Shape output_shape;
  int64_t params = 0;
  bool trainable = true;             // the layer's flag (Keras's summary(show_trainable=True))
  std::vector<std::string> inbound;  // names of the layers feeding this one
};

struct ModelSummary {
  std::string name;
  std::vector<LayerSummary> layers;
  int64_t total_params = 0, trainable_params = 0, non_trainable_params = 0;
};

class Model {
  struct Layout;

 public:
  explicit Model(std::string name = "model") : name_(std::move(name)) {}
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  // --- building -------------------------------------------------------------------------
  Status add_input(const std::string& name, const Shape& shape, int* value);
  Status add_layer(std::unique_ptr<Layer> layer, const std::vector<int>& inputs, int* value);
  Status set_output(int value);
  // Allocates parameters (trainable first, so optimizers see one flat span) and initializes
  // them: glorot-uniform kernels, zero biases, as Keras does by default.
  Status finalize(uint64_t seed);

  // --- freezing (Keras's layer.trainable) -------------------------------------------------
  // Sets the trainable flag of the given nodes (indices into nodes()). Before finalize it only
  // sets the flags. After, when a flag changes, it lays the parameters out again (trainable
  // first, each value copied exactly; the newly trainable get gradient buffers, the frozen lose
  // theirs), drops the plan (plan() again before running) and bumps trainable_version(): a
  // Trainer compiled before refuses to train until it is compiled again, as Keras requires.
  // Nothing changes unless it succeeds.
  Status set_trainable(const std::vector<int>& nodes, bool trainable);
  Status set_trainable(const std::string& layer, bool trainable);
  // One flag per node (checkpoints restore a mix of frozen and unfrozen layers in one layout).
  Status set_trainable(const std::vector<int>& nodes, const std::vector<bool>& trainable);
  // Changes with every set_trainable that changed a flag of a finalized model.
  uint64_t trainable_version() const { return trainable_version_; }

  // --- introspection --------------------------------------------------------------------
  const std::string& name() const { return name_; }
  ModelSummary summary() const;
  int64_t count_params() const { return trainable_count_ + non_trainable_count_; }
  int64_t forward_macs_per_sample() const;
  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<Value>& values() const { return values_; }
  int input_value() const { return inputs_.empty() ? -1 : inputs_[0]; }
  int output_value() const { return output_; }
  const Shape& input_shape() const { return values_[inputs_[0]].shape; }
  const Shape& output_shape() const { return values_[output_].shape; }
  int find_layer(const std::string& name) const;  // node index or -1
  bool finalized() const { return finalized_; }

  // Flat parameter views: [0, trainable) are trainable, the rest are not.
  float* params() const { return params_.data(); }
  float* grads() const { return grads_.data(); }
  int64_t trainable_count() const { return trainable_count_; }

  // --- running --------------------------------------------------------------------------
  // Plans every buffer for batches of up to max_batch samples: activations, gradients and saved
  // state share one arena placed by lifetime (memory-planner.h). Re-planning for a larger batch
  // reallocates; smaller batches run in the existing plan.
  Status plan(int max_batch, ThreadPool* pool, const PlanOptions& options = {});
  int planned_batch() const { return planned_batch_; }
  const PlanOptions& plan_options() const { return plan_options_; }
  size_t activation_bytes() const { return buffers_.bytes() + workspace_.bytes(); }
  // What plan(batch, pool with `threads` threads, options) would need; nothing is allocated.
  PlanEstimate estimate_plan(int batch, int threads, const PlanOptions& options = {}) const;
  // The largest batch in [1, upper] whose plan fits: activations within `activation_budget`
  // bytes plus `per_sample_bytes` a sample (callers' staging), every tensor within
  // kMaxTensorElements. 0 when none does.
  int max_batch_within(uint64_t activation_budget, uint64_t per_sample_bytes, int threads, const PlanOptions& options,
                       int upper) const;
  size_t parameter_bytes() const { return params_.bytes() + grads_.bytes(); }

  // Checks data of shape (N, ...) against the input: "batch has shape 4x28x28x1 but model
  // 'm' expects Nx32x32x3".
  Status check_batch_shape(const Shape& batch_shape) const;

  // x holds n samples of the input shape. Returns the output (n samples of output_shape()).
  Status forward(const float* x, int n, bool training, Rng* rng, const float** output);
  // Zeroes all gradients, then back-propagates grad_output (n samples) through the graph,
  // leaving parameter gradients in grads(). Uses the activations of the last forward.
  void backward(const float* grad_output, int n);

  // The value produced by a node in the last forward (n samples of its output shape); other
  // values reuse its memory unless the plan keeps activations, so read it right after forward.
  const float* activation(int value) const { return buffers_.at(values_[value].act_offset); }

  // Per-node wall time, accumulated while profiling is on (one entry per node).
  void set_profiling(bool on) {
    profiling_ = on;
    timings_.assign(nodes_.size(), NodeTiming{});
  }
  const std::vector<NodeTiming>& timings() const { return timings_; }
  // d loss / d value after backward, for the input (planned with input_gradient) or any value
  // under keep_activations; null when the plan keeps no gradient for that value.
  const float* gradient(int value) const {
    return values_[value].needs_grad ? buffers_.at(values_[value].grad_offset) : nullptr;
  }

 private:
  std::string name_;
  std::vector<Node> nodes_;
  std::vector<Value> values_;
  std::vector<int> inputs_;
  int output_ = -1;
  bool finalized_ = false;

  // Places every parameter in new arenas, trainable ones first; keep_values copies each
  // parameter's values from where it was (else they are zero, for the initializers).
  Status lay_out_params(bool keep_values);
  // Buffer lifetimes and sizes of a plan (64-bit), shared by plan() and estimate_plan().
  void layout(int batch, int threads, const PlanOptions& options, Layout* out) const;
  PlanEstimate estimate_of(const Layout& layout) const;

  Arena params_{"parameters"};
  Arena grads_{"gradients"};
  int64_t trainable_count_ = 0;
  int64_t non_trainable_count_ = 0;
  uint64_t trainable_version_ = 0;

  Arena buffers_{"activations and gradients"};
  PlanOptions plan_options_;
  Arena workspace_{"workspace"};
  int planned_batch_ = 0;
  ThreadPool* pool_ = nullptr;
  int last_batch_ = 0;
  bool last_training_ = false;
  Rng* last_rng_ = nullptr;
  bool profiling_ = false;
  std::vector<NodeTiming> timings_;
};

}  // namespace nn
