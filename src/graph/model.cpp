// Model: functional graph, parameter and activation planning, forward and backward
// execution (see model.h). Backward runs the nodes in reverse; each layer adds into its
// inputs' gradient buffers, which handles fan-out (residual skips) without special cases.
#include "graph/model.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include "core/profile.h"
#include "layers/layers.h"
#include "threading/thread-pool.h"

namespace nn {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Model::~Model() = default;

int Model::find_layer(const std::string& name) const {
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i].layer->name() == name) return static_cast<int>(i);
  return -1;
}

Status Model::add_input(const std::string& name, const Shape& shape, int* value) {
  NN_RETURN_IF_ERROR(add_layer(std::make_unique<InputLayer>(name, shape), {}, value));
  inputs_.push_back(*value);
  return Status::ok();
}

Status Model::add_layer(std::unique_ptr<Layer> layer, const std::vector<int>& inputs, int* value) {
  if (finalized_) return failed_precondition("model '", name_, "' is finalized: layers can no longer be added");
  if (find_layer(layer->name()) >= 0) {
    return invalid_argument("model '", name_, "': two layers are named '", layer->name(), "': layer names must be unique");
  }
  std::vector<Shape> shapes;
  for (int v : inputs) {
    if (v < 0 || v >= static_cast<int>(values_.size())) {
      return invalid_argument(layer->class_name(), " '", layer->name(), "': input value ", v, " does not exist");
    }
    shapes.push_back(values_[v].shape);
  }
  Shape out;
  NN_RETURN_IF_ERROR(layer->build(shapes, &out));
  Node node;
  node.layer  = std::move(layer);
  node.inputs = inputs;
  node.output = static_cast<int>(values_.size());
  Value v;
  v.shape    = out;
  v.producer = static_cast<int>(nodes_.size());
  values_.push_back(v);
  nodes_.push_back(std::move(node));
  *value = nodes_.back().output;
  return Status::ok();
}

Status Model::set_output(int value) {
  if (value < 0 || value >= static_cast<int>(values_.size())) {
    return invalid_argument("model '", name_, "': output value ", value, " does not exist");
  }
  output_ = value;
  return Status::ok();
}

Status Model::finalize(uint64_t seed) {
  if (finalized_) return Status::ok();
  if (inputs_.size() != 1) {
    return unsupported("model '", name_, "' has ", inputs_.size(), " inputs: exactly one input is supported");
  }
  if (output_ < 0) return failed_precondition("model '", name_, "' has no output");
  // Trainable parameters first, then the rest, so [0, trainable_count_) is one flat span.
  int64_t trainable = 0, fixed = 0;
  for (Node& n : nodes_)
    for (Param& p : n.layer->params()) (p.trainable ? trainable : fixed) += p.shape.numel();
  params_.reset();
  grads_.reset();
  params_.reserve(static_cast<size_t>(trainable + fixed));
  grads_.reserve(static_cast<size_t>(trainable));
  NN_RETURN_IF_ERROR(params_.allocate());
  NN_RETURN_IF_ERROR(grads_.allocate());
  int64_t t_off = 0, f_off = trainable;
  for (Node& n : nodes_)
    for (Param& p : n.layer->params()) {
      if (p.trainable) {
        p.value = params_.at(t_off);
        p.grad  = grads_.at(t_off);
        t_off += p.shape.numel();
      } else {
        p.value = params_.at(f_off);
        f_off += p.shape.numel();
      }
    }
  trainable_count_     = trainable;
  non_trainable_count_ = fixed;

  Rng rng(seed);
  for (Node& n : nodes_)
    for (Param& p : n.layer->params()) {
      const int64_t count = p.shape.numel();
      switch (p.init) {
        case Init::kZeros: std::fill(p.value, p.value + count, 0.0f); break;
        case Init::kOnes:  std::fill(p.value, p.value + count, 1.0f); break;
        case Init::kGlorotUniform: {
          // Glorot & Bengio 2010: U(-l, l), l = sqrt(6 / (fan_in + fan_out)).
          const float limit = std::sqrt(6.0f / static_cast<float>(p.fan_in + p.fan_out));
          for (int64_t i = 0; i < count; ++i) p.value[i] = rng.uniform(-limit, limit);
          break;
        }
      }
    }
  finalized_ = true;
  return Status::ok();
}

int64_t Model::forward_macs_per_sample() const {
  int64_t macs = 0;
  for (const Node& n : nodes_) macs += n.layer->macs_per_sample();
  return macs;
}

ModelSummary Model::summary() const {
  ModelSummary s;
  s.name = name_;
  for (const Node& n : nodes_) {
    LayerSummary row;
    row.name         = n.layer->name();
    row.class_name   = n.layer->class_name();
    row.output_shape = values_[n.output].shape;
    row.params       = n.layer->count_params(true) + n.layer->count_params(false);
    for (int v : n.inputs) row.inbound.push_back(nodes_[values_[v].producer].layer->name());
    s.trainable_params     += n.layer->count_params(true);
    s.non_trainable_params += n.layer->count_params(false);
    s.layers.push_back(std::move(row));
  }
  s.total_params = s.trainable_params + s.non_trainable_params;
  return s;
}

