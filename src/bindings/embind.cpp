// Embind bindings: the only file that includes <emscripten/bind.h>. Thin by design — each
// function forwards to nn::Session and turns a Status into an {error} result that the
// TypeScript wrapper throws as an Error with the engine's message (throwing from C++ would
// skip destructors). Bulk data crosses as typed-array views of the session's staging buffers,
// which JS copies at once; views are invalid after any call that may grow memory.
#include <emscripten/bind.h>
#include <emscripten/heap.h>
#include <emscripten/val.h>

#include <malloc.h>

#include <memory>
#include <string>
#include <thread>

#include "threading/thread-pool.h"
#include "api/session.h"
#include "io/layer-config.h"

using emscripten::val;

namespace {

std::string g_last_error;
std::string g_last_error_code;
std::string g_bytes;  // the last bytes handed to JS as a view (checkpoint, weights): copied at once by JS

val error_result(const nn::Status& st) {
  val r = val::object();
  r.set("error", st.message());
  r.set("code", std::string(nn::status_code_name(st.code())));
  return r;
}

val ok_or_error(const nn::Status& st) { return st.is_ok() ? val::object() : error_result(st); }

val shape_array(const nn::Shape& s) {
  val a = val::array();
  for (int i = 0; i < s.rank; ++i) a.call<void>("push", static_cast<double>(s[i]));
  return a;
}

val float_view(const float* p, size_t n) { return val(emscripten::typed_memory_view(n, p)); }

std::unique_ptr<nn::Session> create_session(const std::string& model_json, double seed, int threads) {
  std::unique_ptr<nn::Session> s;
  nn::Status st = nn::Session::create(model_json, static_cast<uint64_t>(seed), threads, &s);
  g_last_error = st.is_ok() ? "" : st.message();
  g_last_error_code = st.is_ok() ? "" : nn::status_code_name(st.code());
  return s;
}

std::string last_error() { return g_last_error; }
std::string last_error_code() { return g_last_error_code; }

val bytes_view(const std::string& bytes) {
  return val(emscripten::typed_memory_view(bytes.size(), reinterpret_cast<const uint8_t*>(bytes.data())));
}

val info() {
  val o = val::object();
#if defined(__wasm_simd128__)
  o.set("simd", true);
#else
  o.set("simd", false);
#endif
#if defined(__EMSCRIPTEN_PTHREADS__)
  o.set("threads", true);
#else
  o.set("threads", false);
#endif
  o.set("maxThreads", nn::ThreadPool::max_threads());
  o.set("heapBytes", static_cast<double>(emscripten_get_heap_size()));
  o.set("mallocBytes", static_cast<double>(mallinfo().uordblks));  // in use: catches leaks below capacity
  return o;
}

// Every error code the engine can return, in status-codes.inc order (without "ok").
val status_codes() {
  val list = val::array();
#define NN_STATUS_CODE(enumerator, name, meaning) \
  if (nn::StatusCode::enumerator != nn::StatusCode::kOk) list.call<void>("push", std::string(name));
#include "core/status-codes.inc"
#undef NN_STATUS_CODE
  return list;
}

// The Keras layer classes the engine reads and writes, in layers/layer-registry.inc's order (no
// aliases); the package's layer builders are checked against it (tests/layer-classes.test.mjs).
val layer_classes() {
  val list = val::array();
  for (const std::string& c : nn::layer_classes()) list.call<void>("push", c);
  return list;
}

// Test-only fault injection, so the JS side's handling of an engine that stopped can be tested
// without a real bug: "caller" traps on the calling thread, "worker" on another thread (a
// pthread in the threaded build; the caller in the single-threaded one). Never used by the package.
void fault_for_tests(const std::string& where) {
  if (where == "caller") __builtin_trap();
  if (where != "worker") return;
#if defined(__EMSCRIPTEN_PTHREADS__)
  std::thread faulty([] { __builtin_trap(); });
  faulty.join();
#else
  __builtin_trap();
#endif
}

val compile(nn::Session& s, const std::string& options) { return ok_or_error(s.compile(options)); }

// {bytes, weightBytes, optimizerBytes, activationBytes, stagingBytes, limitBytes, maxBatch, fits}
// for training at `batch` (bytes as doubles: exact below 2^53), or {error, code}.
val memory_estimate(nn::Session& s, int batch) {
  nn::MemoryEstimate e;
  nn::Status st = s.memory_estimate(batch, &e);
  if (!st.is_ok()) return error_result(st);
  val o = val::object();
  o.set("bytes", static_cast<double>(e.bytes));
  o.set("weightBytes", static_cast<double>(e.weight_bytes));
  o.set("optimizerBytes", static_cast<double>(e.optimizer_bytes));
  o.set("activationBytes", static_cast<double>(e.activation_bytes));
  o.set("stagingBytes", static_cast<double>(e.staging_bytes));
  o.set("limitBytes", static_cast<double>(e.limit_bytes));
  o.set("maxBatch", e.max_batch);
  o.set("fits", e.fits);
  return o;
}
val reserve(nn::Session& s, int batch) { return ok_or_error(s.reserve(batch)); }
// Freezing (Keras's layer.trainable): {"layers": [...], "from": name, "to": name, "trainable": bool};
// compile again before training. Weight offsets (weightSpecs) change: read them again.
val set_trainable(nn::Session& s, const std::string& options) { return ok_or_error(s.set_trainable(options)); }
val set_learning_rate(nn::Session& s, float lr) { return ok_or_error(s.set_learning_rate(lr)); }

val staging_x(nn::Session& s) {
  return float_view(s.staging_x(), static_cast<size_t>(s.reserved_batch()) * s.model().input_shape().numel());
}
val staging_y(nn::Session& s) {
  return float_view(s.staging_y(), static_cast<size_t>(s.reserved_batch()) * s.label_size());
}

val train_step(nn::Session& s, int n) {
  nn::StepResult r;
  nn::Status st = s.train_step(n, &r);
  if (!st.is_ok()) return error_result(st);
  val o = val::object();
  o.set("loss", r.loss);
  o.set("accuracy", r.accuracy);
  return o;
}

val evaluate_step(nn::Session& s, int n) {
  double loss_sum = 0.0, correct = 0.0;
  nn::Status st = s.evaluate_step(n, &loss_sum, &correct);
  if (!st.is_ok()) return error_result(st);
  val o = val::object();
  o.set("lossSum", loss_sum);
  o.set("correct", correct);
  return o;
}

val predict_step(nn::Session& s, int n) {
  const float* out = nullptr;
  nn::Status st = s.predict_step(n, &out);
  if (!st.is_ok()) return error_result(st);
  val o = val::object();
  o.set("output", float_view(out, static_cast<size_t>(n) * s.model().output_shape().numel()));
  return o;
}

val layer_output(nn::Session& s, const std::string& layer, int n) {
  const float* out = nullptr;
  nn::Shape shape;
  nn::Status st = s.layer_output(layer, n, &out, &shape);
  if (!st.is_ok()) return error_result(st);
  val o = val::object();
  o.set("output", float_view(out, static_cast<size_t>(n) * shape.numel()));
  o.set("shape", shape_array(shape));
  return o;
}

val grad_cam(nn::Session& s, const std::string& layer, int n, int class_index) {
  const float* out = nullptr;
  nn::Shape shape;
  nn::Status st = s.grad_cam(layer, n, class_index, &out, &shape);
  if (!st.is_ok()) return error_result(st);
  val o = val::object();
  o.set("output", float_view(out, static_cast<size_t>(n) * shape.numel()));
  o.set("shape", shape_array(shape));
  return o;
}

val augment(nn::Session& s, int n) {
  const float* out = nullptr;
  nn::Status st = s.augment(n, &out);
  if (!st.is_ok()) return error_result(st);
  val o = val::object();
  o.set("output", float_view(out, static_cast<size_t>(n) * s.model().output_shape().numel()));
  return o;
}

// All parameters as one view: trainable first, then the rest (BN moving statistics).
val weights_view(nn::Session& s) {
  const nn::Model& m = s.model();
  return float_view(m.params(), static_cast<size_t>(m.count_params()));
}

// [{layer, name, shape, offset, trainable}] describing weights_view, in Keras weight order.
val weight_specs(nn::Session& s) {
  val list = val::array();
  const nn::Model& m = s.model();
  for (const nn::Node& n : m.nodes())
    for (const nn::Param& p : n.layer->params()) {
      val o = val::object();
      o.set("layer", n.layer->name());
      o.set("name", p.name);
      o.set("shape", shape_array(p.shape));
      o.set("offset", static_cast<double>(p.value - m.params()));
      o.set("trainable", p.trainable);
      list.call<void>("push", o);
    }
  return list;
}

// weightBytes: all shards concatenated in manifest order (Embind takes a Uint8Array as a string).
val load_tfjs_weights(nn::Session& s, const std::string& model_json, const std::string& weight_bytes) {
  return ok_or_error(s.load_tfjs_weights(model_json, weight_bytes));
}

val to_tfjs(nn::Session& s) {
  std::string json;
  nn::Status st = s.to_tfjs(&json, &g_bytes);
  if (!st.is_ok()) return error_result(st);
  val o = val::object();
  o.set("modelJson", json);
  o.set("weights", bytes_view(g_bytes));
  return o;
}

val save_checkpoint(nn::Session& s, double epoch) {
  nn::Status st = s.save_checkpoint(static_cast<int64_t>(epoch), &g_bytes);
  if (!st.is_ok()) return error_result(st);
  val o = val::object();
  o.set("bytes", bytes_view(g_bytes));
  return o;
}

val load_checkpoint(nn::Session& s, const std::string& bytes) {
  int64_t epoch = 0;
  nn::Status st = s.load_checkpoint(bytes, &epoch);
  if (!st.is_ok()) return error_result(st);
  val o = val::object();
  o.set("epoch", static_cast<double>(epoch));
  return o;
}

std::string summary_json(nn::Session& s) { return s.summary_json(); }
double count_params(nn::Session& s) { return static_cast<double>(s.model().count_params()); }
double planned_bytes(nn::Session& s) { return static_cast<double>(s.planned_bytes()); }
int threads(nn::Session& s) { return s.threads(); }
int reserved_batch(nn::Session& s) { return s.reserved_batch(); }
int label_size(nn::Session& s) { return static_cast<int>(s.label_size()); }
val input_shape(nn::Session& s) { return shape_array(s.model().input_shape()); }
val output_shape(nn::Session& s) { return shape_array(s.model().output_shape()); }

}  // namespace

