// Arena: one aligned float allocation that many buffers point into (parameters, gradients,
// optimizer state, activations). Planning reserves spans by offset; allocate() then makes the
// memory once, so a training step never allocates. Following llm.c's
// malloc_and_point_parameters: one block means one view for JS and one flat optimizer loop.
#pragma once

#include <cstddef>
#include <string>

#include "core/status.h"

namespace nn {

class Arena {
 public:
  explicit Arena(std::string name) : name_(std::move(name)) {}
  ~Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // Reserves `count` floats, returns their offset. Each span starts on an aligned boundary.
  size_t reserve(size_t count);
  // Allocates (or re-allocates, if the plan grew) and zero-fills the whole arena.
  Status allocate();
  // Forgets all spans and frees the memory.
  void reset();
  // Exchanges memory and spans with `other` (names stay): a new layout is built beside the old
  // one and swapped in only once it is complete.
  void swap(Arena& other);

  float* at(size_t offset) const { return data_ + offset; }
  float* data() const { return data_; }
  size_t size() const { return size_; }  // floats reserved
  size_t bytes() const { return capacity_ * sizeof(float); }

 private:
  std::string name_;
  float* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;    // floats actually allocated
  bool overflow_ = false;  // a reservation overflowed: allocate() fails
};

}  // namespace nn
