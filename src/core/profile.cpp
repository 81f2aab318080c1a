// Global profile counters (see profile.h).
#include "core/profile.h"

namespace nn {

const char* profile_key_name(ProfileKey key) {
  switch (key) {
    case ProfileKey::kForward:
      return "forward";
    case ProfileKey::kBackwardInput:
      return "backward_input";
    case ProfileKey::kBackwardFilter:
      return "backward_filter";
    case ProfileKey::kBackward:
      return "backward";
    case ProfileKey::kOptimizer:
      return "optimizer";
    case ProfileKey::kLoss:
      return "loss";
    case ProfileKey::kCount:
      break;
  }
  return "?";
}

Profile& global_profile() {
  static Profile profile;
  return profile;
}

}  // namespace nn
