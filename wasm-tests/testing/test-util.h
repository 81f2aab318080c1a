// Shared helpers for the test suites: a process-wide thread pool sized for the build variant,
// seeded random tensors, and tensor comparison with a relative tolerance.
#pragma once

#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "core/rng.h"
#include "core/status.h"
#include "threading/thread-pool.h"

namespace nn::testing {

// Two threads natively and in the mt build (the pool is capped there), one in st.
ThreadPool* test_pool();

std::vector<float> random_vector(size_t n, uint64_t seed, float lo = -1.0f, float hi = 1.0f);

// max |a - b| / max(1, max |b|): a scale-aware error for comparing kernels.
double relative_error(const std::vector<float>& a, const std::vector<float>& b);

std::string fixture_path(const std::string& name);

}  // namespace nn::testing

// CHECK that a Status is ok, printing its message when it is not.
#define NN_CHECK_OK(expr)        \
  do {                           \
    ::nn::Status nn_s_ = (expr); \
    INFO(nn_s_.message());       \
    CHECK(nn_s_.is_ok());        \
  } while (0)
#define NN_REQUIRE_OK(expr)      \
  do {                           \
    ::nn::Status nn_s_ = (expr); \
    INFO(nn_s_.message());       \
    REQUIRE(nn_s_.is_ok());      \
  } while (0)
