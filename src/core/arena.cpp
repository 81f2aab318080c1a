// Arena of aligned float spans (see arena.h).
#include "core/arena.h"

#include <cstring>

#include "core/alloc.h"

namespace nn {

Arena::~Arena() { aligned_free(data_); }

size_t Arena::reserve(size_t count) {
  size_t offset = size_;
  size_ += round_up_floats(count);
  return offset;
}

Status Arena::allocate() {
  if (size_ > capacity_ || data_ == nullptr) {
    aligned_free(data_);
    data_     = nullptr;
    capacity_ = 0;
    size_t floats = size_ > 0 ? size_ : 1;
    data_ = static_cast<float*>(aligned_allocate(floats * sizeof(float)));
    if (data_ == nullptr) {
      return out_of_memory("arena '", name_, "': could not allocate ", floats * sizeof(float) / (1024.0 * 1024.0),
                           " MiB: the model or batch size needs more memory than is available");
    }
    capacity_ = floats;
  }
  std::memset(data_, 0, capacity_ * sizeof(float));
  return Status::ok();
}

void Arena::reset() {
  aligned_free(data_);
  data_     = nullptr;
  size_     = 0;
  capacity_ = 0;
}

}  // namespace nn
