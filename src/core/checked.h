// Checked size arithmetic: every size the engine computes (shapes, parameter counts, plans,
// arenas, staging) is worked out in 64 bits and checked, so that it is the same number in the
// native build and in wasm32 (where size_t is 32 bits) and overflow is an error, not a wrap.
// Results that are then used as size_t go through fits_size_t() first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

namespace nn {

// The largest tensor (per sample, a parameter, or a value at the planned batch) the engine
// accepts, in elements: 2^32 - 1, so that sizes of one tensor always fit wasm32's size_t and
// every element index fits 32 bits, whatever the build.
constexpr uint64_t kMaxTensorElements = 0xffffffffULL;

// a * b and a + b, false on overflow (out is then unspecified).
inline bool checked_mul(uint64_t a, uint64_t b, uint64_t* out) { return !__builtin_mul_overflow(a, b, out); }
inline bool checked_add(uint64_t a, uint64_t b, uint64_t* out) { return !__builtin_add_overflow(a, b, out); }

// Accumulates a sum of products; once any step overflows it stays overflowed.
class CheckedSize {
 public:
  CheckedSize() = default;
  explicit CheckedSize(uint64_t v) : value_(v) {}
  CheckedSize& add(uint64_t v) {
    ok_ = ok_ && checked_add(value_, v, &value_);
    return *this;
  }
  CheckedSize& add(CheckedSize v) {
    ok_ = ok_ && v.ok_;
    return add(v.value_);
  }
  CheckedSize& mul(uint64_t v) {
    ok_ = ok_ && checked_mul(value_, v, &value_);
    return *this;
  }
  bool ok() const { return ok_; }
  uint64_t value() const { return value_; }

 private:
  uint64_t value_ = 0;
  bool ok_ = true;
};

inline bool fits_size_t(uint64_t v) { return v <= std::numeric_limits<size_t>::max(); }

}  // namespace nn