EMSCRIPTEN_BINDINGS(convnet) {
  emscripten::function("info", &info);
  emscripten::function("createSession", &create_session);
  emscripten::function("lastError", &last_error);
  emscripten::function("lastErrorCode", &last_error_code);
  emscripten::function("faultForTests", &fault_for_tests);
  emscripten::function("statusCodes", &status_codes);
  emscripten::function("layerClasses", &layer_classes);
  emscripten::class_<nn::Session>("Session")
      .function("compile", &compile)
      .function("reserve", &reserve)
      .function("memoryEstimate", &memory_estimate)
      .function("setLearningRate", &set_learning_rate)
      .function("setTrainable", &set_trainable)
      .function("stagingX", &staging_x)
      .function("stagingY", &staging_y)
      .function("trainStep", &train_step)
      .function("evaluateStep", &evaluate_step)
      .function("predictStep", &predict_step)
      .function("layerOutput", &layer_output)
      .function("gradCam", &grad_cam)
      .function("augment", &augment)
      .function("weightsView", &weights_view)
      .function("weightSpecs", &weight_specs)
      .function("loadTfjsWeights", &load_tfjs_weights)
      .function("toTfjs", &to_tfjs)
      .function("saveCheckpoint", &save_checkpoint)
      .function("loadCheckpoint", &load_checkpoint)
      .function("summaryJson", &summary_json)
      .function("countParams", &count_params)
      .function("plannedBytes", &planned_bytes)
      .function("threads", &threads)
      .function("reservedBatch", &reserved_batch)
      .function("labelSize", &label_size)
      .function("inputShape", &input_shape)
      .function("outputShape", &output_shape);
}
