// Tiled f32 GEMM microkernels against the reference, generated from f32-gemm.inc: every kernel
// this build has (and the CPU runs) gets a boundary sweep over rows (m = MR, m < MR), columns
// (n < NR, n = NR, n > NR, n % NR == 0), depths (1, 2, 3, 4, 5, 7, 8, 13, 31, 300), strided A,
// B and C, accumulate on and off, bias, ReLU and min/max clamps. Plus weight packing (both
// source layouts) and the kernel config. To add a kernel: one line in f32-gemm.inc.
//   nn_tests_native -tc='*gemm*'      node nn_tests_st.js -tc='*gemm*'
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "kernels/gemm-tester.h"
#include "kernels/kernel-config.h"
#include "kernels/kernels.h"
#include "testing/test-util.h"

using namespace nn;
using nn::testing::GemmTester;
using nn::testing::random_vector;

namespace {

const size_t kDepths[] = {1, 2, 3, 4, 5, 7, 8, 13, 31};

// Everything the two kinds share: the sweep, with `run(tester)` calling the kernel.
template <class Run>
void sweep(size_t mr, size_t nr, bool packed, Run run) {
  for (size_t k : kDepths) {
    CAPTURE(k);
    for (bool acc : {false, true}) {
      CAPTURE(acc);
      // Columns: every n below, at and above NR, up to three panels (n % NR == 0 included).
      for (size_t n = 1; n <= 3 * nr; ++n) {
        CAPTURE(n);
        run(GemmTester().mr(mr).nr(nr).m(mr).n(n).k(k).accumulate(acc));
      }
      // Rows: every m < MR, at a full, a ragged and a multi-panel width.
      for (size_t m = 1; m < mr; ++m) {
        CAPTURE(m);
        for (size_t n : {nr, nr > 1 ? nr - 1 : nr, 2 * nr + 1}) {
          CAPTURE(n);
          run(GemmTester().mr(mr).nr(nr).m(m).n(n).k(k).accumulate(acc));
        }
      }
    }
  }
  // Large depth, ragged width.
  for (size_t m = 1; m <= mr; ++m) {
    CAPTURE(m);
    run(GemmTester().mr(mr).nr(nr).m(m).n(2 * nr + 3).k(300).accumulate(m % 2 == 0));
  }
  // Strided A, B and C (element strides larger than the rows), with and without accumulation.
  for (size_t k : {1, 3, 17}) {
    for (size_t n : {size_t(1), nr + 3, 2 * nr}) {
      CAPTURE(k);
      CAPTURE(n);
      for (size_t m : {size_t(1), mr}) {
        const size_t a_stride = packed ? k + 5 : m + 3;
        run(GemmTester().mr(mr).nr(nr).m(m).n(n).k(k).a_stride(a_stride).b_stride(n + 2).c_stride(n + 7));
        run(GemmTester().mr(mr).nr(nr).m(m).n(n).k(k).a_stride(a_stride).b_stride(n + 5).c_stride(n + 1).accumulate(
            true));
      }
    }
  }
  // Fused clamps: ReLU and a window that cuts both ends.
  for (size_t n : {nr, 2 * nr + 1}) {
    for (size_t m : {size_t(1), mr}) {
      CAPTURE(n);
      CAPTURE(m);
      run(GemmTester().mr(mr).nr(nr).m(m).n(n).k(9).relu());
      run(GemmTester().mr(mr).nr(nr).m(m).n(n).k(9).clamp(-0.3f, 0.4f));
      run(GemmTester().mr(mr).nr(nr).m(m).n(n).k(9).clamp(-0.3f, 0.4f).accumulate(true));
    }
  }
}

void test_gemm_kernel(GemmUkernelFn fn, Isa isa, size_t mr, size_t nr) {
  if (!isa_available(isa)) return;  // e.g. fma3 kernels on a CPU without AVX2
  sweep(mr, nr, true, [&](const GemmTester& t) { t.test(fn); });
  // Without bias (zero-filled bias panel).
  for (size_t n : {nr - 1 ? nr - 1 : size_t(1), nr, 2 * nr + 1})
    GemmTester().mr(mr).nr(nr).m(mr).n(n).k(5).bias(false).test(fn);
}

void test_tn_kernel(GemmTnUkernelFn fn, Isa isa, size_t mr, size_t nr) {
  if (!isa_available(isa)) return;
  sweep(mr, nr, false, [&](const GemmTester& t) { t.test_tn(fn); });
}

}  // namespace

