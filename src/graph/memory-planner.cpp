// Greedy first-fit placement by decreasing size (see memory-planner.h). Buffers are few (a
// few per layer), so the quadratic scan is cheap and runs once per plan.
#include "graph/memory-planner.h"

#include <algorithm>
#include <numeric>

#include "core/alloc.h"

namespace nn {

size_t plan_memory(std::vector<BufferUsage>& buffers) {
  std::vector<size_t> order(buffers.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return buffers[a].floats > buffers[b].floats; });
  std::vector<size_t> placed;
  size_t total = 0;
  for (size_t i : order) {
    BufferUsage& b = buffers[i];
    const size_t size = round_up_floats(b.floats);
    if (size == 0) {
      b.offset = 0;
      continue;
    }
    // Memory ranges of already-placed buffers whose lifetimes overlap this one, by offset.
    std::vector<std::pair<size_t, size_t>> busy;
    for (size_t j : placed) {
      const BufferUsage& o = buffers[j];
      if (o.first <= b.last && b.first <= o.last) busy.emplace_back(o.offset, o.offset + round_up_floats(o.floats));
    }
    std::sort(busy.begin(), busy.end());
    size_t offset = 0;
    for (const auto& range : busy) {
      if (offset + size <= range.first) break;
      offset = std::max(offset, range.second);
    }
    b.offset = offset;
    total = std::max(total, offset + size);
    placed.push_back(i);
  }
  return total;
}

}  // namespace nn
