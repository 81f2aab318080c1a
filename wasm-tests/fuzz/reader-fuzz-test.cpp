// Bounded fuzz of the model.json and checkpoint readers (issue 12): seeded mutations of the
// fixtures (byte flips, truncations, duplicated and removed lines, numbers changed to edge
// values, fields removed or retyped; checkpoints with the checksum recomputed so that field
// validation, not only the checksum, is exercised). Every case must end in a Status: no crash,
// no hang (ctest runs this with a timeout), no sanitizer report (wasm-tests/asan.sh). A model
// that builds is also planned, run and trained for one step when small. Same seed, same cases.
// Run: nn_tests_native -tc='*fuzz*' (ctest: fuzz_readers_<variant>).
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "core/memory-budget.h"
#include "core/rng.h"
#include "io/json.h"
#include "io/tfjs-weights.h"
#include "testing/test-util.h"
#include "api/session.h"

using namespace nn;
using nn::testing::fixture_path;

namespace {

constexpr int kJsonCases = 2000;
constexpr int kCheckpointCases = 1500;
constexpr uint64_t kSmallPlan = uint64_t{16} << 20;  // plans under this also run a step

std::string read_text(const std::string& name) {
  std::string s;
  Status st = read_file_bytes(fixture_path(name), &s);
  INFO(st.message());
  REQUIRE(st.is_ok());
  return s;
}

// Numbers a hostile or buggy writer might put anywhere.
double edge_number(Rng& rng, double old) {
  static const double values[] = {0,
                                  -1,
                                  1,
                                  2,
                                  3,
                                  0.5,
                                  -0.5,
                                  255,
                                  65535,
                                  65536,
                                  2147483647.0,
                                  2147483648.0,
                                  4294967295.0,
                                  4294967296.0,
                                  1e9,
                                  -1e9,
                                  1e15,
                                  1e30,
                                  -1e30,
                                  1e308};
  switch (rng.below(4)) {
    case 0:
      return -old;
    case 1:
      return old * (1 + rng.below(1000));
    case 2:
      return rng.below(3) == 0 ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
    default:
      return values[rng.below(sizeof values / sizeof values[0])];
  }
}

// A copy of v with its `target`-th node (pre-order) changed; *counter counts nodes visited.
JsonValue mutate(const JsonValue& v, Rng& rng, int target, int* counter) {
  const bool here = (*counter)++ == target;
  if (here) {
    switch (v.type()) {
      case JsonValue::Type::kNumber:
        return JsonValue::make_number(edge_number(rng, v.as_number()));
      case JsonValue::Type::kBool:
        return JsonValue::make_bool(!v.as_bool());
      case JsonValue::Type::kString: {
        static const char* const strings[] = {"",       "Conv2D",     "Dense",     "same",  "valid",
                                              "relu",   "softmax",    "Add",       "input", "channels_first",
                                              "conv2d", "InputLayer", "Sequential"};
        return rng.below(4) == 0 ? JsonValue::make_number(3) : JsonValue::make_string(strings[rng.below(13)]);
      }
      case JsonValue::Type::kNull:
        return JsonValue::make_number(edge_number(rng, 7));
      default:
        break;
    }
  }
  if (v.is_array()) {
    JsonValue out = JsonValue::make_array();
    const size_t n = v.size(), skip = here && n > 0 && rng.below(2) ? rng.below(static_cast<uint32_t>(n)) : n;
    const size_t twice = here && skip == n && n > 0 ? rng.below(static_cast<uint32_t>(n)) : n;
    for (size_t i = 0; i < n; ++i) {
      if (i == skip) continue;
      out.push_back(mutate(v[i], rng, target, counter));
      if (i == twice) out.push_back(v[i]);
    }
    if (here && n == 0) out.push_back(JsonValue::make_number(1));
    return out;
  }
  if (v.is_object()) {
    JsonValue out = JsonValue::make_object();
    const auto& members = v.as_object();
    const size_t n = members.size(), skip = here && n > 0 ? rng.below(static_cast<uint32_t>(n)) : n;
    for (size_t i = 0; i < n; ++i) {
      if (i == skip) {
        if (rng.below(2)) continue;                          // removed
        out.set(members[i].first, JsonValue::make_array());  // retyped
        continue;
      }
      out.set(members[i].first, mutate(members[i].second, rng, target, counter));
    }
    return out;
  }
  return v;
}

int count_nodes(const JsonValue& v) {
  int n = 1;
  if (v.is_array())
    for (const JsonValue& e : v.as_array()) n += count_nodes(e);
  if (v.is_object())
    for (const auto& kv : v.as_object()) n += count_nodes(kv.second);
  return n;
}

// Text-level mutations: what DOM edits cannot make (bad syntax, duplicate keys).
std::string mutate_text(const std::string& text, Rng& rng) {
  std::string s = text;
  const uint32_t size = static_cast<uint32_t>(s.size());
  switch (rng.below(4)) {
    case 0:  // byte flips
      for (uint32_t k = 1 + rng.below(4); k > 0; --k) s[rng.below(size)] ^= static_cast<char>(1u << rng.below(8));
      return s;
    case 1:  // truncation
      return s.substr(0, rng.below(size));
    default: {  // duplicate or remove a line (a field, in these pretty-printed files)
      std::vector<size_t> starts{0};
      for (size_t i = 0; i < s.size(); ++i)
        if (s[i] == '\n') starts.push_back(i + 1);
      const size_t line = rng.below(static_cast<uint32_t>(starts.size()));
      const size_t b = starts[line], e = line + 1 < starts.size() ? starts[line + 1] : s.size();
      const std::string piece = s.substr(b, e - b);
      return rng.below(2) ? s.insert(b, piece) : s.erase(b, e - b);
    }
  }
}

const char* loss_for(Session& s) {
  return s.model().output_shape().numel() == 1 ? R"({"loss": "binary_crossentropy"})"
                                               : R"({"loss": "sparse_categorical_crossentropy"})";
}

// Builds, plans and (when small) runs whatever the mutated text describes; only crashes fail.
int exercise_model(const std::string& text, uint64_t seed) {
  std::unique_ptr<Session> s;
  if (!Session::create(text, seed, 1, &s).is_ok()) return 0;
  (void)s->summary_json();
  std::string json, bin;
  (void)s->to_tfjs(&json, &bin);
  if (!s->compile(loss_for(*s)).is_ok()) return 1;
  MemoryEstimate e;
  if (!s->memory_estimate(2, &e).is_ok() || e.bytes > kSmallPlan || !s->reserve(2).is_ok()) return 1;
  const size_t x = static_cast<size_t>(2 * s->model().input_shape().numel());
  for (size_t i = 0; i < x; ++i) s->staging_x()[i] = static_cast<float>(i % 13);
  for (size_t i = 0; i < 2 * s->label_size(); ++i) s->staging_y()[i] = 0.0f;
  const float* out = nullptr;
  (void)s->predict_step(2, &out);
  StepResult r;
  (void)s->train_step(2, &r);
  return 2;
}

uint64_t fnv1a(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

// A forger's edit: the checksum (the last 8 bytes) matches the new contents.
std::string with_checksum(std::string bytes) {
  if (bytes.size() < 8) return bytes;
  const uint64_t h = fnv1a(std::string_view(bytes).substr(0, bytes.size() - 8));
  std::memcpy(&bytes[bytes.size() - 8], &h, sizeof h);
  return bytes;
}

// Scoped memory cap: a mutated input size must be refused by the budget, never allocated.
struct MemoryCap {
  explicit MemoryCap(uint64_t bytes) { set_memory_cap_for_testing(bytes); }
  ~MemoryCap() { set_memory_cap_for_testing(0); }
};

}  // namespace

TEST_CASE("fuzz: mutated model.json files give a Status, never a crash or a hang") {
  MemoryCap cap(uint64_t{512} << 20);
  const char* const fixtures[] = {"small-cnn.json", "small-cnn-functional.json", "model-a-16.json", "model-b-64.json"};
  std::vector<std::string> texts;
  std::vector<JsonValue> trees;
  for (const char* f : fixtures) {
    texts.push_back(read_text(f));
    trees.emplace_back();
    NN_REQUIRE_OK(parse_json(texts.back(), &trees.back()));
  }
  Rng rng(20261202);
  int built = 0, ran = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int c = 0; c < kJsonCases; ++c) {
    const size_t f = rng.below(static_cast<uint32_t>(texts.size()));
    std::string text;
    if (rng.below(2)) {
      text = mutate_text(texts[f], rng);
    } else {
      int counter = 0;
      text = to_json(
          mutate(trees[f], rng, static_cast<int>(rng.below(static_cast<uint32_t>(count_nodes(trees[f])))), &counter),
          1);
    }
    CAPTURE(c);
    const int level = exercise_model(text, static_cast<uint64_t>(c));
    built += level >= 1;
    ran += level >= 2;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MESSAGE(kJsonCases, " model.json cases: ", built, " built, ", ran, " ran a step, in ", seconds, " s");
  CHECK(built > kJsonCases / 20);  // the mutations reach past the parser
  CHECK(ran > 0);
}

TEST_CASE("fuzz: mutated checkpoints give a Status, never a crash, and what loads trains") {
  const std::string json = read_text("small-cnn.json");
  std::unique_ptr<Session> s;
  NN_REQUIRE_OK(Session::create(json, 1, 1, &s));
  NN_REQUIRE_OK(s->compile(R"({"loss": "sparse_categorical_crossentropy", "optimizer": {"name": "adam"}})"));
  NN_REQUIRE_OK(s->reserve(2));
  const size_t x = static_cast<size_t>(2 * s->model().input_shape().numel());
  for (size_t i = 0; i < x; ++i) s->staging_x()[i] = static_cast<float>(i % 5) / 5.0f;
  s->staging_y()[0] = 1.0f;
  s->staging_y()[1] = 3.0f;
  StepResult r;
  NN_REQUIRE_OK(s->train_step(2, &r));
  std::string good;
  NN_REQUIRE_OK(s->save_checkpoint(4, &good));
  Rng rng(7);
  int loaded = 0, forged = 0;
  for (int c = 0; c < kCheckpointCases; ++c) {
    std::string bad = good;
    const uint32_t size = static_cast<uint32_t>(bad.size());
    switch (rng.below(5)) {
      case 0:  // byte flips
        for (uint32_t k = 1 + rng.below(3); k > 0; --k) bad[rng.below(size)] ^= static_cast<char>(1u << rng.below(8));
        break;
      case 1:  // truncation, or bytes cut from or added in the middle
        if (rng.below(2))
          bad.resize(rng.below(size));
        else if (rng.below(2))
          bad.erase(rng.below(size), 1 + rng.below(16));
        else
          bad.insert(rng.below(size), std::string(1 + rng.below(16), static_cast<char>(rng.below(256))));
        break;
      default: {  // a 1-, 4- or 8-byte field overwritten with an edge value
        static const uint64_t values[] = {0,
                                          1,
                                          2,
                                          0xff,
                                          0x7fffffff,
                                          0x80000000,
                                          0xffffffff,
                                          0x7fc00000 /* NaN */,
                                          0xff800000 /* -inf */,
                                          0xbf800000 /* -1.0f */,
                                          0xffffffffffffffffULL,
                                          0x8000000000000000ULL,
                                          0x7fffffffffffffffULL};
        const uint64_t v = values[rng.below(sizeof values / sizeof values[0])];
        static const uint32_t widths[] = {1, 4, 8};
        const uint32_t w = widths[rng.below(3)];
        if (size > 8 + w) std::memcpy(&bad[rng.below(size - 8 - w)], &v, w);
        break;
      }
    }
    // Most cases get a valid checksum, so the fields themselves are what is checked.
    if (rng.below(4) != 0) {
      bad = with_checksum(bad);
      ++forged;
    }
    CAPTURE(c);
    int64_t epoch = -1;
    if (!s->load_checkpoint(bad, &epoch).is_ok()) continue;
    ++loaded;
    CHECK(epoch >= 0);
    // What loads is valid: a step trains or reports a Status (e.g. a diverged loss).
    (void)s->train_step(2, &r);
    int64_t restored = -1;
    NN_REQUIRE_OK(s->load_checkpoint(good, &restored));
  }
  MESSAGE(kCheckpointCases, " checkpoint cases (", forged, " with a recomputed checksum): ", loaded, " loaded");
  int64_t epoch = -1;
  NN_CHECK_OK(s->load_checkpoint(good, &epoch));
  CHECK(epoch == 4);
}
