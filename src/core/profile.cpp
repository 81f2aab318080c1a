// The registry of profile counters (see profile.h).
#include "core/profile.h"

namespace nn {
namespace {

// Function-local statics: counters in other files register during static initialization,
// whose order across files is unspecified.
std::vector<ProfileCounter*>& registry() {
  static std::vector<ProfileCounter*> counters;
  return counters;
}

bool& enabled() {
  static bool on = false;
  return on;
}

}  // namespace

ProfileCounter::ProfileCounter(const char* name) : name_(name) { registry().push_back(this); }

const std::vector<ProfileCounter*>& profile_counters() { return registry(); }
bool profiling_enabled() { return enabled(); }
void set_profiling_enabled(bool on) { enabled() = on; }

void reset_profile() {
  for (ProfileCounter* c : registry()) c->seconds = 0.0;
}

}  // namespace nn
