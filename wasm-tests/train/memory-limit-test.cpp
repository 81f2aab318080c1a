// Memory limits (issue 12): sizes are 64-bit and overflow-checked in every build, and a model
// or batch that cannot fit fails at creation or reserve with its figures and a way out, in
// well under a second, leaving the engine usable. Run: nn_tests_native -tc='*limit*,*checked*'
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "core/arena.h"
#include "core/checked.h"
#include "core/memory-budget.h"
#include "core/shape.h"
#include "testing/test-util.h"
#include "api/session.h"

using namespace nn;

namespace {

// Input HxWx3, two 3x3 'same' convolutions of `filters` (ReLU), global average pooling, one
// sigmoid unit.
std::string conv_model(int64_t size, double filters, int64_t kernel = 3) {
  const std::string f =
      filters >= 1e6 ? std::to_string(static_cast<int64_t>(filters)) : std::to_string(static_cast<int>(filters));
  const std::string k = std::to_string(kernel);
  return R"({"modelTopology": {"class_name": "Sequential", "config": {"name": "big", "layers": [
    {"class_name": "Conv2D", "config": {"name": "conv_a", "filters": )" +
         f + R"(, "kernel_size": [)" + k + ", " + k +
         R"(], "padding": "same", "activation": "relu", "batch_input_shape": [null, )" + std::to_string(size) + ", " +
         std::to_string(size) + R"(, 3]}},
    {"class_name": "Conv2D", "config": {"name": "conv_b", "filters": )" +
         f + R"(, "kernel_size": [)" + k + ", " + k +
         R"(], "padding": "same", "activation": "relu"}},
    {"class_name": "GlobalAveragePooling2D", "config": {"name": "gap"}},
    {"class_name": "Dense", "config": {"name": "out", "units": 1, "activation": "sigmoid"}}]}}})";
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Restores the memory cap when a test ends, however it ends.
struct MemoryCap {
  explicit MemoryCap(uint64_t bytes) { set_memory_cap_for_testing(bytes); }
  ~MemoryCap() { set_memory_cap_for_testing(0); }
};

}  // namespace

TEST_CASE("checked size arithmetic reports overflow instead of wrapping") {
  uint64_t v = 0;
  CHECK(checked_mul(uint64_t{1} << 31, uint64_t{1} << 32, &v));
  CHECK(v == uint64_t{1} << 63);
  CHECK_FALSE(checked_mul(uint64_t{1} << 32, uint64_t{1} << 32, &v));
  CHECK_FALSE(checked_add(UINT64_MAX, 1, &v));
  CheckedSize s(uint64_t{1} << 40);
  s.mul(1 << 20).mul(1 << 10);
  CHECK_FALSE(s.ok());
  // 2048x2048x64 at batch 32 is 8.6e9 floats: more than a 32-bit size_t holds, exact here.
  CHECK(Shape({32, 2048, 2048, 64}).checked_numel(&v));
  CHECK(v == 8589934592ULL);
  CHECK_FALSE(Shape({1LL << 40, 1LL << 40}).checked_numel(&v));
  CHECK_FALSE(Shape({4, -1}).checked_numel(&v));
  CHECK(format_bytes(uint64_t{130} * 1024 * 1024 * 1024 + uint64_t{200} * 1024 * 1024) == "130.2 GiB");
  CHECK(format_bytes(512) == "512 bytes");
}

TEST_CASE("an arena whose reservations overflow fails to allocate instead of wrapping") {
  Arena arena("overflowing");
  arena.reserve(SIZE_MAX / 2);
  arena.reserve(SIZE_MAX / 2);
  arena.reserve(64);
  Status st = arena.allocate();
  INFO(st.message());
  CHECK(st.code() == StatusCode::kOutOfMemory);
  CHECK(st.message().find("overflows") != std::string::npos);
  Arena huge("huge");  // fits size_t natively, but not as bytes in wasm32 (and not in memory here)
  huge.reserve(SIZE_MAX / 4 + 1);
  CHECK(huge.allocate().code() == StatusCode::kOutOfMemory);
}

TEST_CASE("an arena larger than the memory budget is refused before it is allocated") {
  MemoryCap cap(uint64_t{1} << 20);
  Arena arena("big");
  arena.reserve(size_t{1} << 20);  // 4 MiB
  Status st = arena.allocate();
  INFO(st.message());
  CHECK(st.code() == StatusCode::kOutOfMemory);
  CHECK(st.message().find("arena 'big': needs 4.0 MiB but only") != std::string::npos);
  arena.reset();
  arena.reserve(1024);
  NN_CHECK_OK(arena.allocate());
}

