// Memory planner: places buffers with known lifetimes in one arena so that buffers alive at
// the same time never overlap (XNNPACK's usage records, greedy by size). A training step's
// timeline is forward of node 0..N-1 at times 0..N-1, then backward of node N-1..0 at times
// N..2N-1; activations kept for backward, gradients and saved state get their lifetimes from it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace nn {

// Sizes are 64-bit and saturate at UINT64_MAX, so a plan too large for wasm32 is measured
// rather than wrapped; the caller checks the total before using offsets as size_t.
struct BufferUsage {
  uint64_t floats = 0;
  int first = 0;        // first step time the buffer is live (inclusive)
  int last = 0;         // last step time it is live (inclusive)
  uint64_t offset = 0;  // filled by plan_memory, in floats, aligned
};

// Assigns offsets; returns the arena size in floats.
uint64_t plan_memory(std::vector<BufferUsage>& buffers);

}  // namespace nn
