// Aligned allocation with a padded tail (see alloc.h for why).
#include "core/alloc.h"

#include <cstdint>
#include <cstdlib>

namespace nn {

void* aligned_allocate(size_t bytes) {
  // A request near SIZE_MAX would wrap to a tiny block: refuse it instead.
  if (bytes > SIZE_MAX - kTailBytes - kAlignment) return nullptr;
  size_t total = (bytes + kTailBytes + kAlignment - 1) / kAlignment * kAlignment;
  return std::aligned_alloc(kAlignment, total);
}

void aligned_free(void* p) { std::free(p); }

}  // namespace nn
