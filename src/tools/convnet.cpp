// convnet: the engine's native command-line tool.
//   convnet summary model.json            the model's summary as JSON (layers, shapes, params)
//   convnet demo [model.json] [--epochs N] [--threads T]
//                                         train on a built-in synthetic two-class image set
// Errors go to stderr as "convnet: <message>" with exit code 1 (2 for usage errors); the tool
// never aborts on bad input: a model too large for memory is refused before its buffers are
// allocated, and an allocation that still fails is reported the same way.
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "core/memory-budget.h"
#include "io/model-json.h"
#include "threading/thread-pool.h"
#include "train/trainer.h"

namespace {

int fail(const nn::Status& st) {
  std::fprintf(stderr, "convnet: %s\n", st.message().c_str());
  return 1;
}

int usage() {
  std::fprintf(stderr,
               "usage: convnet summary MODEL.json\n"
               "       convnet demo [MODEL.json] [--epochs N] [--threads T]\n");
  return 2;
}

int summary(const char* path) {
  std::unique_ptr<nn::Model> model;
  nn::Status st = nn::load_model_json(path, &model);
  if (st.is_ok()) st = model->finalize(0);
  if (!st.is_ok()) return fail(st);
  std::printf("%s\n", nn::to_json(nn::summary_to_json(model->summary()), 2).c_str());
  return 0;
}

// Two classes a convnet can learn but a pixel average cannot: horizontal vs vertical stripes
// at random phase, with noise.
void synthetic_images(const nn::Shape& shape, size_t count, uint64_t seed, std::vector<float>* x,
                      std::vector<float>* y) {
  nn::Rng rng(seed);
  const int64_t h = shape[0], w = shape[1], c = shape[2];
  x->resize(count * shape.numel());
  y->resize(count);
  for (size_t i = 0; i < count; ++i) {
    const int label = static_cast<int>(i % 2);
    const int64_t period = 2 + rng.below(3), phase = rng.below(static_cast<uint32_t>(period));
    (*y)[i] = static_cast<float>(label);
    float* img = x->data() + i * shape.numel();
    for (int64_t r = 0; r < h; ++r)
      for (int64_t q = 0; q < w; ++q) {
        const int64_t t = (label ? r : q) + phase;
        const float stripe = (t % period) < period / 2 + 1 ? 200.0f : 50.0f;
        for (int64_t k = 0; k < c; ++k)
          img[(r * w + q) * c + k] = std::min(255.0f, std::max(0.0f, stripe + rng.uniform(-40.0f, 40.0f)));
      }
  }
}

// A whole number in [lo, hi], or a message naming the option, the value and the rule.
bool parse_int(const char* option, const char* text, long lo, long hi, int* out) {
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || errno == ERANGE || v < lo || v > hi) {
    std::fprintf(stderr, "convnet: %s '%s' is not valid: it must be a whole number from %ld to %ld\n", option, text, lo,
                 hi);
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

int demo(const char* path, int epochs, int threads) {
  std::unique_ptr<nn::Model> model;
  nn::Status st = nn::load_model_json(path, &model);
  if (st.is_ok()) st = model->finalize(42);
  if (!st.is_ok()) return fail(st);
  if (model->input_shape().rank != 3 || model->output_shape().numel() != 1) {
    return fail(nn::invalid_argument("demo needs an image model with one sigmoid output, like seed model A"));
  }
  nn::ThreadPool pool(threads);
  nn::Trainer trainer(model.get(), &pool, 7);
  nn::CompileOptions options;
  options.loss.kind = nn::LossKind::kBinaryCrossentropy;
  options.optimizer.kind = nn::OptimizerKind::kAdam;
  if (!(st = trainer.compile(options)).is_ok()) return fail(st);
  // Plan before making the data, so a model too large to train fails with the plan's figures.
  if (!(st = model->plan(32, &pool)).is_ok()) return fail(st);
  const uint64_t data_bytes = 640 * static_cast<uint64_t>(model->input_shape().numel() + 1) * sizeof(float);
  if (data_bytes > nn::memory_available_bytes()) {
    return fail(nn::out_of_memory("the demo's 640 synthetic ", model->input_shape().str(), " images need ",
                                  nn::format_bytes(data_bytes), " but only ",
                                  nn::format_bytes(nn::memory_available_bytes()),
                                  " are available: use a model with smaller images"));
  }
  std::vector<float> x, y, vx, vy;
  synthetic_images(model->input_shape(), 512, 1, &x, &y);
  synthetic_images(model->input_shape(), 128, 2, &vx, &vy);
  nn::Dataset train{x.data(), y.data(), y.size()}, val{vx.data(), vy.data(), vy.size()};
  nn::FitOptions fit;
  fit.epochs = epochs;
  fit.batch_size = 32;
  fit.validation = &val;
  std::printf("training '%s' (%lld params) on 512 synthetic %s images, %d thread(s)\n", model->name().c_str(),
              static_cast<long long>(model->count_params()), model->input_shape().str().c_str(), pool.num_threads());
  st = trainer.fit(
      train, fit, nullptr,
      [&](const nn::EpochResult& e) {
        std::printf(
            "{\"epoch\": %d, \"loss\": %.4f, \"accuracy\": %.4f, \"val_loss\": %.4f, \"val_accuracy\": %.4f, "
            "\"seconds\": %.2f, \"images_per_second\": %.1f}\n",
            e.epoch + 1, e.loss, e.accuracy, e.val_loss, e.val_accuracy, e.seconds, 512 / e.seconds);
        std::fflush(stdout);
        return true;
      },
      nullptr);
  return st.is_ok() ? 0 : fail(st);
}

int run(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string cmd = argv[1];
  if (cmd == "summary") return argc == 3 ? summary(argv[2]) : usage();
  if (cmd == "demo") {
    const char* path = "wasm-tests/fixtures/model-a.json";
    int epochs = 3, threads = nn::ThreadPool::max_threads();
    for (int i = 2; i < argc; ++i) {
      if (!std::strcmp(argv[i], "--epochs") && i + 1 < argc) {
        if (!parse_int("--epochs", argv[++i], 1, 100000, &epochs)) return 2;
      } else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) {
        // More threads than the build or machine has are capped by the pool (the demo prints the count).
        if (!parse_int("--threads", argv[++i], 1, 1024, &threads)) return 2;
      } else if (argv[i][0] != '-') {
        path = argv[i];
      } else {
        return usage();
      }
    }
    return demo(path, epochs, threads);
  }
  return usage();
}

}  // namespace

int main(int argc, char** argv) {
  // The engine reports memory it cannot get as a Status; this catches what the C++ library
  // itself fails to allocate (vectors), so that is an error message too, never an abort.
  try {
    return run(argc, argv);
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "convnet: out of memory: the model or its data needs more memory than is available\n");
    return 1;
  }
}
