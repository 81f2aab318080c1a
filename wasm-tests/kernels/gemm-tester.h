// GemmTester: a fluent builder that runs one tiled f32 GEMM microkernel on one shape and checks
// it against nn_f32_gemm__reference (double accumulation), element by element:
//   GemmTester().mr(4).nr(8).m(3).n(11).k(5).accumulate(true).test(fn);
// Buffers are laid out to catch contract violations: A's and B's stride gaps and tails are NaN
// (a kernel that uses them produces NaN), C's region is NaN when not accumulating (a kernel that
// reads it fails), and C's stride gaps and tail hold a sentinel that must survive.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "kernels/kernels.h"
#include "testing/test-util.h"

namespace nn::testing {

class GemmTester {
 public:
  GemmTester& mr(size_t v) {
    mr_ = v;
    return *this;
  }
  GemmTester& nr(size_t v) {
    nr_ = v;
    return *this;
  }
  GemmTester& m(size_t v) {
    m_ = v;
    return *this;
  }
  GemmTester& n(size_t v) {
    n_ = v;
    return *this;
  }
  GemmTester& k(size_t v) {
    k_ = v;
    return *this;
  }
  // Row strides in elements; 0 means dense (k for A, n for B and C; m for the tn kernels' A).
  GemmTester& a_stride(size_t v) {
    a_stride_ = v;
    return *this;
  }
  GemmTester& b_stride(size_t v) {
    b_stride_ = v;
    return *this;
  }
  GemmTester& c_stride(size_t v) {
    c_stride_ = v;
    return *this;
  }
  GemmTester& accumulate(bool v) {
    accumulate_ = v;
    return *this;
  }
  GemmTester& bias(bool v) {
    bias_ = v;
    return *this;
  }  // packed kernels only
  GemmTester& clamp(float lo, float hi) {
    min_ = lo;
    max_ = hi;
    return *this;
  }
  GemmTester& relu() { return clamp(0.0f, std::numeric_limits<float>::infinity()); }
  GemmTester& seed(uint64_t v) {
    seed_ = v;
    return *this;
  }

  // Packed-W kernel: packs W (k x n) with bias for nr, runs fn on the whole m x n (m <= mr).
  void test(GemmUkernelFn fn) const {
    REQUIRE(m_ >= 1);
    REQUIRE(m_ <= mr_);
    const size_t as = a_stride_ ? a_stride_ : k_;
    const size_t cs = c_stride_ ? c_stride_ : n_;
    std::vector<float> a = strided(m_, k_, as, seed_ + 1);
    const std::vector<float> w = random_vector(k_ * n_, seed_ + 2);
    const std::vector<float> bias = bias_ ? random_vector(n_, seed_ + 3) : std::vector<float>(n_, 0.0f);
    std::vector<float> packed(nn_f32_packed_gemm_w_floats(k_, n_, nr_) + kTail, kNaN);
    nn_f32_pack_gemm_w(k_, n_, nr_, w.data(), n_, bias_ ? bias.data() : nullptr, packed.data());

    std::vector<float> c = make_c(cs);
    const std::vector<float> c_old = c;
    const GemmParams p = params();
    fn(m_, n_, k_, a.data(), as, packed.data(), c.data(), cs, &p);

    std::vector<float> dense_a(m_ * k_);
    for (size_t i = 0; i < m_; ++i)
      for (size_t p = 0; p < k_; ++p) dense_a[i * k_ + p] = a[i * as + p];
    check(dense_a, w, bias, c_old, c, cs);
  }

  // Transposed-A, unpacked-B kernel: A stored (k x m), B (k x n), no bias.
  void test_tn(GemmTnUkernelFn fn) const {
    REQUIRE(m_ >= 1);
    REQUIRE(m_ <= mr_);
    const size_t as = a_stride_ ? a_stride_ : m_;
    const size_t bs = b_stride_ ? b_stride_ : n_;
    const size_t cs = c_stride_ ? c_stride_ : n_;
    const std::vector<float> at = strided(k_, m_, as, seed_ + 1);
    const std::vector<float> b = strided(k_, n_, bs, seed_ + 2);
    std::vector<float> c = make_c(cs);
    const std::vector<float> c_old = c;
    const GemmParams p = params();
    fn(m_, n_, k_, at.data(), as, b.data(), bs, c.data(), cs, &p);

    std::vector<float> dense_a(m_ * k_), dense_b(k_ * n_);
    for (size_t i = 0; i < m_; ++i)
      for (size_t p = 0; p < k_; ++p) dense_a[i * k_ + p] = at[p * as + i];
    for (size_t p = 0; p < k_; ++p)
      for (size_t j = 0; j < n_; ++j) dense_b[p * n_ + j] = b[p * bs + j];
    check(dense_a, dense_b, std::vector<float>(n_, 0.0f), c_old, c, cs);
  }

