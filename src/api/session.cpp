// Session (see session.h).
#include "api/session.h"

#include <algorithm>
#include <cmath>

#include "core/checked.h"
#include "core/memory-budget.h"
#include "inspect/grad-cam.h"
#include "io/model-json.h"
#include "io/tfjs-weights.h"
#include "io/tfjs-writer.h"
#include "layers/augmentation.h"
#include "train/checkpoint.h"
#include "train/loss.h"

namespace nn {
namespace {

// Reads a number under either of two spellings (camelCase from JS, snake_case from Keras).
bool read_number(const JsonValue& obj, const char* camel, const char* snake, double* out) {
  const JsonValue* v = obj.find(camel);
  if (!v) v = obj.find(snake);
  if (!v || !v->is_number()) return false;
  *out = v->as_number();
  return true;
}

}  // namespace

Status Session::create(std::string_view model_json, uint64_t seed, int threads, std::unique_ptr<Session>* out) {
  auto s = std::unique_ptr<Session>(new Session());
  NN_RETURN_IF_ERROR(model_from_json_text(model_json, &s->model_));
  NN_RETURN_IF_ERROR(s->model_->finalize(seed));
  s->pool_ = std::make_unique<ThreadPool>(threads <= 0 ? ThreadPool::max_threads() : threads);
  s->trainer_ = std::make_unique<Trainer>(s->model_.get(), s->pool_.get(), seed ^ 0x5bd1e995ULL);
  *out = std::move(s);
  return Status::ok();
}

Status Session::compile(std::string_view options_json) {
  JsonValue o;
  NN_RETURN_IF_ERROR(parse_json(options_json, &o));
  if (!o.is_object()) return invalid_argument("compile options must be an object");
  CompileOptions c;
  const JsonValue* loss = o.find("loss");
  if (!loss || !loss->is_string())
    return invalid_argument("compile options need a loss name, e.g. \"binary_crossentropy\"");
  NN_RETURN_IF_ERROR(parse_loss(loss->as_string(), &c.loss.kind));
  const JsonValue* logits = o.find("fromLogits");
  if (!logits) logits = o.find("from_logits");
  c.loss.from_logits = logits && logits->is_bool() && logits->as_bool();
  const JsonValue* opt = o.find("optimizer");
  if (opt && opt->is_string()) {
    NN_RETURN_IF_ERROR(parse_optimizer(opt->as_string(), &c.optimizer.kind));
  } else if (opt && opt->is_object()) {
    const JsonValue* name = opt->find("name");
    if (!name || !name->is_string()) return invalid_argument("optimizer options need a name: sgd, rmsprop or adam");
    NN_RETURN_IF_ERROR(parse_optimizer(name->as_string(), &c.optimizer.kind));
    double v;
    if (read_number(*opt, "learningRate", "learning_rate", &v)) c.optimizer.learning_rate = static_cast<float>(v);
    if (read_number(*opt, "momentum", "momentum", &v)) c.optimizer.momentum = static_cast<float>(v);
    if (read_number(*opt, "rho", "rho", &v)) c.optimizer.rho = static_cast<float>(v);
    if (read_number(*opt, "beta1", "beta_1", &v)) c.optimizer.beta_1 = static_cast<float>(v);
    if (read_number(*opt, "beta2", "beta_2", &v)) c.optimizer.beta_2 = static_cast<float>(v);
    if (read_number(*opt, "epsilon", "epsilon", &v)) c.optimizer.epsilon = static_cast<float>(v);
    const JsonValue* nesterov = opt->find("nesterov");
    c.optimizer.nesterov = nesterov && nesterov->is_bool() && nesterov->as_bool();
  } else if (opt) {
    return invalid_argument("optimizer must be a name or an object with a name");
  }
  return trainer_->compile(c);
}

Status Session::set_learning_rate(float lr) {
  if (!(lr >= 0.0f) || !std::isfinite(lr))
    return invalid_argument("learning rate ", lr, " must be a finite non-negative number");
  trainer_->optimizer().set_learning_rate(lr);
  return Status::ok();
}

Status Session::set_trainable(const std::vector<std::string>& layers, bool trainable) {
  std::vector<int> nodes;
  for (const std::string& name : layers) {
    const int node = model_->find_layer(name);
    if (node < 0)
      return invalid_argument("set_trainable: model '", model_->name(), "' has no layer named '", name, "'");
    nodes.push_back(node);
  }
  return set_trainable_nodes(nodes, trainable);
}

Status Session::set_trainable_nodes(const std::vector<int>& nodes, bool trainable) {
  const uint64_t version = model_->trainable_version();
  NN_RETURN_IF_ERROR(model_->set_trainable(nodes, trainable));
  if (model_->trainable_version() != version) plan_kind_ = PlanKind::kNone;
  return Status::ok();
}

Status Session::set_trainable(std::string_view options_json) {
  JsonValue o;
  NN_RETURN_IF_ERROR(parse_json(options_json, &o));
  if (!o.is_object()) return invalid_argument("set_trainable options must be an object");
  const JsonValue* flag = o.find("trainable");
  if (!flag || !flag->is_bool()) {
    return invalid_argument("set_trainable options need \"trainable\": true or false, e.g. {\"layers\": [\"dense\"], ",
                            "\"trainable\": false}");
  }
  const JsonValue* layers = o.find("layers");
  const JsonValue* from = o.find("from");
  const JsonValue* to = o.find("to");
  if (!layers && !from && !to) {
    return invalid_argument("set_trainable options name no layer: give \"layers\" (a list of names) and/or a range ",
                            "\"from\" / \"to\" (layer names, both included)");
  }
  std::vector<int> nodes;
  auto node_of = [&](const JsonValue& name, const char* what, int* node) {
    if (!name.is_string()) return invalid_argument("set_trainable: ", what, " must be a layer name (a string)");
    *node = model_->find_layer(name.as_string());
    if (*node < 0) {
      return invalid_argument("set_trainable: model '", model_->name(), "' has no layer named '", name.as_string(),
                              "' (", what, ")");
    }
    return Status::ok();
  };
  if (layers) {
    if (!layers->is_array()) return invalid_argument("set_trainable: \"layers\" must be a list of layer names");
    for (const JsonValue& name : layers->as_array()) {
      int node = -1;
      NN_RETURN_IF_ERROR(node_of(name, "in \"layers\"", &node));
      nodes.push_back(node);
    }
  }
  if (from || to) {
    int first = 0, last = static_cast<int>(model_->nodes().size()) - 1;
    if (from) NN_RETURN_IF_ERROR(node_of(*from, "\"from\"", &first));
    if (to) NN_RETURN_IF_ERROR(node_of(*to, "\"to\"", &last));
    if (first > last) {
      return invalid_argument("set_trainable: layer '", model_->nodes()[first].layer->name(),
                              "' (\"from\") comes after '", model_->nodes()[last].layer->name(),
                              "' (\"to\") in model '", model_->name(),
                              "': the range must run forward through the graph");
    }
    for (int i = first; i <= last; ++i) nodes.push_back(i);
  }
  return set_trainable_nodes(nodes, flag->as_bool());
}

size_t Session::label_size() const {
  const size_t dim = static_cast<size_t>(model_->output_shape().numel());
  return trainer_->compiled() ? loss_label_size(trainer_->options().loss.kind, dim) : dim;
}

Status Session::memory_estimate(int batch, MemoryEstimate* out) const {
  if (batch <= 0) return invalid_argument("batch size ", batch, " must be positive");
  const Model& m = *model_;
  const uint64_t trainable = static_cast<uint64_t>(m.trainable_count());
  const uint64_t per_sample = (static_cast<uint64_t>(m.input_shape().numel()) + label_size()) * sizeof(float);
  auto staging = [&](int b) { return per_sample * static_cast<uint64_t>(b); };  // < 2^64: both factors < 2^32
  MemoryEstimate e;
  e.plan = m.estimate_plan(batch, threads());
  e.weight_bytes = e.plan.parameter_bytes;
  // Not compiled, or compiled before set_trainable: Adam's two slots per trainable parameter.
  e.optimizer_bytes = trainer_->check_compiled("training").is_ok() ? trainer_->optimizer().state_size() * sizeof(float)
                                                                   : 2 * trainable * sizeof(float);
  e.activation_bytes = e.plan.activation_bytes;
  e.staging_bytes = staging(batch);
  CheckedSize total(e.weight_bytes);
  total.add(e.optimizer_bytes).add(e.activation_bytes).add(e.staging_bytes);
  e.bytes = total.ok() ? total.value() : UINT64_MAX;
  // What this session holds now is given back when it re-plans, so it counts as available.
  const uint64_t held = static_cast<uint64_t>(m.parameter_bytes()) + m.activation_bytes() +
                        trainer_->optimizer().state_size() * sizeof(float) +
                        (x_.capacity() + y_.capacity()) * sizeof(float);
  const uint64_t available = memory_available_bytes();
  e.limit_bytes = held > UINT64_MAX - available ? UINT64_MAX : held + available;
  // The activations live in one arena, which must also fit one allocation (wasm32: under 2 GiB).
  const uint64_t block = largest_block_bytes();
  e.fits = e.plan.tensor_fits && e.bytes <= e.limit_bytes && e.activation_bytes <= block;
  const uint64_t fixed = e.weight_bytes + e.optimizer_bytes;
  e.max_batch = e.limit_bytes > fixed
                    ? m.max_batch_within(e.limit_bytes - fixed, per_sample, threads(), PlanOptions{}, kMaxEstimateBatch)
                    : 0;
  if (block != UINT64_MAX && e.max_batch > 0)
    e.max_batch = m.max_batch_within(block, 0, threads(), PlanOptions{}, e.max_batch);
  *out = e;
  return Status::ok();
}

Status Session::reserve(int batch) {
  if (batch <= 0) return invalid_argument("batch size ", batch, " must be positive");
  if (batch > reserved_) {
    MemoryEstimate e;
    NN_RETURN_IF_ERROR(memory_estimate(batch, &e));
    if (!e.fits) return plan_memory_error(model_->name(), batch, e.bytes, e.plan, e.limit_bytes, e.max_batch);
  }
  if (batch > reserved_ || plan_kind_ != PlanKind::kTraining) {
    NN_RETURN_IF_ERROR(model_->plan(std::max(batch, reserved_), pool_.get()));
    plan_kind_ = PlanKind::kTraining;
  }
  reserved_ = std::max(reserved_, batch);
  x_.resize(static_cast<size_t>(reserved_) * model_->input_shape().numel());
  y_.resize(static_cast<size_t>(reserved_) * model_->output_shape().numel());
  return Status::ok();
}

Status Session::ensure_training_plan() {
  if (reserved_ == 0) return failed_precondition("no batch size reserved: call reserve(batch) first");
  if (plan_kind_ != PlanKind::kTraining) {
    NN_RETURN_IF_ERROR(model_->plan(reserved_, pool_.get()));
    plan_kind_ = PlanKind::kTraining;
  }
  return Status::ok();
}

static Status check_count(int n, int reserved) {
  if (n <= 0 || n > reserved)
    return invalid_argument("batch of ", n, " samples does not fit the reserved batch size ", reserved);
  return Status::ok();
}

Status Session::train_step(int n, StepResult* result) {
  NN_RETURN_IF_ERROR(ensure_training_plan());
  NN_RETURN_IF_ERROR(check_count(n, reserved_));
  return trainer_->train_on_batch(x_.data(), y_.data(), n, result);
}

Status Session::evaluate_step(int n, double* loss_sum, double* correct) {
  NN_RETURN_IF_ERROR(ensure_training_plan());
  NN_RETURN_IF_ERROR(check_count(n, reserved_));
  StepResult r;
  Dataset d{x_.data(), y_.data(), static_cast<size_t>(n)};
  NN_RETURN_IF_ERROR(trainer_->evaluate(d, n, &r));
  *loss_sum += r.loss * n;
  *correct += r.accuracy * n;
  return Status::ok();
}

Status Session::predict_step(int n, const float** out) {
  NN_RETURN_IF_ERROR(ensure_training_plan());
  NN_RETURN_IF_ERROR(check_count(n, reserved_));
  NN_RETURN_IF_ERROR(trainer_->check_inputs(x_.data(), n));
  return model_->forward(x_.data(), n, false, &trainer_->rng(), out);
}

Status Session::layer_output(const std::string& layer, int n, const float** out, Shape* shape) {
  if (reserved_ == 0) return failed_precondition("no batch size reserved: call reserve(batch) first");
  NN_RETURN_IF_ERROR(check_count(n, reserved_));
  const int node = model_->find_layer(layer);
  if (node < 0) return invalid_argument("model '", model_->name(), "' has no layer named '", layer, "'");
  NN_RETURN_IF_ERROR(trainer_->check_inputs(x_.data(), n));
  if (plan_kind_ != PlanKind::kInspect) {
    PlanOptions options;
    options.training = false;
    options.keep_activations = true;
    NN_RETURN_IF_ERROR(model_->plan(reserved_, pool_.get(), options));
    plan_kind_ = PlanKind::kInspect;
  }
  const float* result = nullptr;
  NN_RETURN_IF_ERROR(model_->forward(x_.data(), n, false, &trainer_->rng(), &result));
  const int value = model_->nodes()[node].output;
  *out = model_->activation(value);
  *shape = model_->values()[value].shape;
  return Status::ok();
}

Status Session::grad_cam(const std::string& layer, int n, int class_index, const float** out, Shape* shape) {
  if (reserved_ == 0) return failed_precondition("no batch size reserved: call reserve(batch) first");
  NN_RETURN_IF_ERROR(check_count(n, reserved_));
  const int node = model_->find_layer(layer);
  if (node < 0) return invalid_argument("model '", model_->name(), "' has no layer named '", layer, "'");
  const int value = model_->nodes()[node].output;
  const Shape& a_shape = model_->values()[value].shape;
  if (a_shape.rank != 3) {
    return invalid_argument("Grad-CAM needs a layer with an HxWxC output, but ",
                            model_->nodes()[node].layer->class_name(), " '", layer, "' outputs ", a_shape.str());
  }
  const int64_t classes = model_->output_shape().numel();
  const int64_t choices = classes == 1 ? 2 : classes;
  if (class_index < 0 || class_index >= choices) {
    return invalid_argument("Grad-CAM class index ", class_index, " is out of range: the model has ", choices,
                            " classes");
  }
  NN_RETURN_IF_ERROR(trainer_->check_inputs(x_.data(), n));
  if (plan_kind_ != PlanKind::kGradCam || n > grad_cam_batch_ || value != grad_cam_value_) {
    PlanOptions options;
    options.training = true;
    options.keep_activations = true;
    options.gradient_of = value;  // a frozen layer's output gets no gradient otherwise
    NN_RETURN_IF_ERROR(model_->plan(n, pool_.get(), options));
    plan_kind_ = PlanKind::kGradCam;
    grad_cam_batch_ = n;
    grad_cam_value_ = value;
  }
  NN_ASSERT(model_->values()[value].needs_grad);  // planned with gradient_of = value
  const float* result = nullptr;
  NN_RETURN_IF_ERROR(model_->forward(x_.data(), n, false, &trainer_->rng(), &result));
  grad_cam_seed_.assign(static_cast<size_t>(n * classes), 0.0f);
  for (int i = 0; i < n; ++i) {
    if (classes == 1)
      grad_cam_seed_[i] = class_index == 1 ? 1.0f : -1.0f;
    else
      grad_cam_seed_[static_cast<size_t>(i * classes + class_index)] = 1.0f;
  }
  model_->backward(grad_cam_seed_.data(), n);
  const float* a = model_->activation(value);
  const float* g = model_->gradient(value);
  const size_t hw = static_cast<size_t>(a_shape[0] * a_shape[1]), c = static_cast<size_t>(a_shape[2]);
  grad_cam_out_.assign(static_cast<size_t>(n) * hw, 0.0f);
  if (!grad_cam_maps(a, g, n, hw, c, grad_cam_out_.data())) {
    return invalid_argument("Grad-CAM of layer '", layer, "' is not finite (NaN or inf activations)");
  }
  *out = grad_cam_out_.data();
  *shape = Shape({a_shape[0], a_shape[1]});
  return Status::ok();
}

Status Session::augment(int n, const float** out) {
  if (reserved_ == 0) return failed_precondition("no batch size reserved: call reserve(batch) first");
  NN_RETURN_IF_ERROR(check_count(n, reserved_));
  for (const Node& node : model_->nodes()) {
    if (node.inputs.empty() || dynamic_cast<const AugmentationLayer*>(node.layer.get())) continue;
    return invalid_argument("augment runs models made only of augmentation layers, but model '", model_->name(),
                            "' has ", node.layer->class_name(), " '", node.layer->name(), "'");
  }
  NN_RETURN_IF_ERROR(ensure_training_plan());
  return model_->forward(x_.data(), n, true, &trainer_->rng(), out);
}

Status Session::load_tfjs_weights(std::string_view model_json, std::string_view weight_bytes) {
  JsonValue root;
  NN_RETURN_IF_ERROR(parse_json(model_json, &root));
  // One concatenated buffer stands for all shards: the format reads them back to back.
  return nn::load_tfjs_weights(root, {weight_bytes}, model_.get());
}

Status Session::to_tfjs(std::string* model_json, std::string* weight_bytes) const {
  JsonValue root;
  NN_RETURN_IF_ERROR(model_to_tfjs(*model_, &root, weight_bytes));
  *model_json = to_json(root, 1);
  return Status::ok();
}

Status Session::save_checkpoint(int64_t epoch, std::string* bytes) const {
  return nn::save_checkpoint(*trainer_, *model_, epoch, bytes);
}

Status Session::load_checkpoint(std::string_view bytes, int64_t* epoch) {
  const uint64_t version = model_->trainable_version();
  NN_RETURN_IF_ERROR(nn::load_checkpoint(bytes, trainer_.get(), model_.get(), epoch));
  // Restoring the checkpoint's trainable flags drops the model's plan.
  if (model_->trainable_version() != version) plan_kind_ = PlanKind::kNone;
  return Status::ok();
}

std::string Session::summary_json() const { return to_json(summary_to_json(model_->summary())); }

size_t Session::planned_bytes() const {
  return model_->activation_bytes() + model_->parameter_bytes() + trainer_->optimizer().state_size() * sizeof(float);
}

}  // namespace nn
