// Profiling counters: where a training step spends its time, by category, so the slow parts
// are visible in the benchmark's per-layer breakdown. Off by default; when on, the calling
// (main) thread adds wall time per category. Not thread-safe by design: ops are called from
// one thread and parallelize inside.
#pragma once

#include <chrono>

namespace nn {

// kBackward is the whole backward pass; the input/filter keys are the convolution parts of it.
enum class ProfileKey { kForward, kBackwardInput, kBackwardFilter, kBackward, kOptimizer, kLoss, kCount };

const char* profile_key_name(ProfileKey key);

struct Profile {
  bool enabled = false;
  double seconds[static_cast<int>(ProfileKey::kCount)] = {};
  void reset() {
    for (double& s : seconds) s = 0.0;
  }
};

Profile& global_profile();

// Adds the scope's wall time to `key` when profiling is on.
class ProfileScope {
 public:
  explicit ProfileScope(ProfileKey key) : key_(key), on_(global_profile().enabled) {
    if (on_) start_ = std::chrono::steady_clock::now();
  }
  ~ProfileScope() {
    if (on_) {
      global_profile().seconds[static_cast<int>(key_)] +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }
  }
  ProfileScope(const ProfileScope&) = delete;
  ProfileScope& operator=(const ProfileScope&) = delete;

 private:
  ProfileKey key_;
  bool on_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace nn
