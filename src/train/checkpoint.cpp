// Checkpoint bytes (see checkpoint.h). Little-endian, fixed layout:
//   header   magic "NNCKPT\r\n", u32 version, u32 flags (0), u64 total size
//   trainer  i64 epoch, i64 steps, u64 rng state, u64 rng increment
//   model    str name, u32 n, n x {str layer, str param, u8 trainable, u32 rank, rank x i64}
//   optim    u32 kind, u32 nesterov, f32 lr, momentum, rho, beta_1, beta_2, epsilon,
//            i64 iterations, u64 n, n x f32 state (the optimizer's slot arena as is)
//   params   u64 n, n x f32 (the model's parameter arena: trainable, then BN statistics)
//   trailer  u64 FNV-1a of every byte before it
// str is u32 length + bytes. Test: nn_tests_native -tc='*checkpoint*'
#include "train/checkpoint.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/alloc.h"

namespace nn {
namespace {

static_assert(std::endian::native == std::endian::little, "checkpoints are little-endian, copied as is");

constexpr char kMagic[8] = {'N', 'N', 'C', 'K', 'P', 'T', '\r', '\n'};
constexpr uint32_t kVersion = 1;
constexpr size_t kHeaderBytes = 24;
constexpr int64_t kMaxCount = int64_t{1} << 53;  // epochs, steps, iterations: exact as JS numbers

// FNV-1a, 64 bit (Fowler, Noll, Vo): catches flipped and truncated bytes; not cryptographic.
uint64_t fnv1a(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}
  template <typename T>
  void put(T v) {
    out_->append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  void str(const std::string& s) {
    put(static_cast<uint32_t>(s.size()));
    out_->append(s);
  }
  void floats(const float* p, size_t n) {
    put(static_cast<uint64_t>(n));
    if (n > 0) out_->append(reinterpret_cast<const char*>(p), n * sizeof(float));
  }

 private:
  std::string* out_;
};

// Bounds-checked reads; the first failure names what was being read.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  template <typename T>
  bool get(T* v, const char* what) {
    if (!take(sizeof(T), what)) return false;
    std::memcpy(v, bytes_.data() + pos_ - sizeof(T), sizeof(T));
    return true;
  }
  bool str(std::string* s, const char* what) {
    uint32_t n = 0;
    if (!get(&n, what) || !take(n, what)) return false;
    s->assign(bytes_.data() + pos_ - n, n);
    return true;
  }
  bool floats(std::vector<float>* v, const char* what) {
    uint64_t n = 0;
    if (!get(&n, what)) return false;
    if (n > (bytes_.size() - pos_) / sizeof(float)) return fail(what);
    v->resize(static_cast<size_t>(n));
    if (n > 0) std::memcpy(v->data(), bytes_.data() + pos_, v->size() * sizeof(float));
    pos_ += v->size() * sizeof(float);
    return true;
  }
  size_t pos() const { return pos_; }
  Status status() const {
    return parse_error("checkpoint is malformed: it ends (or a length is wrong) while reading ", what_, " at byte ",
                       pos_);
  }

 private:
  bool take(size_t n, const char* what) { return n <= bytes_.size() - pos_ ? (pos_ += n, true) : fail(what); }
  bool fail(const char* what) {
    what_ = what;
    return false;
  }
  std::string_view bytes_;
  size_t pos_ = 0;
  const char* what_ = "";
};

struct ParamEntry {
  std::string layer, name;
  bool trainable = true;
  std::vector<int64_t> dims;

