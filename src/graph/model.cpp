// Model: functional graph, parameter and activation planning, forward and backward
// execution (see model.h). Backward runs the nodes in reverse; each layer adds into its
// inputs' gradient buffers, which handles fan-out (residual skips) without special cases.
#include "graph/model.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include "core/alloc.h"
#include "core/checked.h"
#include "core/memory-budget.h"
#include "core/profile.h"
#include "graph/memory-planner.h"
#include "layers/layers.h"
#include "threading/thread-pool.h"

namespace nn {
namespace {

ProfileCounter forward_time("forward");    // every forward, also evaluation and inspection
ProfileCounter backward_time("backward");  // the whole backward pass (the op counters run inside it)

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
    return invalid_argument("model '", name_, "': two layers are named '", layer->name(),
                            "': layer names must be unique");
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
  node.layer = std::move(layer);
  node.inputs = inputs;
  node.output = static_cast<int>(values_.size());
  Value v;
  v.shape = out;
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
  NN_RETURN_IF_ERROR(lay_out_params(false));

  Rng rng(seed);
  for (Node& n : nodes_)
    for (Param& p : n.layer->params()) {
      const int64_t count = p.shape.numel();
      switch (p.init) {
        case Init::kZeros:
          std::fill(p.value, p.value + count, 0.0f);
          break;
        case Init::kOnes:
          std::fill(p.value, p.value + count, 1.0f);
          break;
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

Status Model::lay_out_params(bool keep_values) {
  // Trainable parameters first, then the rest, so [0, trainable) is one flat span.
  int64_t trainable = 0, fixed = 0;
  for (Node& n : nodes_)
    for (Param& p : n.layer->params()) (p.trainable ? trainable : fixed) += p.shape.numel();
  // Layers bound each tensor (kMaxTensorElements), not their sum: check the total against what
  // the engine can get before allocating, so a huge model fails at once with its figures. A new
  // layout is built beside the old one (whose values it copies), so only a first one may count
  // the current arenas as free.
  uint64_t floats = 0, bytes = 0;
  const uint64_t limit = memory_available_bytes() + (keep_values ? 0 : params_.bytes() + grads_.bytes());
  if (!checked_add(static_cast<uint64_t>(trainable + fixed), static_cast<uint64_t>(trainable), &floats) ||
      !checked_mul(floats, sizeof(float), &bytes) || bytes > limit || !fits_size_t(bytes)) {
    if (floats == 0 || bytes / floats != sizeof(float)) bytes = UINT64_MAX;
    return out_of_memory("model '", name_, "' has ", trainable + fixed, " parameters: with their gradients they need ",
                         format_bytes(bytes), "; this engine can use at most ", format_bytes(limit),
                         ": use fewer filters or units, or smaller kernels");
  }
  if (!keep_values) {
    params_.reset();
    grads_.reset();
  }
  Arena params("parameters"), grads("gradients");
  params.reserve(static_cast<size_t>(trainable + fixed));
  grads.reserve(static_cast<size_t>(trainable));
  NN_RETURN_IF_ERROR(params.allocate());
  NN_RETURN_IF_ERROR(grads.allocate());
  int64_t t_off = 0, f_off = trainable;
  for (Node& n : nodes_)
    for (Param& p : n.layer->params()) {
      const int64_t count = p.shape.numel();
      float* to = p.trainable ? params.at(static_cast<size_t>(t_off)) : params.at(static_cast<size_t>(f_off));
      if (keep_values) std::memcpy(to, p.value, static_cast<size_t>(count) * sizeof(float));
      p.value = to;
      p.grad = p.trainable ? grads.at(static_cast<size_t>(t_off)) : nullptr;
      (p.trainable ? t_off : f_off) += count;
    }
  params_.swap(params);
  grads_.swap(grads);
  trainable_count_ = trainable;
  non_trainable_count_ = fixed;
  return Status::ok();
}

Status Model::set_trainable(const std::vector<int>& nodes, bool trainable) {
  return set_trainable(nodes, std::vector<bool>(nodes.size(), trainable));
}

Status Model::set_trainable(const std::vector<int>& nodes, const std::vector<bool>& trainable) {
  NN_ASSERT(nodes.size() == trainable.size());
  bool changes = false;
  for (size_t k = 0; k < nodes.size(); ++k) {
    const int i = nodes[k];
    if (i < 0 || i >= static_cast<int>(nodes_.size())) {
      return invalid_argument("model '", name_, "': node ", i, " does not exist (the model has ", nodes_.size(),
                              " nodes)");
    }
    changes = changes || nodes_[i].layer->trainable() != trainable[k];
  }
  if (!changes) return Status::ok();
  std::vector<bool> before(nodes_.size());
  for (size_t i = 0; i < nodes_.size(); ++i) before[i] = nodes_[i].layer->trainable();
  for (size_t k = 0; k < nodes.size(); ++k) nodes_[nodes[k]].layer->set_trainable(trainable[k]);
  if (!finalized_) return Status::ok();
  Status st = lay_out_params(true);
  if (!st.is_ok()) {
    for (size_t i = 0; i < nodes_.size(); ++i) nodes_[i].layer->set_trainable(before[i]);
    return st;
  }
  // Which values need gradients, and which layers run in inference mode, have changed.
  planned_batch_ = 0;
  ++trainable_version_;
  return Status::ok();
}

Status Model::set_trainable(const std::string& layer, bool trainable) {
  const int node = find_layer(layer);
  if (node < 0) return invalid_argument("model '", name_, "' has no layer named '", layer, "'");
  return set_trainable(std::vector<int>{node}, trainable);
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
    row.name = n.layer->name();
    row.class_name = n.layer->class_name();
    row.output_shape = values_[n.output].shape;
    row.params = n.layer->count_params(true) + n.layer->count_params(false);
    row.trainable = n.layer->trainable();
    for (int v : n.inputs) row.inbound.push_back(nodes_[values_[v].producer].layer->name());
    s.trainable_params += n.layer->count_params(true);
    s.non_trainable_params += n.layer->count_params(false);
    s.layers.push_back(std::move(row));
  }
  s.total_params = s.trainable_params + s.non_trainable_params;
  return s;
}

// A plan's buffers and lifetimes (see memory-planner.h), before any of it is allocated.
struct Model::Layout {
  std::vector<BufferUsage> usage;
  std::vector<int> act_usage, grad_usage, saved_usage;
  std::vector<char> needs_grad;
  uint64_t total = 0, workspace = 0, largest = 0;
};

void Model::layout(int max_batch, int threads, const PlanOptions& options, Layout* out) const {
  Layout& l = *out;
  // A value needs a gradient when a trainable parameter lies upstream of it (or in its
  // producer); the rest (the input, a Rescaling of it) are skipped in backward, unless the
  // caller asks for the gradient with respect to the input.
  l.needs_grad.assign(values_.size(), 0);
  l.needs_grad[inputs_[0]] = options.training && (options.input_gradient || options.gradient_of == inputs_[0]);
  for (const Node& n : nodes_) {
    if (n.inputs.empty() || !options.training) continue;
    bool upstream = n.layer->count_params(true) > 0;
    for (int v : n.inputs) upstream = upstream || l.needs_grad[v];
    l.needs_grad[n.output] = upstream || n.output == options.gradient_of;
  }
  // Lifetimes on the step timeline (see memory-planner.h). A value lives from its producer's
  // forward to its last forward reader, and on to the last backward that reads it.
  const int count = static_cast<int>(nodes_.size());
  const int end = options.training ? 2 * count - 1 : count - 1;
  auto backward_time = [&](int node) { return 2 * count - 1 - node; };
  std::vector<BufferUsage>& usage = l.usage;
  l.act_usage.assign(values_.size(), -1);
  l.grad_usage.assign(values_.size(), -1);
  l.saved_usage.assign(nodes_.size(), -1);
  for (size_t v = 0; v < values_.size(); ++v) {
    const int producer = values_[v].producer;
    BufferUsage u;
    // Shapes are at most kMaxTensorElements and the batch an int: the product fits 64 bits.
    u.floats = static_cast<uint64_t>(max_batch) * static_cast<uint64_t>(values_[v].shape.numel());
    l.largest = std::max(l.largest, u.floats);
    u.first = producer;
    u.last = producer;
    const bool keep = options.keep_activations || static_cast<int>(v) == output_;
    if (keep) u.last = end;
    if (options.training && l.needs_grad[v] && nodes_[producer].layer->backward_reads_output()) {
      u.last = std::max(u.last, backward_time(producer));
    }
    l.act_usage[v] = static_cast<int>(usage.size());
    usage.push_back(u);
  }
  for (int c = 0; c < count; ++c) {
    const Node& n = nodes_[c];
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      BufferUsage& u = usage[l.act_usage[n.inputs[i]]];
      u.last = std::max(u.last, c);
      if (options.training && l.needs_grad[n.output] && n.layer->backward_reads_input(static_cast<int>(i))) {
        u.last = std::max(u.last, backward_time(c));
      }
    }
  }
  if (options.training) {
    for (size_t v = 0; v < values_.size(); ++v) {
      if (!l.needs_grad[v]) continue;
      // From the backward of its last consumer (the first to run) to its producer's backward.
      BufferUsage u;
      u.floats = usage[l.act_usage[v]].floats;
      u.first = static_cast<int>(v) == output_ ? count : 2 * count;
      u.last = backward_time(values_[v].producer);
      for (int c = 0; c < count; ++c)
        for (int in : nodes_[c].inputs)
          if (in == static_cast<int>(v)) u.first = std::min(u.first, backward_time(c));
      if (static_cast<int>(v) == inputs_[0] || options.keep_activations) u.last = end;
      l.grad_usage[v] = static_cast<int>(usage.size());
      usage.push_back(u);
    }
  }
  // Layers size their workspace from dimensions held in size_t: only meaningful when every
  // value fits kMaxTensorElements (which also bounds the rows of Dense and BatchNormalization).
  const bool sizes_fit = l.largest <= kMaxTensorElements;
  l.workspace = 0;
  for (int c = 0; c < count; ++c) {
    const Layer& layer = *nodes_[c].layer;
    if (sizes_fit) l.workspace = std::max(l.workspace, layer.workspace_floats(max_batch, threads));
    BufferUsage u;
    u.floats = sizes_fit ? layer.saved_floats(max_batch) : 0;
    u.first = c;
    u.last = options.training ? backward_time(c) : c;
    l.saved_usage[c] = static_cast<int>(usage.size());
    usage.push_back(u);
  }
  l.total = plan_memory(usage);
}

namespace {

uint64_t saturating_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }
uint64_t floats_to_bytes(uint64_t floats) {
  return floats > UINT64_MAX / sizeof(float) ? UINT64_MAX : floats * sizeof(float);
}

}  // namespace

PlanEstimate Model::estimate_of(const Layout& l) const {
  PlanEstimate e;
  e.parameter_bytes = floats_to_bytes(static_cast<uint64_t>(count_params() + trainable_count_));
  // Each arena carries alignment and tail padding (core/alloc.h).
  e.activation_bytes =
      saturating_add(floats_to_bytes(saturating_add(l.total, l.workspace)), 2 * (kAlignment + kTailBytes));
  e.largest_tensor = l.largest;
  e.tensor_fits = l.largest <= kMaxTensorElements;
  return e;
}

PlanEstimate Model::estimate_plan(int batch, int threads, const PlanOptions& options) const {
  if (!finalized_ || batch <= 0) return estimate_of(Layout{});
  Layout l;
  layout(batch, threads, options, &l);
  return estimate_of(l);
}

int Model::max_batch_within(uint64_t activation_budget, uint64_t per_sample_bytes, int threads,
                            const PlanOptions& options, int upper) const {
  auto fits = [&](int b) {
    const PlanEstimate e = estimate_plan(b, threads, options);
    uint64_t staging = 0;
    const bool ok = checked_mul(per_sample_bytes, static_cast<uint64_t>(b), &staging);
    return ok && e.tensor_fits && saturating_add(e.activation_bytes, staging) <= activation_budget;
  };
  // Needs grow with the batch, so the largest batch that fits is found by bisection.
  if (upper < 1 || !fits(1)) return 0;
  int lo = 1, hi = upper;
  while (lo < hi) {
    const int mid = lo + (hi - lo + 1) / 2;
    if (fits(mid))
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

Status plan_memory_error(const std::string& model, int batch, uint64_t need, const PlanEstimate& e, uint64_t limit,
                         int max_batch) {
  std::string why;
  if (need > limit) why = cat("; this engine can use at most ", format_bytes(limit));
  if (e.tensor_fits && e.activation_bytes > largest_block_bytes()) {
    why += cat("; the activations are one block and this build allocates at most ", format_bytes(largest_block_bytes()),
               " at once");
  }
  if (!e.tensor_fits) {
    why += cat("; one tensor would hold ", e.largest_tensor, " floats, more than the ", kMaxTensorElements,
               " a tensor may hold");
  }
  const std::string way_out =
      max_batch > 0 ? cat("use a batch of at most ", max_batch, " or smaller images")
                    : std::string("even a batch of 1 does not fit: use smaller images or a smaller model");
  return out_of_memory("model '", model, "' needs ", e.tensor_fits ? "" : "at least ", format_bytes(need), " at batch ",
                       batch, " (activations ", format_bytes(e.activation_bytes), ")", why, ": ", way_out);
}

Status Model::plan(int max_batch, ThreadPool* pool, const PlanOptions& options) {
  if (!finalized_) return failed_precondition("model '", name_, "' must be finalized before it is planned");
  if (max_batch <= 0) return invalid_argument("model '", name_, "': batch size ", max_batch, " must be positive");
  const int threads = pool_threads(pool);
  Layout l;
  layout(max_batch, threads, options, &l);
  // Refuse a plan that cannot fit before anything is freed or allocated: the current plan
  // stays usable, and the message says what would fit. This plan's buffers replace the
  // current ones, so those count as available.
  {
    const PlanEstimate e = estimate_of(l);
    const uint64_t held = static_cast<uint64_t>(params_.bytes()) + grads_.bytes() + activation_bytes();
    const uint64_t limit = saturating_add(held, memory_available_bytes());
    const uint64_t need = saturating_add(e.parameter_bytes, e.activation_bytes);
    if (!e.tensor_fits || need > limit || e.activation_bytes > largest_block_bytes()) {
      const uint64_t budget = limit > e.parameter_bytes ? limit - e.parameter_bytes : 0;
      const uint64_t within = std::min(budget, largest_block_bytes());
      return plan_memory_error(name_, max_batch, need, e, limit,
                               max_batch_within(within, 0, threads, options, max_batch - 1));
    }
  }
  pool_ = pool;
  plan_options_ = options;
  planned_batch_ = 0;  // no plan until this one is allocated
  buffers_.reset();
  workspace_.reset();
  for (size_t v = 0; v < values_.size(); ++v) values_[v].needs_grad = l.needs_grad[v] != 0;
  for (size_t v = 0; v < values_.size(); ++v) {
    if (l.grad_usage[v] >= 0) values_[v].grad_first_time = l.usage[l.grad_usage[v]].first;
  }
  // The estimate fits the budget, so these sizes and offsets fit size_t.
  buffers_.reserve(static_cast<size_t>(l.total));
  workspace_.reserve(static_cast<size_t>(l.workspace));
  NN_RETURN_IF_ERROR(buffers_.allocate());
  NN_RETURN_IF_ERROR(workspace_.allocate());
  for (size_t v = 0; v < values_.size(); ++v) {
    values_[v].act_offset = static_cast<size_t>(l.usage[l.act_usage[v]].offset);
    values_[v].grad_offset = l.grad_usage[v] >= 0 ? static_cast<size_t>(l.usage[l.grad_usage[v]].offset) : 0;
  }
  const int count = static_cast<int>(nodes_.size());
  for (int c = 0; c < count; ++c) {
    Node& n = nodes_[c];
    n.saved_offset = static_cast<size_t>(l.usage[l.saved_usage[c]].offset);
    n.in_ptrs.clear();
    n.grad_in_ptrs.clear();
    n.runs_backward = false;
    for (int v : n.inputs) {
      n.in_ptrs.push_back(buffers_.at(values_[v].act_offset));
      n.grad_in_ptrs.push_back(values_[v].needs_grad ? buffers_.at(values_[v].grad_offset) : nullptr);
      n.runs_backward = n.runs_backward || values_[v].needs_grad;
    }
    n.runs_backward = values_[n.output].needs_grad && (n.runs_backward || n.layer->count_params(true) > 0);
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
    return shape_mismatch("input batch has shape ", batch_shape.str(), " but model '", name_, "' expects Nx", in.str(),
                          " (N samples of ", in.str(), ")");
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
  std::memcpy(buffers_.at(in.act_offset), x, sizeof(float) * static_cast<size_t>(n) * in.shape.numel());
  RunContext ctx;
  ctx.pool = pool_;
  ctx.batch = n;
  ctx.training = training;
  ctx.rng = rng;
  ctx.workspace = workspace_.data();
  ProfileScope scope(forward_time);
  for (size_t i = 0; i < nodes_.size(); ++i) {
    Node& node = nodes_[i];
    ctx.saved = buffers_.at(node.saved_offset);
    const auto start = profiling_ ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
    node.layer->forward(ctx, node.in_ptrs, buffers_.at(values_[node.output].act_offset));
    if (profiling_) timings_[i].forward_seconds += seconds_since(start);
  }
  last_batch_ = n;
  last_training_ = training;
  last_rng_ = rng;
  *output = buffers_.at(values_[output_].act_offset);
  return Status::ok();
}

void Model::backward(const float* grad_output, int n) {
  NN_ASSERT(n == last_batch_);
  NN_ASSERT(plan_options_.training);
  ProfileScope scope(backward_time);
  std::memset(grads_.data(), 0, grads_.size() * sizeof(float));
  const Value& out = values_[output_];
  if (!out.needs_grad) return;
  std::memcpy(buffers_.at(out.grad_offset), grad_output, sizeof(float) * static_cast<size_t>(n) * out.shape.numel());
  RunContext ctx;
  ctx.pool = pool_;
  ctx.batch = n;
  ctx.training = last_training_;
  ctx.rng = last_rng_;
  ctx.workspace = workspace_.data();
  const int count = static_cast<int>(nodes_.size());
  for (int i = count - 1; i >= 0; --i) {
    Node& node = nodes_[i];
    const Value& v = values_[node.output];
    if (!node.runs_backward) continue;
    // Gradient buffers start their life here, at their first (last-in-graph) consumer: zero
    // them just before that consumer adds into them.
    const int now = 2 * count - 1 - i;
    for (int in : node.inputs) {
      const Value& iv = values_[in];
      if (iv.needs_grad && iv.grad_first_time == now) {
        std::memset(buffers_.at(iv.grad_offset), 0, sizeof(float) * static_cast<size_t>(n) * iv.shape.numel());
      }
    }
    ctx.saved = buffers_.at(node.saved_offset);
    const auto start = profiling_ ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
    node.layer->backward(ctx, node.in_ptrs, buffers_.at(v.act_offset), buffers_.at(v.grad_offset), node.grad_in_ptrs);
    if (profiling_) timings_[i].backward_seconds += seconds_since(start);
  }
}

}  // namespace nn
