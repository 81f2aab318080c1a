// Arena of aligned float spans (see arena.h).
#include "core/arena.h"

#include <cstdint>
#include <cstring>
#include <utility>

#include "core/alloc.h"
#include "core/checked.h"
#include "core/memory-budget.h"

namespace nn {

Arena::~Arena() { aligned_free(data_); }

size_t Arena::reserve(size_t count) {
  size_t offset = size_;
  // An overflowing reservation poisons the arena: allocate() then fails instead of wrapping.
  const size_t rounded = round_up_floats(count);
  if (count > SIZE_MAX - kAlignment || size_ > SIZE_MAX - rounded)
    overflow_ = true;
  else
    size_ += rounded;
  return offset;
}

Status Arena::allocate() {
  uint64_t bytes = 0;
  if (overflow_ || !checked_mul(size_, sizeof(float), &bytes) || !fits_size_t(bytes)) {
    return out_of_memory("arena '", name_, "': its size overflows this build's ", sizeof(size_t) * 8,
                         "-bit address space: the model or batch size needs more memory than is available");
  }
  if (size_ > capacity_ || data_ == nullptr) {
    // Linux overcommits: a block larger than memory can "succeed" and then be killed while
    // it is zero-filled. Refuse what the budget cannot cover; the old block counts as free.
    const uint64_t budget = memory_available_bytes() + static_cast<uint64_t>(capacity_) * sizeof(float);
    if (bytes > budget) {
      return out_of_memory("arena '", name_, "': needs ", format_bytes(bytes), " but only ", format_bytes(budget),
                           " are available: the model or batch size needs more memory than is available");
    }
    if (bytes > largest_block_bytes()) {
      return out_of_memory("arena '", name_, "': needs ", format_bytes(bytes),
                           " in one block but this build allocates at most ", format_bytes(largest_block_bytes()),
                           " at once: use a smaller batch or smaller images");
    }
    aligned_free(data_);
    data_ = nullptr;
    capacity_ = 0;
    size_t floats = size_ > 0 ? size_ : 1;
    data_ = static_cast<float*>(aligned_allocate(floats * sizeof(float)));
    if (data_ == nullptr) {
      return out_of_memory("arena '", name_, "': could not allocate ",
                           format_bytes(static_cast<uint64_t>(floats) * sizeof(float)),
                           ": the model or batch size needs more memory than is available");
    }
    capacity_ = floats;
  }
  std::memset(data_, 0, capacity_ * sizeof(float));
  return Status::ok();
}

void Arena::reset() {
  aligned_free(data_);
  data_ = nullptr;
  size_ = 0;
  capacity_ = 0;
  overflow_ = false;
}

void Arena::swap(Arena& other) {
  std::swap(data_, other.data_);
  std::swap(size_, other.size_);
  std::swap(capacity_, other.capacity_);
  std::swap(overflow_, other.overflow_);
}

}  // namespace nn