TEST_CASE("a 130 GiB plan is refused at reserve with its figures and a way out, and the session stays usable") {
  // Input 2048x2048x3, two 64-filter 3x3 convolutions, batch 32: ~130 GiB to train.
  const auto start = std::chrono::steady_clock::now();
  std::unique_ptr<Session> s;
  NN_REQUIRE_OK(Session::create(conv_model(2048, 64), 1, 1, &s));
  NN_REQUIRE_OK(s->compile(R"({"loss": "binary_crossentropy"})"));
  MemoryEstimate e;
  NN_REQUIRE_OK(s->memory_estimate(32, &e));
  // Per sample: six 2048x2048x64 buffers (two activations, their gradients, two pre-activations)
  // at least; the exact figure is the same in every build.
  CHECK(e.activation_bytes > uint64_t{120} << 30);
  CHECK(e.bytes == e.weight_bytes + e.optimizer_bytes + e.activation_bytes + e.staging_bytes);
  CHECK(e.staging_bytes == uint64_t{32} * (2048 * 2048 * 3 + 1) * 4);
  CHECK_FALSE(e.fits);
  Status st = s->reserve(32);
  INFO(st.message());
  CHECK(st.code() == StatusCode::kOutOfMemory);
  CHECK(st.message().find("model 'big' needs ") == 0);
  CHECK(st.message().find(" GiB at batch 32 (activations ") != std::string::npos);
  CHECK(st.message().find("this engine can use at most") != std::string::npos);
  CHECK(seconds_since(start) < 1.0);
  // Still usable: a batch the estimate allows (if any here) plans; the model is intact.
  CHECK(s->reserved_batch() == 0);
  CHECK(s->model().count_params() == 3 * 3 * 3 * 64 + 64 + 3 * 3 * 64 * 64 + 64 + 64 + 1);
}

TEST_CASE("memory_estimate's max batch is the largest batch reserve accepts under a memory limit") {
  MemoryCap cap(uint64_t{192} << 20);  // 192 MiB for this test's plans
  const std::string json = conv_model(128, 32);
  std::unique_ptr<Session> s;
  NN_REQUIRE_OK(Session::create(json, 1, 1, &s));
  NN_REQUIRE_OK(s->compile(R"({"loss": "binary_crossentropy"})"));
  MemoryEstimate e;
  NN_REQUIRE_OK(s->memory_estimate(256, &e));
  CHECK_FALSE(e.fits);
  REQUIRE(e.max_batch >= 2);
  REQUIRE(e.max_batch < 256);
  MemoryEstimate at_max;
  NN_REQUIRE_OK(s->memory_estimate(e.max_batch, &at_max));
  CHECK(at_max.fits);
  MemoryEstimate above;
  NN_REQUIRE_OK(s->memory_estimate(e.max_batch + 1, &above));
  CHECK_FALSE(above.fits);
  Status st = s->reserve(256);
  INFO(st.message());
  CHECK(st.code() == StatusCode::kOutOfMemory);
  CHECK(st.message().find("use a batch of at most " + std::to_string(e.max_batch) + " or smaller images") !=
        std::string::npos);
  NN_CHECK_OK(s->reserve(e.max_batch));
  StepResult r;
  NN_CHECK_OK(s->train_step(e.max_batch, &r));
  CHECK(s->memory_estimate(0, &e).code() == StatusCode::kInvalidArgument);
}

TEST_CASE("filters: 1e9 fails at creation within a second, naming the layer") {
  const auto start = std::chrono::steady_clock::now();
  std::unique_ptr<Session> s;
  Status st = Session::create(conv_model(32, 1e9, 5), 1, 1, &s);
  INFO(st.message());
  CHECK(st.code() == StatusCode::kInvalidArgument);
  CHECK(st.message().find("Conv2D 'conv_a': its kernel would have shape 5x5x3x1000000000, 75000000000 elements") !=
        std::string::npos);
  CHECK(s == nullptr);
  CHECK(seconds_since(start) < 1.0);
  // A count past int32 is a config error, not an undefined cast.
  st = Session::create(conv_model(32, 1e30, 5), 1, 1, &s);
  CHECK(st.code() == StatusCode::kParseError);
  CHECK(st.message().find("config.filters must be an integer") != std::string::npos);
}

TEST_CASE("a model whose parameters exceed the memory limit fails at creation with its figures") {
  MemoryCap cap(uint64_t{256} << 20);
  // 5x5x3x2,000,000 + 5x5x2,000,000^2 would overflow one tensor; one conv of 4,000,000 filters
  // on 3 channels is 300 M weights: 2.2 GiB with gradients.
  const std::string json = R"({"modelTopology": {"class_name": "Sequential", "config": {"name": "wide", "layers": [
    {"class_name": "Conv2D", "config": {"name": "conv", "filters": 4000000, "kernel_size": 5, "batch_input_shape": [null, 5, 5, 3]}}]}}})";
  const auto start = std::chrono::steady_clock::now();
  std::unique_ptr<Session> s;
  Status st = Session::create(json, 1, 1, &s);
  INFO(st.message());
  CHECK(st.code() == StatusCode::kOutOfMemory);
  CHECK(st.message().find("model 'wide' has 304000000 parameters: with their gradients they need 2.3 GiB") == 0);
  CHECK(seconds_since(start) < 1.0);
  NN_CHECK_OK(Session::create(conv_model(16, 8), 1, 1, &s));  // the engine goes on
}