  std::string describe() const {
    std::string s = "'" + layer + "/" + name + "' ";
    for (size_t i = 0; i < dims.size(); ++i) s += (i ? "x" : "") + std::to_string(dims[i]);
    return s + (trainable ? "" : " (non-trainable)");
  }
  bool operator==(const ParamEntry& o) const {
    return layer == o.layer && name == o.name && trainable == o.trainable && dims == o.dims;
  }
};

std::vector<ParamEntry> param_table(const Model& model) {
  std::vector<ParamEntry> table;
  for (const Node& n : model.nodes())
    for (const Param& p : n.layer->params()) {
      ParamEntry e;
      e.layer = n.layer->name();
      e.name = p.name;
      e.trainable = p.trainable;
      for (int i = 0; i < p.shape.rank; ++i) e.dims.push_back(p.shape[i]);
      table.push_back(std::move(e));
    }
  return table;
}

// Everything a checkpoint holds, read and validated before anything is restored.
struct Contents {
  int64_t epoch = 0, steps = 0;
  uint64_t rng_state = 0, rng_inc = 0;
  std::string model_name;
  std::vector<ParamEntry> params;
  OptimizerOptions optimizer;
  int64_t iterations = 0;
  std::vector<float> optimizer_state;
  std::vector<float> values;
};

Status parse(std::string_view bytes, Contents* c) {
  if (bytes.size() < kHeaderBytes + sizeof(uint64_t)) {
    return parse_error("checkpoint is ", bytes.size(), " bytes: too short to be a checkpoint (the header alone is ",
                       kHeaderBytes, ")");
  }
  if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    return parse_error("these bytes are not a convnet-wasm checkpoint: they do not start with its magic \"NNCKPT\"");
  }
  uint32_t version = 0, flags = 0;
  uint64_t total = 0;
  std::memcpy(&version, bytes.data() + 8, sizeof version);
  std::memcpy(&flags, bytes.data() + 12, sizeof flags);
  std::memcpy(&total, bytes.data() + 16, sizeof total);
  if (version != kVersion) {
    return unsupported("checkpoint version ", version, " is not supported: this engine reads version ", kVersion);
  }
  if (total != bytes.size()) {
    return parse_error("checkpoint is ", bytes.size(), " bytes but its header says ", total, ": ",
                       bytes.size() < total ? "it is truncated" : "it has extra bytes");
  }
  uint64_t stored = 0;
  std::memcpy(&stored, bytes.data() + bytes.size() - sizeof stored, sizeof stored);
  bytes.remove_suffix(sizeof stored);
  if (stored != fnv1a(bytes)) return parse_error("checkpoint is corrupt: its checksum does not match its contents");
  // The checksum only shows the bytes are as written; every field is still checked below,
  // since a forged or buggy writer can recompute it.
  if (flags != 0) return parse_error("checkpoint is malformed: its flags are ", flags, " but must be 0");
  Reader body(bytes.substr(kHeaderBytes));
  uint32_t count = 0, kind = 0, nesterov = 0;
  bool ok = body.get(&c->epoch, "the epoch") && body.get(&c->steps, "the step count") &&
            body.get(&c->rng_state, "the generator state") && body.get(&c->rng_inc, "the generator state") &&
            body.str(&c->model_name, "the model name") && body.get(&count, "the parameter count");
  for (uint32_t i = 0; ok && i < count; ++i) {
    ParamEntry e;
    uint8_t trainable = 0;
    uint32_t rank = 0;
    ok = body.str(&e.layer, "a parameter's layer name") && body.str(&e.name, "a parameter name") &&
         body.get(&trainable, "a parameter's trainable flag") && body.get(&rank, "a parameter's rank");
    if (ok && rank > static_cast<uint32_t>(Shape::kMaxRank)) {
      return parse_error("checkpoint is malformed: parameter '", e.layer, "/", e.name, "' has rank ", rank);
    }
    if (ok && trainable > 1) {
      return parse_error("checkpoint is malformed: parameter '", e.layer, "/", e.name, "' has trainable flag ",
                         static_cast<int>(trainable), " (must be 0 or 1)");
    }
    e.trainable = trainable != 0;
    for (uint32_t d = 0; ok && d < rank; ++d) {
      int64_t dim = 0;
      ok = body.get(&dim, "a parameter's shape");
      e.dims.push_back(dim);
    }
    c->params.push_back(std::move(e));
  }
  OptimizerOptions& o = c->optimizer;
  ok = ok && body.get(&kind, "the optimizer kind") && body.get(&nesterov, "the optimizer options") &&
       body.get(&o.learning_rate, "the optimizer options") && body.get(&o.momentum, "the optimizer options") &&
       body.get(&o.rho, "the optimizer options") && body.get(&o.beta_1, "the optimizer options") &&
       body.get(&o.beta_2, "the optimizer options") && body.get(&o.epsilon, "the optimizer options") &&
       body.get(&c->iterations, "the optimizer iterations") &&
       body.floats(&c->optimizer_state, "the optimizer state") && body.floats(&c->values, "the parameter values");
  if (!ok) return body.status();
  if (body.pos() != bytes.size() - kHeaderBytes) {
    return parse_error("checkpoint is malformed: ", bytes.size() - kHeaderBytes - body.pos(),
                       " bytes follow its last section");
  }
  if (kind > static_cast<uint32_t>(OptimizerKind::kAdam))
    return parse_error("checkpoint names optimizer kind ", kind, ", which does not exist");
  if (nesterov > 1) return parse_error("checkpoint is malformed: its nesterov flag is ", nesterov, " (must be 0 or 1)");
  if (c->epoch < 0 || c->epoch > kMaxCount) {
    return parse_error("checkpoint is malformed: its epoch is ", c->epoch, ": it must be from 0 to ", kMaxCount);
  }
  if (c->steps < 0 || c->steps > kMaxCount) {
    return parse_error("checkpoint is malformed: its step count is ", c->steps, ": it must be from 0 to ", kMaxCount);
  }
  if (c->iterations < 0 || c->iterations > kMaxCount) {
    return parse_error("checkpoint is malformed: its optimizer iteration count is ", c->iterations,
                       ": it must be from 0 to ", kMaxCount);
  }
  if ((c->rng_inc & 1) == 0) {
    return parse_error("checkpoint is malformed: its generator increment ", c->rng_inc,
                       " is even (PCG's is always odd)");
  }
  // A negative rate means "Keras's default" to Optimizer::init; a saved one is always resolved.
  if (!(o.learning_rate >= 0.0f) || !std::isfinite(o.learning_rate)) {
    return parse_error("checkpoint is malformed: its learning rate is ", o.learning_rate,
                       ": it must be a finite non-negative number");
  }
  o.kind = static_cast<OptimizerKind>(kind);
  o.nesterov = nesterov != 0;
  return Status::ok();
}

}  // namespace