#define NN_GEMM_UKERNEL(isa, fn, mr, nr) \
  TEST_CASE("f32-gemm kernel " #fn " matches the reference") { test_gemm_kernel(fn, Isa::isa, mr, nr); }
#define NN_GEMM_TN_UKERNEL(isa, fn, mr, nr) \
  TEST_CASE("f32-gemm kernel " #fn " matches the reference") { test_tn_kernel(fn, Isa::isa, mr, nr); }
#include "kernels/f32-gemm/f32-gemm.inc"

TEST_CASE("f32-gemm pack: panels of nr columns, bias first, zero-padded") {
  const size_t k = 3, n = 5, nr = 4;
  const std::vector<float> w = random_vector(k * 7, 1);  // row stride 7 > n
  const std::vector<float> bias = random_vector(n, 2);
  REQUIRE(nn_f32_packed_gemm_w_floats(k, n, nr) == 2 * nr * (k + 1));
  std::vector<float> packed(nn_f32_packed_gemm_w_floats(k, n, nr), -1.0f);
  nn_f32_pack_gemm_w(k, n, nr, w.data(), 7, bias.data(), packed.data());
  for (size_t q = 0; q < 2; ++q) {
    const float* panel = packed.data() + q * nr * (k + 1);
    for (size_t j = 0; j < nr; ++j) {
      const size_t col = q * nr + j;
      CAPTURE(col);
      CHECK(panel[j] == (col < n ? bias[col] : 0.0f));
      for (size_t p = 0; p < k; ++p) CHECK(panel[nr + p * nr + j] == (col < n ? w[p * 7 + col] : 0.0f));
    }
  }
  // No bias: zeros.
  nn_f32_pack_gemm_w(k, n, nr, w.data(), 7, nullptr, packed.data());
  for (size_t j = 0; j < nr; ++j) CHECK(packed[j] == 0.0f);
  CHECK(packed[nr * (k + 1)] == 0.0f);
}

TEST_CASE("f32-gemm pack from a transposed source: conv filter and dense weights") {
  // Backward-input of a conv: the filter (KH, KW, CI, CO) as rows (ky, kx, co), columns ci.
  const size_t kh = 2, kw = 3, ci = 5, co = 3;
  const std::vector<float> filter = random_vector(kh * kw * ci * co, 3);
  std::vector<float> filter_t(kh * kw * co * ci);
  for (size_t t = 0; t < kh * kw; ++t)
    for (size_t c = 0; c < ci; ++c)
      for (size_t o = 0; o < co; ++o) filter_t[(t * co + o) * ci + c] = filter[(t * ci + c) * co + o];
  for (size_t nr : {1, 4, 8, 16}) {
    CAPTURE(nr);
    const size_t kt = kh * kw * co;
    std::vector<float> expected(nn_f32_packed_gemm_w_floats(kt, ci, nr)), got(expected.size(), -1.0f);
    nn_f32_pack_gemm_w(kt, ci, nr, filter_t.data(), ci, nullptr, expected.data());
    nn_f32_pack_gemm_w_transposed(kh * kw, co, ci, nr, filter.data(), ci * co, co, nullptr, got.data());
    CHECK(got == expected);
    // Taps in reverse order (negative block stride): the flipped filter of a unit-stride
    // backward-input, rows (KH*KW-1-t, co).
    std::vector<float> flipped_t(filter_t.size());
    for (size_t t = 0; t < kh * kw; ++t)
      std::copy_n(filter_t.data() + (kh * kw - 1 - t) * co * ci, co * ci, flipped_t.data() + t * co * ci);
    nn_f32_pack_gemm_w(kt, ci, nr, flipped_t.data(), ci, nullptr, expected.data());
    std::fill(got.begin(), got.end(), -1.0f);
    nn_f32_pack_gemm_w_transposed(kh * kw, co, ci, nr, filter.data() + (kh * kw - 1) * ci * co,
                                  -static_cast<ptrdiff_t>(ci * co), co, nullptr, got.data());
    CHECK(got == expected);
  }
  // A dense layer's W^T: W is (in x out), packed as (out x in) with a bias of `in` values.
  const size_t in = 7, out = 4;
  const std::vector<float> w = random_vector(in * out, 4), bias = random_vector(in, 5);
  std::vector<float> wt(out * in);
  for (size_t i = 0; i < in; ++i)
    for (size_t o = 0; o < out; ++o) wt[o * in + i] = w[i * out + o];
  std::vector<float> expected(nn_f32_packed_gemm_w_floats(out, in, 8)), got(expected.size(), -1.0f);
  nn_f32_pack_gemm_w(out, in, 8, wt.data(), in, bias.data(), expected.data());
  nn_f32_pack_gemm_w_transposed(1, out, in, 8, w.data(), 0, out, bias.data(), got.data());
  CHECK(got == expected);
}

TEST_CASE("f32-gemm config: kernels for every row count, and the serial drivers match the reference") {
  const GemmConfig& g = gemm_config();
  INFO(g.name);
  REQUIRE(g.mr >= 1);
  REQUIRE(g.mr <= kGemmMaxMR);
  REQUIRE(g.tn_mr >= 1);
  REQUIRE(g.tn_mr <= kGemmMaxMR);
  CHECK(isa_available(g.isa));
  for (size_t i = 0; i < kGemmMaxMR; ++i) {
    CHECK((g.gemm[i] != nullptr) == (i < g.mr));
    CHECK((g.gemm_tn[i] != nullptr) == (i < g.tn_mr));
  }
  CHECK(&gemm_config() == &g);

  // C = relu(A W + bias) then C += A W, on an odd shape through nn_f32_gemm.
  const size_t m = 37, n = 29, k = 19;
  const std::vector<float> a = random_vector(m * k, 1), w = random_vector(k * n, 2), bias = random_vector(n, 3);
  std::vector<float> packed(nn_f32_packed_gemm_w_floats(k, n, g.nr));
  g.pack(k, n, g.nr, w.data(), n, bias.data(), packed.data());
  std::vector<float> c(m * n + 16), ref(m * n);
  GemmParams relu;
  relu.min = 0.0f;
  nn_f32_gemm(g, m, n, k, a.data(), k, packed.data(), c.data(), n, relu);
  nn_f32_gemm__reference(m, n, k, a.data(), w.data(), ref.data());
  for (size_t i = 0; i < m * n; ++i) ref[i] = std::max(ref[i] + bias[i % n], 0.0f);
  c.resize(m * n);
  CHECK(nn::testing::relative_error(c, ref) < 1e-5);
  std::vector<float> c2 = ref, ref2(m * n);
  GemmParams acc;
  acc.accumulate = true;
  g.pack(k, n, g.nr, w.data(), n, nullptr, packed.data());
  c2.resize(m * n + 16);
  nn_f32_gemm(g, m, n, k, a.data(), k, packed.data(), c2.data(), n, acc);
  nn_f32_gemm__reference(m, n, k, a.data(), w.data(), ref2.data());
  for (size_t i = 0; i < m * n; ++i) ref2[i] += ref[i];
  c2.resize(m * n);
  CHECK(nn::testing::relative_error(c2, ref2) < 1e-5);

  // Every row count of the tables (each remainder tile), through the drivers.
  for (size_t rows = 1; rows <= 2 * std::max(g.mr, g.tn_mr) + 1; ++rows) {
    CAPTURE(rows);
    std::vector<float> c3(rows * n + 16), ref4(rows * n);
    nn_f32_gemm(g, rows, n, k, a.data(), k, packed.data(), c3.data(), n, GemmParams{});
    nn_f32_gemm__reference(rows, n, k, a.data(), w.data(), ref4.data());
    c3.resize(rows * n);
    CHECK(nn::testing::relative_error(c3, ref4) < 1e-5);
    std::vector<float> at4(k * rows), c4(k * n + 16, 0.0f), ref5(k * n);
    for (size_t i = 0; i < rows; ++i)
      for (size_t p = 0; p < k; ++p) at4[p * rows + i] = a[i * k + p];
    // C[rows x n] = (A^T)^T B with the stored A^T of k rows: the tn driver over `rows` rows.
    std::vector<float> b4 = random_vector(k * n + 16, 6);
    nn_f32_gemm_tn(g, rows, n, k, at4.data(), rows, b4.data(), n, c4.data(), n, GemmParams{});
    nn_f32_gemm__reference(rows, n, k, a.data(), b4.data(), ref5.data());
    c4.resize(rows * n);
    ref5.resize(rows * n);
    CHECK(nn::testing::relative_error(c4, ref5) < 1e-5);
  }

  // The filter-gradient form: C[k x n] += col^T grad_out, col (m x k), grad_out (m x n).
  std::vector<float> b = random_vector(m * n + 16, 4);
  std::vector<float> gw = random_vector(k * n, 5), ref3(k * n);
  std::vector<float> at(k * m);  // A^T as a dense (k x m) matrix for the reference
  for (size_t i = 0; i < m; ++i)
    for (size_t p = 0; p < k; ++p) at[p * m + i] = a[i * k + p];
  nn_f32_gemm__reference(k, n, m, at.data(), b.data(), ref3.data());
  for (size_t i = 0; i < k * n; ++i) ref3[i] += gw[i];
  nn_f32_gemm_tn(g, k, n, m, a.data(), k, b.data(), n, gw.data(), n, acc);
  CHECK(nn::testing::relative_error(gw, ref3) < 1e-5);
}

TEST_CASE("f32-gemm config candidates: complete tables and bit-identical results, so timing the choice is safe") {
  // The wasm build picks among these by timing; a result must not depend on which one won.
  const std::vector<GemmConfig> cands = gemm_config_candidates();
  REQUIRE(!cands.empty());
  const GemmConfig& chosen = gemm_config();
  const size_t n = 21, k = 35;
  // + 16: the kernels may read up to one vector past a row's end (core/alloc.h's tail padding).
  const std::vector<float> a = random_vector(40 * k + 16, 7), w = random_vector(k * n + 16, 8),
                           bias = random_vector(n + 16, 9);
  const std::vector<float> b = random_vector(40 * n + 16, 10);
  auto run = [&](const GemmConfig& g, size_t rows) {
    std::vector<float> packed(nn_f32_packed_gemm_w_floats(k, n, g.nr));
    g.pack(k, n, g.nr, w.data(), n, bias.data(), packed.data());
    std::vector<float> c(rows * n + 16, 0.0f), t(k * n + 16, 0.0f);
    nn_f32_gemm(g, rows, n, k, a.data(), k, packed.data(), c.data(), n, GemmParams{});
    // C (k x n) = A^T B over `rows` rows: A is (rows x k), B (rows x n).
    nn_f32_gemm_tn(g, k, n, rows, a.data(), k, b.data(), n, t.data(), n, GemmParams{});
    c.resize(rows * n);
    t.resize(k * n);
    return std::make_pair(c, t);
  };
  bool chosen_is_a_candidate = false;
  for (const GemmConfig& g : cands) {
    INFO(g.name);
    CHECK(g.nr == chosen.nr);
    CHECK(g.tn_nr == chosen.tn_nr);
    for (size_t i = 0; i < kGemmMaxMR; ++i) {
      CHECK((g.gemm[i] != nullptr) == (i < g.mr));
      CHECK((g.gemm_tn[i] != nullptr) == (i < g.tn_mr));
    }
    chosen_is_a_candidate |= std::equal(g.gemm, g.gemm + kGemmMaxMR, chosen.gemm);
    for (size_t rows : {1u, 3u, 4u, 5u, 7u, 12u, 13u, 40u}) {
      CAPTURE(rows);
      const auto [c, t] = run(g, rows);
      const auto [c_ref, t_ref] = run(chosen, rows);
      CHECK(c == c_ref);  // bit for bit
      CHECK(t == t_ref);
      std::vector<float> ref(rows * n);
      nn_f32_gemm__reference(rows, n, k, a.data(), w.data(), ref.data());
      for (size_t i = 0; i < ref.size(); ++i) ref[i] += bias[i % n];
      CHECK(nn::testing::relative_error(c, ref) < 1e-5);
    }
  }
  CHECK(chosen_is_a_candidate);
}
