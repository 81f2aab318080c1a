// Aligned buffers with tail padding. SIMD kernels may *read* up to one vector past the end of
// a buffer (never write), so every allocation carries kTailBytes of slack: in wasm an over-read
// past the end of linear memory traps, so the padding is required, not an optimization.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nn {

constexpr size_t kAlignment = 64;  // a cache line: keeps per-thread buffers from false sharing
constexpr size_t kTailBytes = 64;

// Returns nullptr when memory is exhausted (callers turn that into a Status).
void* aligned_allocate(size_t bytes);
void aligned_free(void* p);

// Rounds a float count up so that the next buffer starts on a kAlignment boundary.
inline size_t round_up_floats(size_t n) {
  constexpr size_t k = kAlignment / sizeof(float);
  return (n + k - 1) / k * k;
}
// The same in 64 bits, for sizes planned before they are known to fit size_t.
inline uint64_t round_up_floats64(uint64_t n) {
  constexpr uint64_t k = kAlignment / sizeof(float);
  return (n + k - 1) / k * k;
}

}  // namespace nn
