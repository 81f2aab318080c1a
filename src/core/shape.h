// Shape: the dimensions of one sample or of a batch. Activations are NHWC (channels last, as
// Keras and TF.js use): a layer's per-sample shape is (H, W, C) or (C); the batch dimension is
// kept apart because a model is planned once per batch size.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

#include "core/checked.h"
#include "core/status.h"

namespace nn {

struct Shape {
  static constexpr int kMaxRank = 5;

  int rank = 0;
  int64_t dims[kMaxRank] = {};

  Shape() = default;
  Shape(std::initializer_list<int64_t> list) {
    NN_ASSERT(list.size() <= static_cast<size_t>(kMaxRank));
    for (int64_t d : list) dims[rank++] = d;
  }

  int64_t operator[](int i) const { return dims[i]; }
  int64_t& operator[](int i) { return dims[i]; }
  int64_t last() const { return rank > 0 ? dims[rank - 1] : 1; }

  // Number of elements; a rank-0 shape is a scalar. Layers validate their shapes at build
  // (at most kMaxTensorElements), so this cannot overflow for a built model.
  int64_t numel() const {
    int64_t n = 1;
    for (int i = 0; i < rank; ++i) n *= dims[i];
    return n;
  }

  // The element count in 64 bits; false when a dimension is negative or the count overflows.
  bool checked_numel(uint64_t* out) const {
    CheckedSize n(1);
    for (int i = 0; i < rank; ++i) {
      if (dims[i] < 0) return false;
      n.mul(static_cast<uint64_t>(dims[i]));
    }
    *out = n.value();
    return n.ok();
  }

  bool operator==(const Shape& other) const {
    if (rank != other.rank) return false;
    for (int i = 0; i < rank; ++i)
      if (dims[i] != other.dims[i]) return false;
    return true;
  }
  bool operator!=(const Shape& other) const { return !(*this == other); }

  // "16x16x32", the way error messages and the summary print shapes.
  std::string str() const {
    std::string s;
    for (int i = 0; i < rank; ++i) {
      if (i) s += 'x';
      s += std::to_string(dims[i]);
    }
    return rank == 0 ? "scalar" : s;
  }
};

}  // namespace nn