Status Model::plan(int max_batch, ThreadPool* pool, bool input_gradient) {
  if (!finalized_) return failed_precondition("model '", name_, "' must be finalized before it is planned");
  if (max_batch <= 0) return invalid_argument("model '", name_, "': batch size ", max_batch, " must be positive");
  pool_ = pool;
  acts_.reset();
  grads_acts_.reset();
  workspace_.reset();
  // A value needs a gradient when a trainable parameter lies upstream of it (or in its
  // producer); the rest (the input, a Rescaling of it) are skipped in backward, unless the
  // caller asks for the gradient with respect to the input.
  for (Value& v : values_) v.needs_grad = false;
  values_[inputs_[0]].needs_grad = input_gradient;
  for (const Node& n : nodes_) {
    if (n.inputs.empty()) continue;
    bool upstream = n.layer->count_params(true) > 0;
    for (int v : n.inputs) upstream = upstream || values_[v].needs_grad;
    values_[n.output].needs_grad = upstream;
  }
  size_t workspace = 0;
  const int threads = pool_threads(pool);
  for (Value& v : values_) {
    const size_t floats = static_cast<size_t>(max_batch) * static_cast<size_t>(v.shape.numel());
    v.act_offset  = acts_.reserve(floats);
    v.grad_offset = grads_acts_.reserve(v.needs_grad ? floats : 0);
  }
  for (Node& n : nodes_) {
    workspace = std::max(workspace, n.layer->workspace_floats(max_batch, threads));
    n.saved_offset = acts_.reserve(n.layer->saved_floats(max_batch));
  }
  workspace_.reserve(workspace);
  NN_RETURN_IF_ERROR(acts_.allocate());
  NN_RETURN_IF_ERROR(grads_acts_.allocate());
  NN_RETURN_IF_ERROR(workspace_.allocate());
  for (Node& n : nodes_) {
    n.in_ptrs.clear();
    n.grad_in_ptrs.clear();
    for (int v : n.inputs) {
      n.in_ptrs.push_back(acts_.at(values_[v].act_offset));
      n.grad_in_ptrs.push_back(values_[v].needs_grad ? grads_acts_.at(values_[v].grad_offset) : nullptr);
    }
  }
  planned_batch_ = max_batch;
  timings_.assign(nodes_.size(), NodeTiming{});
  return Status::ok();
}

Status Model::check_batch_shape(const Shape& batch_shape) const {
  const Shape& in = input_shape();
  bool ok = batch_shape.rank == in.rank + 1 && batch_shape[0] > 0;
  for (int i = 0; ok && i < in.rank; ++i) ok = batch_shape[i + 1] == in[i];
  if (!ok) {
    return shape_mismatch("input batch has shape ", batch_shape.str(), " but model '", name_, "' expects Nx",
                          in.str(), " (N samples of ", in.str(), ")");
  }
  return Status::ok();
}

Status Model::forward(const float* x, int n, bool training, Rng* rng, const float** output) {
  if (planned_batch_ == 0) return failed_precondition("model '", name_, "' must be planned before it runs");
  if (n <= 0 || n > planned_batch_) {
    return invalid_argument("model '", name_, "': batch of ", n, " samples does not fit the plan (1 to ",
                            planned_batch_, " samples)");
  }
  const Value& in = values_[inputs_[0]];
  std::memcpy(acts_.at(in.act_offset), x, sizeof(float) * static_cast<size_t>(n) * in.shape.numel());
  RunContext ctx;
  ctx.pool      = pool_;
  ctx.batch     = n;
  ctx.training  = training;
  ctx.rng       = rng;
  ctx.workspace = workspace_.data();
  ProfileScope scope(ProfileKey::kForward);
  for (size_t i = 0; i < nodes_.size(); ++i) {
    Node& node = nodes_[i];
    ctx.saved = acts_.at(node.saved_offset);
    const auto start = profiling_ ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
    node.layer->forward(ctx, node.in_ptrs, acts_.at(values_[node.output].act_offset));
    if (profiling_) timings_[i].forward_seconds += seconds_since(start);
  }
  last_batch_    = n;
  last_training_ = training;
  last_rng_      = rng;
  *output = acts_.at(values_[output_].act_offset);
  return Status::ok();
}

void Model::backward(const float* grad_output, int n) {
  NN_ASSERT(n == last_batch_);
  ProfileScope scope(ProfileKey::kBackward);
  std::memset(grads_acts_.data(), 0, grads_acts_.size() * sizeof(float));
  std::memset(grads_.data(), 0, grads_.size() * sizeof(float));
  const Value& out = values_[output_];
  if (!out.needs_grad) return;
  std::memcpy(grads_acts_.at(out.grad_offset), grad_output, sizeof(float) * static_cast<size_t>(n) * out.shape.numel());
  RunContext ctx;
  ctx.pool      = pool_;
  ctx.batch     = n;
  ctx.training  = last_training_;
  ctx.rng       = last_rng_;
  ctx.workspace = workspace_.data();
  for (size_t i = nodes_.size(); i-- > 0;) {
    Node& node = nodes_[i];
    const Value& v = values_[node.output];
    if (!v.needs_grad) continue;
    ctx.saved = acts_.at(node.saved_offset);
    const auto start = profiling_ ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
    node.layer->backward(ctx, node.in_ptrs, acts_.at(v.act_offset), grads_acts_.at(v.grad_offset), node.grad_in_ptrs);
    if (profiling_) timings_[i].backward_seconds += seconds_since(start);
  }
}

}  // namespace nn