Status save_checkpoint(const Trainer& trainer, const Model& model, int64_t epoch, std::string* bytes) {
  if (trainer.model() != &model)
    return invalid_argument("save_checkpoint: the trainer does not train model '", model.name(), "'");
  // A trainer compiled before the trainable layers changed holds optimizer state of the old layout.
  NN_RETURN_IF_ERROR(trainer.check_compiled("a checkpoint is saved"));
  std::string out;
  Writer w(&out);
  out.append(kMagic, sizeof kMagic);
  w.put(kVersion);
  w.put(uint32_t{0});
  w.put(uint64_t{0});  // total size, patched below
  w.put(epoch);
  w.put(trainer.steps());
  w.put(trainer.rng().state());
  w.put(trainer.rng().increment());
  w.str(model.name());
  const std::vector<ParamEntry> table = param_table(model);
  w.put(static_cast<uint32_t>(table.size()));
  for (const ParamEntry& e : table) {
    w.str(e.layer);
    w.str(e.name);
    w.put(static_cast<uint8_t>(e.trainable));
    w.put(static_cast<uint32_t>(e.dims.size()));
    for (int64_t d : e.dims) w.put(d);
  }
  const Optimizer& opt = trainer.optimizer();
  const OptimizerOptions& o = opt.options();
  w.put(static_cast<uint32_t>(o.kind));
  w.put(static_cast<uint32_t>(o.nesterov));
  for (float f : {o.learning_rate, o.momentum, o.rho, o.beta_1, o.beta_2, o.epsilon}) w.put(f);
  w.put(opt.iterations());
  w.floats(opt.state(), opt.state_size());
  w.floats(model.params(), static_cast<size_t>(model.count_params()));
  const uint64_t total = out.size() + sizeof(uint64_t);
  std::memcpy(&out[16], &total, sizeof total);
  w.put(fnv1a(out));
  *bytes = std::move(out);
  return Status::ok();
}

