// Core: shapes, arenas (alignment, zero-fill, offsets), the seeded RNG, status messages.
#include <doctest/doctest.h>

#include <cstdint>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/rng.h"
#include "core/shape.h"
#include "core/status.h"

using namespace nn;

TEST_CASE("Shape prints and counts") {
  Shape s{16, 16, 32};
  CHECK(s.str() == "16x16x32");
  CHECK(s.numel() == 8192);
  CHECK(s.last() == 32);
  CHECK(s == Shape({16, 16, 32}));
  CHECK(s != Shape({16, 16, 64}));
}

TEST_CASE("Arena spans are aligned, disjoint and zeroed") {
  Arena arena("test");
  size_t a = arena.reserve(3);
  size_t b = arena.reserve(17);
  size_t c = arena.reserve(0);
  REQUIRE(arena.allocate().is_ok());
  CHECK(reinterpret_cast<uintptr_t>(arena.at(a)) % kAlignment == 0);
  CHECK(reinterpret_cast<uintptr_t>(arena.at(b)) % kAlignment == 0);
  CHECK(b >= a + 3);
  CHECK(c >= b + 17);
  for (size_t i = 0; i < arena.size(); ++i) CHECK(arena.at(0)[i] == 0.0f);
}

TEST_CASE("Rng is deterministic per seed and uniform() stays in [0, 1)") {
  Rng a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 1000; ++i) {
    float x = a.uniform();
    CHECK(x == b.uniform());
    differs = differs || x != c.uniform();
    CHECK(x >= 0.0f);
    CHECK(x < 1.0f);
  }
  CHECK(differs);
  Rng d(7);
  d.next_u32();
  Rng e(0);
  e.restore(d.state(), d.increment());
  CHECK(d.next_u32() == e.next_u32());
}

TEST_CASE("Status carries code and message") {
  Status ok;
  CHECK(ok.is_ok());
  Status bad = invalid_argument("Conv2D 'c': filters is ", 0, ": filters must be positive");
  CHECK_FALSE(bad.is_ok());
  CHECK(bad.code() == StatusCode::kInvalidArgument);
  CHECK(bad.message() == "Conv2D 'c': filters is 0: filters must be positive");
  CHECK(std::string(status_code_name(bad.code())) == "invalid_argument");
}
