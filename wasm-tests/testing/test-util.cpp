// Test helpers (see test-util.h).
#include "testing/test-util.h"

#include <algorithm>
#include <memory>

#include "core/alloc.h"

namespace nn::testing {

ThreadPool* test_pool() {
  static std::unique_ptr<ThreadPool> pool = std::make_unique<ThreadPool>(std::min(2, ThreadPool::max_threads()));
  return pool.get();
}

std::vector<float> random_vector(size_t n, uint64_t seed, float lo, float hi) {
  Rng rng(seed);
  // Kernels may read up to one vector past the end of a buffer (the engine's arenas carry
  // kTailBytes of padding for it): give test buffers the same slack, so ASan runs see none.
  std::vector<float> v;
  v.reserve(n + kTailBytes / sizeof(float));
  v.resize(n);
  for (float& x : v) x = rng.uniform(lo, hi);
  return v;
}

double relative_error(const std::vector<float>& a, const std::vector<float>& b) {
  double scale = 1.0, err = 0.0;
  for (size_t i = 0; i < b.size(); ++i) scale = std::max(scale, static_cast<double>(std::fabs(b[i])));
  for (size_t i = 0; i < a.size() && i < b.size(); ++i)
    err = std::max(err, std::fabs(static_cast<double>(a[i]) - b[i]));
  if (a.size() != b.size()) return 1e30;
  return err / scale;
}

std::string fixture_path(const std::string& name) { return std::string(NN_FIXTURES_DIR) + "/" + name; }

}  // namespace nn::testing
