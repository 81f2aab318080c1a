// Profiling counters: where a training step spends its time, so the slow parts are visible in
// the benchmark's breakdown. Each counter is defined where its phase lives (the graph's forward
// and backward, the convolution's input and filter gradients, the trainer's loss and optimizer)
// and registers itself by name; core knows no phase. Off by default; when on, the calling (main)
// thread adds wall time. Not thread-safe by design: ops are called from one thread and
// parallelize inside.
#pragma once

#include <chrono>
#include <vector>

namespace nn {

class ProfileCounter {
 public:
  // name: a snake_case key for the bench's JSON ("backward_input"). Define counters at namespace
  // scope (static storage): they register while the program starts and live until it ends.
  explicit ProfileCounter(const char* name);
  ProfileCounter(const ProfileCounter&) = delete;
  ProfileCounter& operator=(const ProfileCounter&) = delete;

  const char* name() const { return name_; }
  double seconds = 0.0;

 private:
  const char* name_;
};

// Every counter, in registration order.
const std::vector<ProfileCounter*>& profile_counters();
bool profiling_enabled();
void set_profiling_enabled(bool on);
// Zeroes every counter.
void reset_profile();

// Adds the scope's wall time to `counter` when profiling is on.
class ProfileScope {
 public:
  explicit ProfileScope(ProfileCounter& counter) : counter_(counter), on_(profiling_enabled()) {
    if (on_) start_ = std::chrono::steady_clock::now();
  }
  ~ProfileScope() {
    if (on_) counter_.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  ProfileScope(const ProfileScope&) = delete;
  ProfileScope& operator=(const ProfileScope&) = delete;

 private:
  ProfileCounter& counter_;
  bool on_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace nn
