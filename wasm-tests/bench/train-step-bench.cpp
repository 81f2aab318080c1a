// Training-step benchmark: steady-state images/s for training and inference of the seed
// models, natively or as wasm under Node, with a per-layer and per-category breakdown.
// Prints one JSON object per measurement.
//   nn_bench_train [--model FILE --name NAME]... [--batch N] [--threads T] [--steps S] [--quick]
// Without --model it runs seed model A at 32x32 and seed model B at 64x64 and 180x180.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/profile.h"
#include "ops/xnnpack.h"
#include "io/model-json.h"
#include "threading/thread-pool.h"
#include "train/trainer.h"

#if defined(__EMSCRIPTEN__)
#include <emscripten/heap.h>
#endif

namespace {

using Clock = std::chrono::steady_clock;

#if defined(__EMSCRIPTEN__)
#if defined(__EMSCRIPTEN_PTHREADS__)
const char* kRuntime = "wasm-node-mt";
#else
const char* kRuntime = "wasm-node-st";
#endif
#else
const char* kRuntime = "native";  // "native-xnnpack" with --xnnpack
#endif

struct Config {
  std::string name, file;
};

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

size_t heap_bytes() {
#if defined(__EMSCRIPTEN__)
  return emscripten_get_heap_size();
#else
  return 0;
#endif
}

int run(const Config& cfg, int batch, int threads, int steps, bool breakdown, bool plan_only) {
  std::unique_ptr<nn::Model> model;
  nn::Status st = nn::load_model_json(cfg.file, &model);
  if (st.is_ok()) st = model->finalize(1);
  nn::ThreadPool pool(threads);
  nn::Trainer trainer(model.get(), &pool, 2);
  nn::CompileOptions options;
  options.loss.kind = nn::LossKind::kBinaryCrossentropy;
  options.optimizer.kind = nn::OptimizerKind::kAdam;
  if (st.is_ok()) st = trainer.compile(options);
  if (st.is_ok()) st = model->plan(batch, &pool);
  if (!st.is_ok()) {
    std::fprintf(stderr, "bench: %s\n", st.message().c_str());
    return 1;
  }
  if (plan_only) {
    // Memory of the training plan, without running a step.
    std::printf(
        "{\"bench\":\"train-plan\",\"runtime\":\"%s\",\"model\":\"%s\",\"batch\":%d,\"engine_bytes\":%zu,"
        "\"activation_bytes\":%zu,\"parameter_bytes\":%zu}\n",
        kRuntime, cfg.name.c_str(), batch,
        model->activation_bytes() + model->parameter_bytes() + trainer.optimizer().state_size() * sizeof(float),
        model->activation_bytes(), model->parameter_bytes());
    return 0;
  }
  const size_t in_size = static_cast<size_t>(model->input_shape().numel());
  std::vector<float> x(static_cast<size_t>(batch) * in_size), y(static_cast<size_t>(batch));
  nn::Rng rng(3);
  for (float& v : x) v = rng.uniform(0.0f, 255.0f);
  for (int i = 0; i < batch; ++i) y[i] = static_cast<float>(i % 2);
  const double macs = static_cast<double>(model->forward_macs_per_sample()) * batch;

  // Training: one warm-up step, then timed steps.
  nn::StepResult r;
  if (!(st = trainer.train_on_batch(x.data(), y.data(), batch, &r)).is_ok()) {
    std::fprintf(stderr, "bench: %s\n", st.message().c_str());
    return 1;
  }
  nn::set_profiling_enabled(breakdown);
  nn::reset_profile();
  model->set_profiling(breakdown);
  auto t0 = Clock::now();
  for (int s = 0; s < steps; ++s) (void)trainer.train_on_batch(x.data(), y.data(), batch, &r);
  const double train_s = seconds_since(t0) / steps;
  nn::set_profiling_enabled(false);
  std::vector<nn::NodeTiming> timings = model->timings();
  model->set_profiling(false);

  // Inference: forward in inference mode.
  const float* out = nullptr;
  (void)model->forward(x.data(), batch, false, nullptr, &out);
  t0 = Clock::now();
  for (int s = 0; s < steps; ++s) (void)model->forward(x.data(), batch, false, nullptr, &out);
  const double infer_s = seconds_since(t0) / steps;

  const size_t memory =
      model->activation_bytes() + model->parameter_bytes() + trainer.optimizer().state_size() * sizeof(float);
  for (int mode = 0; mode < 2; ++mode) {
    const double s = mode == 0 ? train_s : infer_s;
    const double flops = 2.0 * macs * (mode == 0 ? 3.0 : 1.0);  // training = 3x forward
    std::printf(
        "{\"bench\":\"train-step\",\"runtime\":\"%s\",\"model\":\"%s\",\"input\":\"%s\",\"batch\":%d,"
        "\"threads\":%d,\"mode\":\"%s\",\"step_ms\":%.3f,\"images_per_second\":%.2f,\"gflops\":%.2f,"
        "\"engine_bytes\":%zu,\"heap_bytes\":%zu,\"loss\":%.5f}\n",
        kRuntime, cfg.name.c_str(), model->input_shape().str().c_str(), batch, pool.num_threads(),
        mode == 0 ? "train" : "infer", s * 1e3, batch / s, flops / s * 1e-9, memory, heap_bytes(), r.loss);
  }
  if (breakdown) {
    std::printf("{\"bench\":\"train-step-breakdown\",\"runtime\":\"%s\",\"model\":\"%s\",\"threads\":%d", kRuntime,
                cfg.name.c_str(), pool.num_threads());
    for (const nn::ProfileCounter* c : nn::profile_counters())
      std::printf(",\"%s_ms\":%.3f", c->name(), c->seconds / steps * 1e3);
    std::printf("}\n");
    for (size_t i = 0; i < timings.size(); ++i) {
      const nn::Layer& layer = *model->nodes()[i].layer;
      if (timings[i].forward_seconds + timings[i].backward_seconds < 1e-5 * steps) continue;
      std::printf(
          "{\"bench\":\"train-step-layer\",\"runtime\":\"%s\",\"model\":\"%s\",\"layer\":\"%s\","
          "\"class\":\"%s\",\"forward_ms\":%.3f,\"backward_ms\":%.3f,\"macs\":%lld}\n",
          kRuntime, cfg.name.c_str(), layer.name().c_str(), layer.class_name(),
          timings[i].forward_seconds / steps * 1e3, timings[i].backward_seconds / steps * 1e3,
          static_cast<long long>(layer.macs_per_sample() * batch));
    }
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<Config> configs;
  int batch = 32, threads = 1, steps = 5;
  bool quick = false, breakdown = true, plan_only = false;
  const std::string fixtures = NN_FIXTURES_DIR;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--model")
      configs.push_back({"custom", next()});
    else if (a == "--name" && !configs.empty())
      configs.back().name = next();
    else if (a == "--batch")
      batch = std::atoi(next());
    else if (a == "--threads")
      threads = std::atoi(next());
    else if (a == "--steps")
      steps = std::atoi(next());
    else if (a == "--no-breakdown")
      breakdown = false;
    else if (a == "--plan-only")
      plan_only = true;
    else if (a == "--xnnpack") {
      // Forward convolutions and dense layers through Debian's XNNPACK (native, -DNN_WITH_XNNPACK=ON).
      if (!nn::xnnpack_available()) {
        std::fprintf(stderr, "bench: this build has no XNNPACK (configure with -DNN_WITH_XNNPACK=ON)\n");
        return 2;
      }
      nn::set_xnnpack_enabled(true);
      kRuntime = "native-xnnpack";
    } else if (a == "--quick")
      quick = true;
    else {
      std::fprintf(stderr,
                   "usage: %s [--model FILE [--name NAME]]... [--batch N] [--threads T] [--steps S] [--quick]\n",
                   argv[0]);
      return 2;
    }
  }
  if (quick) {
    // CI smoke run: tiny batch, few steps, small inputs.
    if (configs.empty()) configs = {{"A-16", fixtures + "/model-a-16.json"}, {"B-64", fixtures + "/model-b-64.json"}};
    batch = 2;
    steps = 1;
  }
  if (configs.empty()) {
    configs = {{"A-32", fixtures + "/model-a.json"},
               {"B-64", fixtures + "/model-b-64.json"},
               {"B-180", fixtures + "/model-b-180.json"}};
  }
  int failures = 0;
  for (const Config& c : configs) failures += run(c, batch, threads, steps, breakdown, plan_only);
  return failures == 0 ? 0 : 1;
}