Status load_checkpoint(std::string_view bytes, Trainer* trainer, Model* model, int64_t* epoch) {
  if (trainer->model() != model)
    return invalid_argument("load_checkpoint: the trainer does not train model '", model->name(), "'");
  if (!trainer->compiled()) {
    return failed_precondition("model '", model->name(),
                               "' must be compiled before a checkpoint is loaded "
                               "(the checkpoint holds the optimizer state, not the loss)");
  }
  Contents c;
  NN_RETURN_IF_ERROR(parse(bytes, &c));

  // The checkpoint must describe this model's parameters exactly, in order, but for trainable
  // flags that a layer's trainable flag explains: a model rebuilt from a model.json without the
  // freezing takes the checkpoint's (Keras's layer.trainable: all of a layer's learned
  // parameters at once). A layer without learned parameters keeps its flag.
  const std::vector<ParamEntry> table = param_table(*model);
  const std::string who = cat("checkpoint of model '", c.model_name, "' does not fit model '", model->name(), "': ");
  std::vector<int> flag_nodes;
  std::vector<bool> flags;
  {
    size_t i = 0;
    for (size_t node = 0; node < model->nodes().size(); ++node) {
      const Layer& layer = *model->nodes()[node].layer;
      int wanted = -1;  // the layer's flag in the checkpoint, from its first learned parameter
      for (const Param& p : layer.params()) {
        if (i >= c.params.size()) break;
        ParamEntry entry = c.params[i];
        if (p.learned) entry.trainable = table[i].trainable;  // the layer's flag, adopted below
        if (!(table[i] == entry)) {
          return shape_mismatch(who, "parameter ", i + 1, " is ", c.params[i].describe(), " in the checkpoint but ",
                                table[i].describe(), " in the model");
        }
        if (p.learned) {
          if (wanted < 0) wanted = c.params[i].trainable;
          if (wanted != c.params[i].trainable) {
            return parse_error("checkpoint is malformed: layer '", layer.name(), "' has both trainable and frozen ",
                               "parameters ('", p.name, "' is ", c.params[i].trainable ? "trainable" : "frozen",
                               "): a layer is frozen as a whole");
          }
        }
        ++i;
      }
      if (wanted >= 0 && (wanted == 1) != layer.trainable()) {
        flag_nodes.push_back(static_cast<int>(node));
        flags.push_back(wanted == 1);
      }
    }
  }
  if (table.size() != c.params.size()) {
    return shape_mismatch(who, "the checkpoint has ", c.params.size(), " parameter arrays and the model ",
                          table.size());
  }
  if (c.values.size() != static_cast<size_t>(model->count_params())) {
    return parse_error("checkpoint is malformed: it holds ", c.values.size(),
                       " parameter values but its parameter list adds up to ", model->count_params());
  }
  if (c.optimizer.kind != trainer->optimizer().options().kind) {
    return failed_precondition("checkpoint was saved with optimizer ", optimizer_name(c.optimizer.kind),
                               " but the trainer is compiled with ",
                               optimizer_name(trainer->optimizer().options().kind), ": compile with ",
                               optimizer_name(c.optimizer.kind), " to resume from it");
  }
  // The checkpoint's arena layout: the model's rule (trainable first, in graph order) applied to
  // the checkpoint's flags.
  int64_t trainable_count = 0;
  for (const ParamEntry& e : c.params) {
    int64_t n = 1;
    for (int64_t d : e.dims) n *= d;  // the model's shapes (checked above): no overflow
    if (e.trainable) trainable_count += n;
  }
  // Validate the optimizer on a scratch instance, so a bad checkpoint leaves the trainer as it was.
  {
    Optimizer scratch;
    Status st = scratch.init(c.optimizer, trainable_count);
    if (!st.is_ok()) return Status(st.code(), cat("checkpoint has invalid optimizer options: ", st.message()));
    if (scratch.state_size() != c.optimizer_state.size()) {
      return parse_error("checkpoint is malformed: its ", optimizer_name(c.optimizer.kind), " state holds ",
                         c.optimizer_state.size(), " values but ", scratch.state_size(), " are expected");
    }
  }

  // Non-finite numbers would load silently and surface as a NaN loss that blames the learning
  // rate: name the tensor instead. The optimizer's slots follow the trainable parameters.
  const char* slot_names[2] = {c.optimizer.kind == OptimizerKind::kAdam ? "first moment (m)" : "accumulator",
                               "second moment (v)"};
  const size_t stride = round_up_floats(static_cast<size_t>(trainable_count));
  size_t t_off = 0, f_off = static_cast<size_t>(trainable_count), entry = 0;
  for (const Node& n : model->nodes())
    for (const Param& p : n.layer->params()) {
      const bool trainable = c.params[entry++].trainable;
      const size_t count = static_cast<size_t>(p.shape.numel()), at = trainable ? t_off : f_off;
      (trainable ? t_off : f_off) += count;
      for (size_t i = 0; i < count; ++i) {
        if (!std::isfinite(c.values[at + i])) {
          return invalid_argument("checkpoint parameter '", n.layer->name(), "/", p.name, "' has ", c.values[at + i],
                                  " at element ", i, ": parameters must be finite numbers");
        }
      }
      if (!trainable) continue;
      for (size_t s = 0; s * stride < c.optimizer_state.size(); ++s) {
        // Squared-gradient averages (RMSprop's accumulator, Adam's v) must also be non-negative.
        const bool squares = c.optimizer.kind == OptimizerKind::kRMSprop || s == 1;
        for (size_t i = 0; i < count; ++i) {
          const float v = c.optimizer_state[s * stride + at + i];
          if (!std::isfinite(v) || (squares && v < 0.0f)) {
            return invalid_argument(
                "checkpoint ", optimizer_name(c.optimizer.kind), " ",
                c.optimizer.kind == OptimizerKind::kSGD ? "momentum" : slot_names[s], " of '", n.layer->name(), "/",
                p.name, "' has ", v, " at element ", i,
                squares ? ": it must be a finite non-negative number" : ": it must be a finite number");
          }
        }
      }
    }

  // The only step that can fail (memory); before it, nothing has changed.
  if (!flag_nodes.empty()) NN_RETURN_IF_ERROR(model->set_trainable(flag_nodes, flags));
  NN_ASSERT(model->trainable_count() == trainable_count);
  Optimizer& opt = trainer->optimizer();
  NN_RETURN_IF_ERROR(opt.init(c.optimizer, model->trainable_count()));
  if (!c.optimizer_state.empty()) {
    std::memcpy(opt.state(), c.optimizer_state.data(), c.optimizer_state.size() * sizeof(float));
  }
  opt.set_iterations(c.iterations);
  if (!c.values.empty()) std::memcpy(model->params(), c.values.data(), c.values.size() * sizeof(float));
  trainer->set_steps(c.steps);
  trainer->mark_compiled_for_current_layout();  // the optimizer now fits the model's trainable span
  trainer->rng().restore(c.rng_state, c.rng_inc);
  if (epoch) *epoch = c.epoch;
  return Status::ok();
}

}  // namespace nn
