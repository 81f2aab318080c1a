// Layer: one node type of the functional graph, with Keras semantics. A layer is built once
// against its input shapes (per sample, batch dimension excluded), declares its parameters,
// then runs forward and backward many times on buffers the graph planned. Backward *adds*
// into grad_inputs and parameter gradients (the executor zeroes them once per step); a null
// grad_inputs[i] means nobody needs that gradient.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/rng.h"
#include "core/shape.h"
#include "core/status.h"

namespace nn {

class ThreadPool;

enum class Init { kZeros, kOnes, kGlorotUniform };

struct Param {
  std::string name;  // Keras weight name: "kernel", "bias", ...
  Shape shape;
  Init init = Init::kZeros;
  bool learned = true;    // false for statistics the layer keeps itself (BN's moving averages)
  bool trainable = true;  // learned and the layer is trainable: gets a gradient and optimizer state
  int64_t fan_in = 0;     // for glorot-uniform
  int64_t fan_out = 0;
  float* value = nullptr;  // set by the graph when it allocates the parameter arena
  float* grad = nullptr;   // null for non-trainable parameters
};

// What every forward/backward call gets besides its tensors.
struct RunContext {
  ThreadPool* pool = nullptr;
  int batch = 0;               // samples in this call (<= the planned batch)
  bool training = false;       // fit: true; evaluate/predict: false
  Rng* rng = nullptr;          // for dropout and augmentation
  float* workspace = nullptr;  // workspace_floats(planned batch, threads) floats, shared by all layers
  float* saved = nullptr;      // saved_floats(planned batch) floats owned by this layer: written in
                               // forward, read in the following backward (batch statistics, masks)
};

class Layer {
 public:
  explicit Layer(std::string name) : name_(std::move(name)) {}
  virtual ~Layer() = default;
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;

  virtual const char* class_name() const = 0;
  const std::string& name() const { return name_; }

  // Checks the config against the input shapes and declares parameters. Errors name the layer.
  Status build(const std::vector<Shape>& inputs, Shape* output);

  // In 64 bits, so that a plan too large for wasm32 is measured, not wrapped (core/checked.h).
  virtual uint64_t workspace_floats(int batch, int threads) const {
    (void)batch;
    (void)threads;
    return 0;
  }
  virtual size_t saved_floats(int batch) const {
    (void)batch;
    return 0;
  }
  // Whether backward reads input i / the output. The memory planner frees or reuses what no
  // backward needs (e.g. BN's output once the next ReLU has run); true is always safe.
  virtual bool backward_reads_input(int i) const {
    (void)i;
    return true;
  }
  virtual bool backward_reads_output() const { return true; }
  virtual void forward(const RunContext& ctx, const std::vector<const float*>& inputs, float* output) = 0;
  virtual void backward(const RunContext& ctx, const std::vector<const float*>& inputs, const float* output,
                        const float* grad_output, const std::vector<float*>& grad_inputs) = 0;

  // Multiply-accumulates per sample in forward (0 for layers that do no matrix work); the
  // benchmark's GFLOP/s and the app's time estimates come from it.
  virtual int64_t macs_per_sample() const { return 0; }

  // Keras's layer.trainable (default true). False freezes every parameter (no gradient buffer,
  // no optimizer state, no weight-gradient work in backward) and runs BatchNormalization in
  // inference mode even while training. On a finalized model use Model::set_trainable, which
  // also re-lays out the parameter arena; this only sets the flags.
  bool trainable() const { return trainable_; }
  void set_trainable(bool trainable);

  std::vector<Param>& params() { return params_; }
  const std::vector<Param>& params() const { return params_; }
  int64_t count_params(bool trainable) const;

  const std::vector<Shape>& input_shapes() const { return input_shapes_; }
  const Shape& output_shape() const { return output_shape_; }

 protected:
  // Implemented by each layer: validate, declare parameters, compute the output shape.
  virtual Status do_build(const std::vector<Shape>& inputs, Shape* output) = 0;
  // "Conv2D 'conv2d_1'": how error messages name this layer.
  std::string who() const { return cat(class_name(), " '", name_, "'"); }
  Status expect_inputs(const std::vector<Shape>& inputs, size_t count, int rank) const;
  // Fails, naming this layer, when `shape` has more than kMaxTensorElements elements.
  Status check_tensor(const std::string& what, const Shape& shape) const;
  // learned: false for parameters no optimizer touches (BN's moving statistics).
  void add_param(std::string name, Shape shape, Init init, bool learned, int64_t fan_in = 0, int64_t fan_out = 0);
  float* value(size_t i) const { return params_[i].value; }
  float* grad(size_t i) const { return params_[i].grad; }

  std::vector<Param> params_;
  std::vector<Shape> input_shapes_;
  Shape output_shape_;

 private:
  std::string name_;
  bool trainable_ = true;
};

}  // namespace nn