 private:
  static constexpr size_t kTail = 16;  // floats after every buffer: room for the allowed over-reads
  static constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
  static constexpr float kSentinel = 777.0f;

  GemmParams params() const {
    GemmParams p;
    p.min = min_;
    p.max = max_;
    p.accumulate = accumulate_;
    return p;
  }

  // rows x cols of random values at the given row stride; the gaps and the tail are NaN.
  std::vector<float> strided(size_t rows, size_t cols, size_t stride, uint64_t seed) const {
    REQUIRE(stride >= cols);
    std::vector<float> v((rows - 1) * stride + cols + kTail, kNaN);
    const std::vector<float> r = random_vector(rows * cols, seed);
    for (size_t i = 0; i < rows; ++i)
      for (size_t j = 0; j < cols; ++j) v[i * stride + j] = r[i * cols + j];
    return v;
  }

  // C storage: the m x n region is random when accumulating, NaN otherwise; the rest is the sentinel.
  std::vector<float> make_c(size_t cs) const {
    REQUIRE(cs >= n_);
    std::vector<float> c((m_ - 1) * cs + n_ + kTail, kSentinel);
    const std::vector<float> r = random_vector(m_ * n_, seed_ + 4);
    for (size_t i = 0; i < m_; ++i)
      for (size_t j = 0; j < n_; ++j) c[i * cs + j] = accumulate_ ? r[i * n_ + j] : kNaN;
    return c;
  }

  void check(const std::vector<float>& a, const std::vector<float>& w, const std::vector<float>& bias,
             const std::vector<float>& c_old, const std::vector<float>& c, size_t cs) const {
    std::vector<float> ref(m_ * n_);
    nn_f32_gemm__reference(m_, n_, k_, a.data(), w.data(), ref.data());
    size_t bad = 0;
    for (size_t i = 0; i < m_; ++i) {
      for (size_t j = 0; j < n_; ++j) {
        // Error bound of a k-term float sum (plus bias and old C), with margin: |err| <= 2(k+2)u * sum|terms|.
        double magnitude = std::fabs(bias[j]);
        for (size_t p = 0; p < k_; ++p) magnitude += std::fabs(double(a[i * k_ + p]) * w[p * n_ + j]);
        double expected = double(ref[i * n_ + j]) + bias[j];
        if (accumulate_) {
          expected += c_old[i * cs + j];
          magnitude += std::fabs(c_old[i * cs + j]);
        }
        expected = std::fmin(std::fmax(expected, double(min_)), double(max_));
        const double tol = 2.0 * (k_ + 2) * 0x1p-24 * magnitude + 1e-30;
        const float got = c[i * cs + j];
        if (!(std::fabs(got - expected) <= tol)) {
          if (bad++ < 3) {
            INFO("C(" << i << ", " << j << ") = " << got << ", expected " << expected << " (tol " << tol << ")");
            CHECK(std::fabs(got - expected) <= tol);
          }
        }
      }
    }
    CHECK(bad == 0);
    // Nothing outside the m x n region changed.
    size_t touched = 0;
    for (size_t idx = 0; idx < c.size(); ++idx) {
      const size_t i = idx / cs, j = idx % cs;
      const bool inside = i < m_ && j < n_;
      if (!inside && c[idx] != kSentinel) ++touched;
    }
    CHECK(touched == 0);
  }

  size_t mr_ = 1, nr_ = 1, m_ = 1, n_ = 1, k_ = 1;
  size_t a_stride_ = 0, b_stride_ = 0, c_stride_ = 0;
  bool accumulate_ = false, bias_ = true;
  float min_ = -std::numeric_limits<float>::infinity();
  float max_ = std::numeric_limits<float>::infinity();
  uint64_t seed_ = 7;
};

}  // namespace nn::testing
