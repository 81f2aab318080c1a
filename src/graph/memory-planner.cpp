// Greedy first-fit placement by decreasing size (see memory-planner.h). Buffers are few (a
// few per layer), so the quadratic scan is cheap and runs once per plan.
#include "graph/memory-planner.h"

#include <algorithm>
#include <numeric>

#include "core/alloc.h"

namespace nn {

namespace {

uint64_t saturating_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }
uint64_t rounded(uint64_t floats) { return floats > UINT64_MAX - 16 ? UINT64_MAX : round_up_floats64(floats); }

}  // namespace

uint64_t plan_memory(std::vector<BufferUsage>& buffers) {
  std::vector<size_t> order(buffers.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return buffers[a].floats > buffers[b].floats; });
  std::vector<size_t> placed;
  uint64_t total = 0;
  for (size_t i : order) {
    BufferUsage& b = buffers[i];
    const uint64_t size = rounded(b.floats);
    if (size == 0) {
      b.offset = 0;
      continue;
    }
    // Memory ranges of already-placed buffers whose lifetimes overlap this one, by offset.
    std::vector<std::pair<uint64_t, uint64_t>> busy;
    for (size_t j : placed) {
      const BufferUsage& o = buffers[j];
      if (o.first <= b.last && b.first <= o.last)
        busy.emplace_back(o.offset, saturating_add(o.offset, rounded(o.floats)));
    }
    std::sort(busy.begin(), busy.end());
    uint64_t offset = 0;
    for (const auto& range : busy) {
      if (saturating_add(offset, size) <= range.first) break;
      offset = std::max(offset, range.second);
    }
    b.offset = offset;
    total = std::max(total, saturating_add(offset, size));
    placed.push_back(i);
  }
  return total;
}

}  // namespace nn
